/**
 * The entity sets the simulator serves: names, keys, enum/number/date properties, as in a 2025 F&O
 * `$metadata` (reference/notes/dynamics-365-fo.md §1). Property lists come from CDM (entity-fields.ts).
 */
import { CDM_FIELDS } from "./entity-fields";

export interface EntityDef {
  set: string;
  /** EDM type name under Microsoft.Dynamics.DataEntities. */
  typeName: string;
  /** AOT entity, as named in "Write failed for table row of type '...'" messages. */
  entityClass: string;
  /** Table label used in duplicate-key Infolog messages. */
  tableLabel: string;
  company: boolean;
  keys: string[];
  fields: Set<string>;
  enums: Record<string, string>;
  numbers: Set<string>;
  dates: Set<string>;
  /** Read-only sets (views such as on-hand). */
  readOnly?: boolean;
  /** Computed/status fields: ignored on create and update as D365 ignores them. */
  computed?: string[];
  /** DMF entity names (labels) that import into this set. */
  dmfNames?: string[];
}

interface Spec {
  set: string;
  typeName: string;
  entityClass: string;
  tableLabel: string;
  company?: boolean;
  keys: string[];
  fields: readonly string[];
  enums?: Record<string, string>;
  numbers?: string[];
  dates?: string[];
  readOnly?: boolean;
  computed?: string[];
  dmfNames?: string[];
}

function def(s: Spec): EntityDef {
  const company = s.company !== false;
  const fields = new Set<string>([...(company ? ["dataAreaId"] : []), ...s.keys, ...s.fields]);
  return {
    set: s.set,
    typeName: s.typeName,
    entityClass: s.entityClass,
    tableLabel: s.tableLabel,
    company,
    keys: s.keys,
    fields,
    enums: s.enums ?? {},
    numbers: new Set(s.numbers ?? []),
    dates: new Set(s.dates ?? []),
    readOnly: s.readOnly,
    computed: s.computed,
    dmfNames: s.dmfNames,
  };
}

const NOYES = "NoYes";

