/**
 * The entity sets the simulator serves. Names, keys, property types, nullability and enum members come from
 * the F&O facts in metadata/ (extracted from a 2025 environment's $metadata; a few hand-kept sets are marked
 * unverified). What $metadata does not say — which AOT entity and table a set writes, which fields are
 * computed or read-only, which DMF entity names import into it, which sets share a table — is written here
 * per set (BEHAVIOUR); a set without an entry is served with plain create/read/update/delete rules, so a new
 * flow's set works as soon as its facts are in metadata/.
 */
import { ENTITY_SET_FACTS, ENUM_NAMESPACE, ENUM_TYPE_FACTS, type EntitySetFacts } from "./metadata/index";

export { ENUM_NAMESPACE };

export type PropertyKind = "string" | "decimal" | "int32" | "int64" | "date" | "guid" | "bool" | "enum";

export interface PropertyDef {
  name: string;
  /** The Edm type as $metadata writes it: `Edm.Decimal`, or `Microsoft.Dynamics.DataEntities.<Enum>`. */
  type: string;
  kind: PropertyKind;
  /** The enum type name (without namespace) of an enum-typed property. */
  enumType?: string;
  nullable: boolean;
}

export interface EntityDef {
  set: string;
  /** EDM type name under Microsoft.Dynamics.DataEntities. */
  typeName: string;
  /** AOT entity, as named in "Write failed for table row of type '...'" messages. */
  entityClass: string;
  /** Table label used in duplicate-key Infolog messages. */
  tableLabel: string;
  /** The storage this set reads and writes; sets over the same table (SalesOrderHeadersV2 and V4) share it. */
  table: string;
  company: boolean;
  keys: string[];
  /** Facts from F&O's $metadata (true) or hand-kept (false). */
  verified: boolean;
  properties: Map<string, PropertyDef>;
  fields: Set<string>;
  /** Enum-typed properties and their enum type. */
  enums: Record<string, string>;
  /** Decimal and integer properties. */
  numbers: Set<string>;
  dates: Set<string>;
  /** Read-only sets (views such as on-hand, BI entities, posted documents). */
  readOnly?: boolean;
  /** Computed/status fields: F&O sets them; a write that names one is refused. */
  computed?: string[];
  /** DMF entity names (labels) that import into this set. */
  dmfNames?: string[];
  /** Keys that are empty when unused (product dimensions, batch, serial...): a create without them gets "". */
  optionalKeys?: string[];
}

/** What $metadata does not say about a set. */
interface Behaviour {
  entityClass?: string;
  tableLabel?: string;
  table?: string;
  readOnly?: boolean;
  computed?: string[];
  dmfNames?: string[];
  optionalKeys?: string[];
}

const VARIANT_KEYS = ["ProductConfigurationId", "ProductColorId", "ProductSizeId", "ProductStyleId", "ProductVersionId"];

const SALES_HEADER_COMPUTED = [
  "SalesOrderStatus",
  "SalesOrderProcessingStatus",
  "OrderTotalAmount",
  "OrderTotalTaxAmount",
  "OrderTotalChargesAmount",
  "OrderTotalDiscountAmount",
  "AreTotalsCalculated",
  "OrderCreationDateTime",
  "FormattedDelveryAddress",
  "FormattedInvoiceAddress",
];
const SALES_LINE_COMPUTED = ["SalesOrderLineStatus", "FulfillmentStatus", "LineCreationSequenceNumber"];

