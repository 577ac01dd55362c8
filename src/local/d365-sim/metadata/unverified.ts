/**
 * UNVERIFIED: entity sets and enum types the app or the demo data uses that the $metadata extract in
 * fo-entities.json does not cover. Names, keys and types here come from Microsoft's entity documentation
 * and public samples, not from $metadata: check each against GET /data/$metadata of a sandbox before
 * relying on it (docs/d365-simulator.md lists them). To add a set a new flow needs, prefer regenerating
 * fo-entities.json from a facts file that includes it; add it here only when no such facts exist.
 */
import type { EntitySetFacts, EnumTypeFacts } from "./index";

const S = { type: "Edm.String", nullable: true } as const;
const KEY = { type: "Edm.String", nullable: false } as const;
const DEC = { type: "Edm.Decimal", nullable: false } as const;
const INT64 = { type: "Edm.Int64", nullable: false } as const;
const DATE = { type: "Edm.DateTimeOffset", nullable: false } as const;
const enumOf = (name: string) => ({ type: `Microsoft.Dynamics.DataEntities.${name}`, nullable: true });

export const UNVERIFIED_ENTITY_SETS: Record<string, EntitySetFacts> = {
  /** Customer groups (CustCustomerGroupEntity). */
  CustomerGroups: {
    entityType: "CustomerGroup",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "CustomerGroupId"],
    properties: { dataAreaId: KEY, CustomerGroupId: KEY, Description: S, PaymentTermId: S, DefaultDimensionDisplayValue: S },
  },
  /** Sites (InventOperationalSiteEntity). */
  OperationalSites: {
    entityType: "OperationalSite",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "SiteId"],
    properties: { dataAreaId: KEY, SiteId: KEY, SiteName: S, SiteTimezone: enumOf("Timezone") },
  },
  /** Warehouses (InventWarehouseEntity); WarehouseType is an enum in F&O, kept as text here. */
  Warehouses: {
    entityType: "Warehouse",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "WarehouseId"],
    properties: { dataAreaId: KEY, WarehouseId: KEY, WarehouseName: S, OperationalSiteId: S, WarehouseType: S },
  },
  /** Header charges (freight, gift wrap) of a sales order (MarkupTrans). */
  SalesOrderHeaderChargesV2: {
    entityType: "SalesOrderHeaderChargeV2",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "SalesOrderNumber", "ChargeLineNumber"],
    properties: {
      dataAreaId: KEY,
      SalesOrderNumber: KEY,
      ChargeLineNumber: DEC,
      SalesChargeCode: S,
      ChargeCategory: enumOf("MarkupCategory"),
      FixedChargeAmount: DEC,
      ChargePercentage: DEC,
      ChargeDescription: S,
      ChargeCurrencyCode: S,
      SalesTaxGroupCode: S,
      SalesTaxItemGroupCode: S,
      IsOverriddenLine: enumOf("NoYes"),
    },
  },
  /** States/provinces per country (LogisticsAddressStateEntity), to check DeliveryAddressStateId codes. */
  AddressStates: {
    entityType: "AddressState",
    entityTypeBasis: "unverified",
    keys: ["CountryRegionId", "State"],
    properties: { CountryRegionId: KEY, State: KEY, Description: S },
  },
  /**
   * Posted packing slips (CustPackingSlipJour), read-only BI entity. Set name, keys and these properties as
   * a client generated from a 2025 environment's $metadata lists them (a subset of its ~70 properties).
   */
  CustPackingSlipJourBiEntities: {
    entityType: "CustPackingSlipJourBiEntity",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "SourceDocumentHeader"],
    properties: {
      dataAreaId: KEY,
      SourceDocumentHeader: INT64,
      PackingSlipId: S,
      SalesId: S,
      CustomerRef: S,
      OrderAccount: S,
      DeliveryDate: DATE,
      DlvMode: S,
      ShipCarrierId: S,
      InventLocationId: S,
      Qty: DEC,
      CreatedOn: DATE,
    },
  },
  /** Posted packing slip lines (CustPackingSlipTrans), read-only BI entity; same source as above. */
  CustPackingSlipTransBiEntities: {
    entityType: "CustPackingSlipTransBiEntity",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "SourceDocumentLine"],
    properties: {
      dataAreaId: KEY,
      SourceDocumentLine: INT64,
      PackingSlipId: S,
      SalesId: S,
      ItemId: S,
      InventTransId: S,
      Qty: DEC,
      Ordered: DEC,
      Remain: DEC,
      SalesUnit: S,
      LineNum: DEC,
      DeliveryDate: DATE,
      CreatedOn: DATE,
    },
  },
  /**
   * Periods of a fiscal calendar (FiscalPeriodEntity): set name and fields as a public F&O integration reads them
   * (StartDate, EndDate, PeriodName, FiscalYear, Calendar); Type (Opening, Operating, Closing) kept as text here.
   */
  FiscalPeriods: {
    entityType: "FiscalPeriod",
    entityTypeBasis: "unverified",
    keys: ["Calendar", "FiscalYear", "PeriodName"],
    properties: {
      Calendar: KEY,
      FiscalYear: KEY,
      PeriodName: KEY,
      StartDate: { type: "Edm.DateTimeOffset", nullable: false },
      EndDate: { type: "Edm.DateTimeOffset", nullable: false },
      Type: S,
      Month: S,
    },
  },
  /** Each ledger's status of its calendar's periods (LedgerFiscalPeriodEntity): Open, OnHold or Closed. */
  LedgerFiscalPeriodsV2: {
    entityType: "LedgerFiscalPeriodV2",
    entityTypeBasis: "unverified",
    keys: ["LedgerName", "Calendar", "YearName", "PeriodName"],
    properties: {
      LedgerName: KEY,
      Calendar: KEY,
      YearName: KEY,
      PeriodName: KEY,
      PeriodStatus: enumOf("FiscalPeriodStatus"),
    },
  },
  /**
   * Sales price trade agreement lines (SalesPriceAgreementEntity): the products flow's prices per currency and
   * customer or price group. Names, types, nullability and keys as in a public OData client generated from an
   * F&O environment's $metadata (the same kind of source as fo-entities.json, but not part of its extract);
   * note F&O's own spelling "ProductconfigurationId".
   */
  SalesPriceAgreements: {
    entityType: "SalesPriceAgreement",
    entityTypeBasis: "unverified",
    keys: ["dataAreaId", "RecordId"],
    properties: {
      dataAreaId: KEY,
      RecordId: { type: "Edm.Int64", nullable: false },
      ItemNumber: S,
      ProductNumber: S,
      ProductColorId: S,
      ProductconfigurationId: S,
      ProductSizeId: S,
      ProductStyleId: S,
      ProductVersionId: S,
      AttributeBasedPricingId: S,
      PriceCurrencyCode: S,
      CustomerAccountNumber: S,
      PriceCustomerGroupCode: S,
      Price: DEC,
      SalesPriceQuantity: DEC,
      QuantityUnitySymbol: S,
      FromQuantity: DEC,
      ToQuantity: DEC,
      FixedPriceCharges: DEC,
      PriceApplicableFromDate: { type: "Edm.DateTimeOffset", nullable: false },
      PriceApplicableToDate: { type: "Edm.DateTimeOffset", nullable: false },
      PriceSiteId: S,
      PriceWarehouseId: S,
      SalesLeadTimeDays: { type: "Edm.Int32", nullable: false },
      WillSearchContinue: enumOf("NoYes"),
      WillDeliveryDateControlDisregardLeadTime: enumOf("NoYes"),
      IsGenericCurrencySearchEnabled: enumOf("NoYes"),
    },
  },
};

export const UNVERIFIED_ENUM_TYPES: Record<string, EnumTypeFacts> = {
  /** Charge category of a miscellaneous charge. */
  MarkupCategory: { basis: "unverified", members: { Fixed: 0, Pcs: 1, Percent: 2, InterCompanyPercent: 3 } },
  /** Status of a ledger period (the values of AX 2012's FiscalPeriodStatus). */
  FiscalPeriodStatus: { basis: "unverified", members: { OnHold: 0, Open: 1, Closed: 2 } },
};