export const ENTITIES: EntityDef[] = [
  def({
    set: "CustomersV3",
    typeName: "CustomerV3",
    entityClass: "CustCustomerV3Entity",
    tableLabel: "Customers (CustTable)",
    keys: ["dataAreaId", "CustomerAccount"],
    fields: CDM_FIELDS.CustomersV3!,
    enums: { PartyType: "DirPartyBaseType", OnHoldStatus: "CustVendorBlocked", IsOneTimeCustomer: NOYES },
    numbers: ["CreditLimit"],
    dmfNames: ["Customers V3"],
  }),
  def({
    set: "CustomerGroups",
    typeName: "CustomerGroup",
    entityClass: "CustCustomerGroupEntity",
    tableLabel: "Customer groups (CustGroup)",
    keys: ["dataAreaId", "CustomerGroupId"],
    fields: ["Description", "PaymentTermId", "DefaultDimensionDisplayValue"],
  }),
  def({
    set: "ReleasedProductsV2",
    typeName: "ReleasedProductV2",
    entityClass: "EcoResReleasedProductV2Entity",
    tableLabel: "Items (InventTable)",
    keys: ["dataAreaId", "ItemNumber"],
    fields: CDM_FIELDS.ReleasedProductsV2!,
    enums: { ProductType: "EcoResProductType", ProductSubType: "EcoResProductSubtype" },
    numbers: ["SalesPrice", "PurchasePrice", "UnitCost", "NetProductWeight", "SalesPriceQuantity"],
    dmfNames: ["Released products V2"],
  }),
  def({
    set: "WarehousesOnHandV2",
    typeName: "WarehousesOnHandV2",
    entityClass: "InventWarehouseOnHandV2Entity",
    tableLabel: "On-hand inventory (InventSum)",
    keys: [
      "dataAreaId",
      "ItemNumber",
      "ProductColorId",
      "ProductConfigurationId",
      "ProductSizeId",
      "ProductStyleId",
      "ProductVersionId",
      "InventorySiteId",
      "InventoryWarehouseId",
    ],
    fields: CDM_FIELDS.WarehousesOnHandV2!,
    enums: { AreWarehouseManagementProcessesUsed: NOYES },
    numbers: [
      "OnHandQuantity",
      "ReservedOnHandQuantity",
      "AvailableOnHandQuantity",
      "OrderedQuantity",
      "ReservedOrderedQuantity",
      "AvailableOrderedQuantity",
      "OnOrderQuantity",
      "TotalAvailableQuantity",
    ],
    readOnly: true,
  }),
  def({
    set: "OperationalSites",
    typeName: "OperationalSite",
    entityClass: "InventOperationalSiteEntity",
    tableLabel: "Sites (InventSite)",
    keys: ["dataAreaId", "SiteId"],
    fields: ["SiteName", "SiteTimezone"],
  }),
  def({
    set: "Warehouses",
    typeName: "Warehouse",
    entityClass: "InventWarehouseEntity",
    tableLabel: "Warehouses (InventLocation)",
    keys: ["dataAreaId", "WarehouseId"],
    fields: ["WarehouseName", "OperationalSiteId", "WarehouseType"],
  }),
  def({
    set: "SalesOrderOriginCodes",
    typeName: "SalesOrderOriginCode",
    entityClass: "SalesOrderOriginCodeEntity",
    tableLabel: "Origin (SMMBusRelSalesDistrictGroup)",
    keys: ["dataAreaId", "OriginCode"],
    fields: ["Description"],
  }),
  def({
    set: "SalesOrderHeadersV4",
    typeName: "SalesOrderHeaderV4",
    entityClass: "SalesOrderHeaderV4Entity",
    tableLabel: "Sales orders (SalesTable)",
    keys: ["dataAreaId", "SalesOrderNumber"],
    fields: CDM_FIELDS.SalesOrderHeadersV4!,
    enums: {
      SalesOrderStatus: "SalesStatus",
      SalesOrderProcessingStatus: "SalesOrderProcessingStatus",
      IsDeliveryAddressOrderSpecific: NOYES,
      ArePricesIncludingSalesTax: NOYES,
      SkipCreateAutoCharges: NOYES,
      IsSalesProcessingStopped: NOYES,
      InventoryReservationMethod: "ItemReservation",
      AreTotalsCalculated: NOYES,
    },
    numbers: [
      "OrderTotalAmount",
      "OrderTotalTaxAmount",
      "OrderTotalChargesAmount",
      "OrderTotalDiscountAmount",
      "TotalDiscountPercentage",
      "FixedExchangeRate",
    ],
    dates: ["RequestedShippingDate", "RequestedReceiptDate", "ConfirmedShippingDate", "ConfirmedReceiptDate", "OrderCreationDateTime"],
    computed: [
      "SalesOrderStatus",
      "SalesOrderProcessingStatus",
      "OrderTotalAmount",
      "OrderTotalTaxAmount",
      "OrderTotalChargesAmount",
      "OrderTotalDiscountAmount",
      "AreTotalsCalculated",
      "OrderCreationDateTime",
    ],
    dmfNames: ["Sales order headers V4", "Sales order headers V3", "Sales order headers V2"],
  }),
  def({
    set: "SalesOrderLinesV3",
    typeName: "SalesOrderLineV3",
    entityClass: "SalesOrderLineV3Entity",
    tableLabel: "Order lines (SalesLine)",
    keys: ["dataAreaId", "InventoryLotId"],
    fields: CDM_FIELDS.SalesOrderLinesV3!,
    enums: {
      SalesOrderLineStatus: "SalesStatus",
      IsDeliveryAddressOrderSpecific: NOYES,
      SkipCreateAutoCharges: NOYES,
      IsLineStopped: NOYES,
    },
    numbers: [
      "OrderedSalesQuantity",
      "SalesPrice",
      "SalesPriceQuantity",
      "LineAmount",
      "LineDiscountAmount",
      "LineDiscountPercentage",
      "CustomersLineNumber",
      "LineNumber",
      "LineCreationSequenceNumber",
    ],
    dates: ["RequestedShippingDate", "RequestedReceiptDate", "ConfirmedShippingDate", "ConfirmedReceiptDate"],
    computed: ["SalesOrderLineStatus", "FulfillmentStatus", "LineCreationSequenceNumber"],
    dmfNames: ["Sales order lines V3", "Sales order lines V2"],
  }),
  def({
    // Header charges (freight, gift wrap). Keys and names (verify) against the environment's $metadata.
    set: "SalesOrderHeaderChargesV2",
    typeName: "SalesOrderHeaderChargeV2",
    entityClass: "SalesOrderHeaderChargeV2Entity",
    tableLabel: "Transaction miscellaneous charges (MarkupTrans)",
    keys: ["dataAreaId", "SalesOrderNumber", "ChargeLineNumber"],
    fields: [
      "SalesChargeCode",
      "ChargeCategory",
      "FixedChargeAmount",
      "ChargePercentage",
      "ChargeDescription",
      "ChargeCurrencyCode",
      "SalesTaxGroupCode",
      "SalesTaxItemGroupCode",
      "IsOverriddenLine",
    ],
    enums: { ChargeCategory: "MarkupCategory", IsOverriddenLine: NOYES },
    numbers: ["ChargeLineNumber", "FixedChargeAmount", "ChargePercentage"],
  }),
  def({
    set: "JournalNames",
    typeName: "JournalName",
    entityClass: "LedgerJournalNameEntity",
    tableLabel: "Journal names (LedgerJournalName)",
    keys: ["dataAreaId", "Name"],
    fields: [
      "Description",
      "Type",
      "VoucherSeriesCode",
      "NewVoucher",
      "OffsetAccountType",
      "OffsetAccountDisplayValue",
      "DeleteLinesAfterPosting",
    ],
    enums: { Type: "LedgerJournalType", OffsetAccountType: "LedgerJournalACType" },
  }),
  def({
    set: "MainAccounts",
    typeName: "MainAccount",
    entityClass: "MainAccountEntity",
    tableLabel: "Main accounts (MainAccount)",
    company: false,
    keys: ["ChartOfAccounts", "MainAccountId"],
    fields: ["Name", "Type", "MainAccountCategory"],
  }),
  def({
    set: "LedgerJournalHeaders",
    typeName: "LedgerJournalHeader",
    entityClass: "LedgerJournalHeaderEntity",
    tableLabel: "Journal table (LedgerJournalTable)",
    keys: ["dataAreaId", "JournalBatchNumber"],
    fields: CDM_FIELDS.LedgerJournalHeaders!,
    enums: { IsPosted: NOYES, PostingLayer: "CurrentOperationsTax" },
    numbers: ["JournalTotalDebit", "JournalTotalCredit"],
    computed: ["IsPosted", "JournalTotalDebit", "JournalTotalCredit", "AccountingCurrency"],
  }),
  def({
    set: "LedgerJournalLines",
    typeName: "LedgerJournalLine",
    entityClass: "LedgerJournalLineEntity",
    tableLabel: "Journal lines (LedgerJournalTrans)",
    keys: ["dataAreaId", "JournalBatchNumber", "LineNumber"],
    fields: CDM_FIELDS.LedgerJournalLines!,
    enums: { AccountType: "LedgerJournalACType", OffsetAccountType: "LedgerJournalACType", ReverseEntry: NOYES },
    numbers: ["LineNumber", "DebitAmount", "CreditAmount", "ExchRate", "ExchRateSecond", "ReportingCurrencyExchRate", "Quantity"],
    dates: ["TransDate", "DocumentDate", "DueDate", "ReverseDate"],
  }),
  def({
    set: "ReturnOrderHeadersV2",
    typeName: "ReturnOrderHeaderV2",
    entityClass: "ReturnOrderHeaderV2Entity",
    tableLabel: "Sales orders (SalesTable)",
    keys: ["dataAreaId", "ReturnOrderNumber"],
    fields: CDM_FIELDS.ReturnOrderHeadersV2!,
    enums: { ReturnStatus: "ReturnStatusHeader", ReturnOrderStatus: "SalesStatus", IsReturnAddressOrderSpecific: NOYES },
    dates: ["ReturnDeadline"],
    computed: ["ReturnStatus", "ReturnOrderStatus"],
  }),
  def({
    set: "ReturnOrderLinesV2",
    typeName: "ReturnOrderLineV2",
    entityClass: "ReturnOrderLineV2Entity",
    tableLabel: "Order lines (SalesLine)",
    keys: ["dataAreaId", "ReturnOrderNumber", "ReturnInventoryLotId"],
    fields: CDM_FIELDS.ReturnOrderLinesV2!,
    enums: { ReturnStatus: "ReturnStatusLine" },
    numbers: ["ReturnSalesQuantity", "SalesPrice", "LineAmount", "ReturnedSalesQuantity", "ReturnUnitCost"],
    dates: ["ExpectedReturnArrivalDate", "ActualReturnArrivalDate"],
    computed: ["ReturnStatus", "ReturnedSalesQuantity", "ActualReturnArrivalDate"],
  }),
  def({
    set: "ExchangeRates",
    typeName: "ExchangeRate",
    entityClass: "ExchangeRateEntity",
    tableLabel: "Exchange rates (ExchangeRate)",
    company: false,
    keys: ["RateTypeName", "FromCurrency", "ToCurrency", "StartDate"],
    fields: CDM_FIELDS.ExchangeRates!,
    enums: { ConversionFactor: "ExchangeRateDisplayFactor" },
    numbers: ["Rate"],
    dates: ["StartDate", "EndDate"],
  }),
];