/** Per-set behaviour: AOT entity names from Microsoft's entity documentation, read-only fields as docs/d365-simulator.md lists them. */
const BEHAVIOUR: Record<string, Behaviour> = {
  CustomersV3: { entityClass: "CustCustomerV3Entity", tableLabel: "Customers (CustTable)", dmfNames: ["Customers V3"] },
  CustomerGroups: { entityClass: "CustCustomerGroupEntity", tableLabel: "Customer groups (CustGroup)" },
  ReleasedProductsV2: {
    entityClass: "EcoResReleasedProductV2Entity",
    tableLabel: "Items (InventTable)",
    dmfNames: ["Released products V2"],
  },
  ReleasedProductCreationsV2: {
    entityClass: "EcoResReleasedProductCreationV2Entity",
    tableLabel: "Items (InventTable)",
    table: "ReleasedProductsV2",
    dmfNames: ["Released product creation V2"],
  },
  ProductBarcodesV3: {
    entityClass: "EcoResProductBarcodeV3Entity",
    tableLabel: "Bar codes (InventItemBarcode)",
    optionalKeys: VARIANT_KEYS,
  },
  WarehousesOnHandV2: {
    entityClass: "InventWarehouseOnHandV2Entity",
    tableLabel: "On-hand inventory (InventSum)",
    readOnly: true,
    optionalKeys: VARIANT_KEYS,
  },
  InventoryAdjustmentJournalHeaders: {
    entityClass: "InventInventoryAdjustmentJournalHeaderEntity",
    tableLabel: "Inventory journal table (InventJournalTable)",
    computed: ["IsPosted", "PostedDateTime", "PostedUserId"],
  },
  InventoryAdjustmentJournalEntriesV2: {
    entityClass: "InventInventoryAdjustmentJournalEntryV2Entity",
    tableLabel: "Inventory journal lines (InventJournalTrans)",
    optionalKeys: [
      ...VARIANT_KEYS,
      "ItemBatchNumber",
      "ItemSerialNumber",
      "WarehouseLocationId",
      "LicensePlateNumber",
      "InventoryStatusId",
    ],
  },
  InventoryCountingJournalHeaders: {
    entityClass: "InventInventoryCountingJournalHeaderEntity",
    tableLabel: "Inventory journal table (InventJournalTable)",
    computed: ["IsPosted", "PostedDateTime", "PostedUserId"],
  },
  InventoryCountingJournalLines: {
    entityClass: "InventInventoryCountingJournalLineEntity",
    tableLabel: "Inventory journal lines (InventJournalTrans)",
    computed: ["OnHandQuantity", "AdjustmentQuantity"],
  },
  OperationalSites: { entityClass: "InventOperationalSiteEntity", tableLabel: "Sites (InventSite)" },
  Warehouses: { entityClass: "InventWarehouseEntity", tableLabel: "Warehouses (InventLocation)" },
  SalesOrderOriginCodes: { entityClass: "SalesOrderOriginCodeEntity", tableLabel: "Origin (SMMBusRelSalesDistrictGroup)" },
  SalesOrderHeadersV4: {
    entityClass: "SalesOrderHeaderV4Entity",
    tableLabel: "Sales orders (SalesTable)",
    computed: SALES_HEADER_COMPUTED,
    dmfNames: ["Sales order headers V4", "Sales order headers V3"],
  },
  SalesOrderHeadersV2: {
    entityClass: "SalesOrderHeaderV2Entity",
    tableLabel: "Sales orders (SalesTable)",
    table: "SalesOrderHeadersV4",
    computed: SALES_HEADER_COMPUTED,
    dmfNames: ["Sales order headers V2"],
  },
  SalesOrderLinesV3: {
    entityClass: "SalesOrderLineV3Entity",
    tableLabel: "Order lines (SalesLine)",
    computed: SALES_LINE_COMPUTED,
    dmfNames: ["Sales order lines V3"],
  },
  SalesOrderLines: {
    entityClass: "SalesOrderLineV2Entity",
    tableLabel: "Order lines (SalesLine)",
    table: "SalesOrderLinesV3",
    computed: SALES_LINE_COMPUTED,
    dmfNames: ["Sales order lines V2"],
  },
  SalesOrderHeaderChargesV2: {
    entityClass: "SalesOrderHeaderChargeV2Entity",
    tableLabel: "Transaction miscellaneous charges (MarkupTrans)",
  },
  JournalNames: { entityClass: "LedgerJournalNameEntity", tableLabel: "Journal names (LedgerJournalName)" },
  MainAccounts: { entityClass: "MainAccountEntity", tableLabel: "Main accounts (MainAccount)" },
  LedgerJournalHeaders: {
    entityClass: "LedgerJournalHeaderEntity",
    tableLabel: "Journal table (LedgerJournalTable)",
    computed: ["IsPosted", "JournalTotalDebit", "JournalTotalCredit", "AccountingCurrency"],
  },
  LedgerJournalLines: { entityClass: "LedgerJournalLineEntity", tableLabel: "Journal lines (LedgerJournalTrans)" },
  ReturnOrderHeadersV2: {
    entityClass: "ReturnOrderHeaderV2Entity",
    tableLabel: "Sales orders (SalesTable)",
    computed: [
      "ReturnStatus",
      "ReturnOrderStatus",
      "OrderTotalAmount",
      "OrderTotalChargesAmount",
      "OrderTotalTaxAmount",
      "TotalDiscountAmount",
    ],
  },
  ReturnOrderLinesV2: {
    entityClass: "ReturnOrderLineV2Entity",
    tableLabel: "Order lines (SalesLine)",
    computed: ["ReturnStatus", "ReturnedSalesQuantity", "ActualReturnArrivalDate", "LineCreationSequenceNumber"],
  },
  ReturnReasonCodeBiEntities: {
    entityClass: "ReturnReasonCodeBiEntity",
    tableLabel: "Return reason codes (ReturnReasonCode)",
    readOnly: true,
  },
  ReturnDispositionCodes: { entityClass: "ReturnDispositionCodeEntity", tableLabel: "Disposition codes (ReturnDispositionCode)" },
  ExchangeRates: { entityClass: "ExchangeRateEntity", tableLabel: "Exchange rates (ExchangeRate)" },
  PackingSlipTrackingInformation: {
    entityClass: "SalesPackingSlipTrackingInformationEntity",
    tableLabel: "Packing slip tracking information (CustPackingSlipTrackingInfo)",
  },
  SalesInvoiceHeadersV4: {
    entityClass: "SalesInvoiceHeaderV4Entity",
    tableLabel: "Customer invoice journal (CustInvoiceJour)",
    readOnly: true,
  },
  AddressStates: { entityClass: "LogisticsAddressStateEntity", tableLabel: "States (LogisticsAddressState)" },
  CustPackingSlipJourBiEntities: {
    entityClass: "CustPackingSlipJourBiEntity",
    tableLabel: "Packing slip journal (CustPackingSlipJour)",
    readOnly: true,
  },
  CustPackingSlipTransBiEntities: {
    entityClass: "CustPackingSlipTransBiEntity",
    tableLabel: "Packing slip lines (CustPackingSlipTrans)",
    readOnly: true,
  },
  FiscalPeriods: { entityClass: "FiscalPeriodEntity", tableLabel: "Fiscal calendar periods (FiscalCalendarPeriod)" },
  LedgerFiscalPeriodsV2: { entityClass: "LedgerFiscalPeriodEntity", tableLabel: "Ledger periods (LedgerFiscalCalendarPeriod)" },
};