/** DMF-only entity: "General journal" (LedgerJournalEntity) has no public OData set (notes §1.5). */
export const GENERAL_JOURNAL_DMF_NAME = "General journal";

export const ENUM_MEMBERS: Record<string, string[]> = {
  NoYes: ["No", "Yes"],
  SalesStatus: ["None", "Backorder", "Delivered", "Invoiced", "Canceled"],
  SalesOrderProcessingStatus: [
    "Active",
    "Confirmed",
    "Picked",
    "PartiallyDelivered",
    "Delivered",
    "Invoiced",
    "PartiallyInvoiced",
    "Canceled",
    "DeliveredPartiallyInvoiced",
  ],
  ReturnStatusHeader: ["None", "Created", "Open", "Closed", "Canceled"],
  ReturnStatusLine: ["None", "Awaiting", "Registered", "Quarantine", "Received", "Invoiced", "Canceled"],
  LedgerJournalACType: ["Ledger", "Cust", "Vend", "Project", "FixedAssets", "Bank"],
  ItemReservation: ["None", "Automatic", "Explosion"],
  CurrentOperationsTax: ["Current", "Operations", "Tax"],
  EcoResProductType: ["Item", "Service"],
  EcoResProductSubtype: ["Product", "ProductMaster", "ProductVariant"],
  DirPartyBaseType: ["None", "Person", "Organization"],
  CustVendorBlocked: ["No", "Invoice", "All", "Payment", "Requisition", "Never"],
  LedgerJournalType: ["Daily", "Payment", "CustPayment", "VendInvoiceRegister"],
  MarkupCategory: ["Fixed", "Pcs", "Percent", "InterCompanyPercent"],
  ExchangeRateDisplayFactor: ["One", "Ten", "Hundred", "Thousand", "TenThousand"],
};

export const ENTITY_BY_SET = new Map(ENTITIES.map((e) => [e.set, e]));