function kindOf(type: string): { kind: PropertyKind; enumType?: string } {
  switch (type) {
    case "Edm.String":
      return { kind: "string" };
    case "Edm.Decimal":
      return { kind: "decimal" };
    case "Edm.Int32":
      return { kind: "int32" };
    case "Edm.Int64":
      return { kind: "int64" };
    case "Edm.DateTimeOffset":
    case "Edm.Date":
      return { kind: "date" };
    case "Edm.Guid":
      return { kind: "guid" };
    case "Edm.Boolean":
      return { kind: "bool" };
  }
  if (type.startsWith(`${ENUM_NAMESPACE}.`)) {
    const enumType = type.slice(ENUM_NAMESPACE.length + 1);
    if (!ENUM_TYPE_FACTS[enumType]) throw new Error(`enum type ${enumType} has no members in metadata/`);
    return { kind: "enum", enumType };
  }
  throw new Error(`unknown property type ${type}`);
}

export function buildEntityDef(set: string, facts: EntitySetFacts & { verified: boolean }, b: Behaviour = {}): EntityDef {
  const properties = new Map<string, PropertyDef>();
  const enums: Record<string, string> = {};
  const numbers = new Set<string>();
  const dates = new Set<string>();
  for (const [name, p] of Object.entries(facts.properties)) {
    const { kind, enumType } = kindOf(p.type);
    properties.set(name, { name, type: p.type, kind, enumType, nullable: p.nullable });
    if (enumType) enums[name] = enumType;
    if (kind === "decimal" || kind === "int32" || kind === "int64") numbers.add(name);
    if (kind === "date") dates.add(name);
  }
  for (const k of facts.keys) if (!properties.has(k)) throw new Error(`${set}: key ${k} is not a property`);
  for (const c of [...(b.computed ?? []), ...(b.optionalKeys ?? [])]) {
    if (!properties.has(c)) throw new Error(`${set}: ${c} in BEHAVIOUR is not a property`);
  }
  return {
    set,
    typeName: facts.entityType,
    entityClass: b.entityClass ?? `${facts.entityType}Entity`,
    tableLabel: b.tableLabel ?? set,
    table: b.table ?? set,
    company: facts.keys[0] === "dataAreaId",
    keys: [...facts.keys],
    verified: facts.verified,
    properties,
    fields: new Set(properties.keys()),
    enums,
    numbers,
    dates,
    readOnly: b.readOnly,
    computed: b.computed,
    dmfNames: b.dmfNames,
    optionalKeys: b.optionalKeys,
  };
}

export const ENTITIES: EntityDef[] = Object.entries(ENTITY_SET_FACTS)
  .map(([set, facts]) => buildEntityDef(set, facts, BEHAVIOUR[set]))
  .sort((a, b) => a.set.localeCompare(b.set));

export const ENTITY_BY_SET = new Map(ENTITIES.map((e) => [e.set, e]));

for (const set of Object.keys(BEHAVIOUR)) if (!ENTITY_BY_SET.has(set)) throw new Error(`BEHAVIOUR names ${set}, which metadata/ lacks`);

/**
 * What a stored row of a set's table may hold: the properties of every set over that table (a released
 * product's row holds ReleasedProductsV2's SalesPrice and ReleasedProductCreationsV2's ProductName, as one
 * F&O product answers both entities); each set still answers, filters and writes only its own.
 */
export function storedRowDef(def: EntityDef): EntityDef {
  const siblings = ENTITIES.filter((e) => e.table === def.table && e !== def);
  if (!siblings.length) return def;
  const properties = new Map(def.properties);
  for (const s of siblings) for (const [name, p] of s.properties) if (!properties.has(name)) properties.set(name, p);
  return { ...def, properties, fields: new Set(properties.keys()) };
}

/** Enum members by enum type name, in declaration order. */
export const ENUM_MEMBERS: Record<string, string[]> = Object.fromEntries(
  Object.entries(ENUM_TYPE_FACTS).map(([name, e]) => [name, Object.keys(e.members)]),
);

/** Enum members with their values, by enum type name. */
export const ENUM_VALUES: Record<string, Record<string, number>> = Object.fromEntries(
  Object.entries(ENUM_TYPE_FACTS).map(([name, e]) => [name, e.members]),
);

/** DMF-only entity: "General journal" (LedgerJournalEntity) has no public OData set. */
export const GENERAL_JOURNAL_DMF_NAME = "General journal";
