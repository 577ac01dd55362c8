/**
 * The demo D365 company the simulator is seeded with (usmf-style). The SP-API simulator's catalog
 * (src/local/demo-catalog.ts) supplies the released products, so both simulators agree on SKU ↔ ItemNumber.
 * Mapping files and tests refer to these values.
 */
import { prng } from "../prng";
import { DEMO_PRODUCTS, DEMO_MARKETPLACES } from "../demo-catalog";
import type { Row, SimStore } from "./store";

export const DEMO_COMPANY = "usmf";
/** A second legal entity, so that cross-company reads mean something. */
export const DEMO_SECOND_COMPANY = "demf";

export const DEMO_SITES = [
  { SiteId: "1", SiteName: "Main site" },
  { SiteId: "FBA", SiteName: "Amazon fulfillment network" },
] as const;

export const DEMO_WAREHOUSES = [
  { WarehouseId: "11", WarehouseName: "Main distribution center", OperationalSiteId: "1", WarehouseType: "Default" },
  { WarehouseId: "13", WarehouseName: "Returns warehouse", OperationalSiteId: "1", WarehouseType: "Default" },
  { WarehouseId: "FBA-US", WarehouseName: "Amazon FBA US", OperationalSiteId: "FBA", WarehouseType: "Default" },
  { WarehouseId: "FBA-UK", WarehouseName: "Amazon FBA UK", OperationalSiteId: "FBA", WarehouseType: "Default" },
  { WarehouseId: "FBA-DE", WarehouseName: "Amazon FBA DE", OperationalSiteId: "FBA", WarehouseType: "Default" },
] as const;

/** One customer per Amazon marketplace (notes §1.2): orders carry an order-specific delivery address. */
export const DEMO_AMAZON_CUSTOMERS = [
  {
    CustomerAccount: "AMZ-US",
    OrganizationName: "Amazon.com marketplace",
    SalesCurrencyCode: "USD",
    marketplaceId: "ATVPDKIKX0DER",
    fbaWarehouseId: "FBA-US",
    AddressCountryRegionId: "USA",
  },
  {
    CustomerAccount: "AMZ-UK",
    OrganizationName: "Amazon.co.uk marketplace",
    SalesCurrencyCode: "GBP",
    marketplaceId: "A1F83G8C2ARO7P",
    fbaWarehouseId: "FBA-UK",
    AddressCountryRegionId: "GBR",
  },
  {
    CustomerAccount: "AMZ-DE",
    OrganizationName: "Amazon.de marketplace",
    SalesCurrencyCode: "EUR",
    marketplaceId: "A1PA6795UKMFR9",
    fbaWarehouseId: "FBA-DE",
    AddressCountryRegionId: "DEU",
  },
] as const;

export const DEMO_ORIGIN_CODES = ["AMZ-FBA", "AMZ-MFN", "AMZ-MCF"] as const;

export const DEMO_JOURNAL_NAME = "GenJrn";

/** Chart of accounts "Shared": what the settlement mappings post to. */
export const DEMO_MAIN_ACCOUNTS = [
  { MainAccountId: "110110", Name: "Bank - operating account", Type: "BalanceSheet" },
  { MainAccountId: "110180", Name: "Amazon clearing account", Type: "BalanceSheet" },
  { MainAccountId: "130100", Name: "Accounts receivable - Amazon", Type: "BalanceSheet" },
  { MainAccountId: "130700", Name: "Amazon reserve held", Type: "BalanceSheet" },
  { MainAccountId: "222200", Name: "Sales tax payable (marketplace facilitator)", Type: "BalanceSheet" },
  { MainAccountId: "401100", Name: "Sales - Amazon", Type: "Revenue" },
  { MainAccountId: "401200", Name: "Shipping income - Amazon", Type: "Revenue" },
  { MainAccountId: "403100", Name: "Sales returns and refunds - Amazon", Type: "Revenue" },
  { MainAccountId: "605100", Name: "Amazon referral fees", Type: "Expense" },
  { MainAccountId: "605200", Name: "Amazon FBA fulfillment fees", Type: "Expense" },
  { MainAccountId: "605300", Name: "Amazon storage fees", Type: "Expense" },
  { MainAccountId: "605400", Name: "Amazon advertising", Type: "Expense" },
  { MainAccountId: "605900", Name: "Amazon other fees", Type: "Expense" },
  { MainAccountId: "618100", Name: "Promotions and discounts", Type: "Expense" },
  { MainAccountId: "999999", Name: "Suspense account", Type: "BalanceSheet" },
] as const;

const EMPTY_DIMS = { ProductColorId: "", ProductConfigurationId: "", ProductSizeId: "", ProductStyleId: "", ProductVersionId: "" };

export function onHandRow(
  company: string,
  itemNumber: string,
  productName: string,
  siteId: string,
  warehouseId: string,
  onHand: number,
  reserved = 0,
): Row {
  const available = onHand - reserved;
  return {
    dataAreaId: company,
    ItemNumber: itemNumber,
    ...EMPTY_DIMS,
    InventorySiteId: siteId,
    InventoryWarehouseId: warehouseId,
    ProductName: productName,
    OnHandQuantity: onHand,
    ReservedOnHandQuantity: reserved,
    AvailableOnHandQuantity: available,
    OrderedQuantity: 0,
    ReservedOrderedQuantity: 0,
    AvailableOrderedQuantity: 0,
    OnOrderQuantity: 0,
    TotalAvailableQuantity: available,
    AreWarehouseManagementProcessesUsed: "No",
  };
}

/** Fills an empty store with the demo company; the same seed gives the same data. */
export function seedDemoCompany(store: SimStore, seed: number): void {
  const random = prng(seed);
  for (const company of [DEMO_COMPANY, DEMO_SECOND_COMPANY]) {
    for (const s of DEMO_SITES) store.put("OperationalSites", { dataAreaId: company, ...s, SiteTimezone: "GMTMINUS0600CENTRALTIME" });
    for (const w of DEMO_WAREHOUSES) store.put("Warehouses", { dataAreaId: company, ...w });
    store.put("JournalNames", {
      dataAreaId: company,
      Name: DEMO_JOURNAL_NAME,
      Description: "General journal",
      Type: "Daily",
      VoucherSeriesCode: "GNJL",
      NewVoucher: "InConnectionWithBalance",
    });
    for (const g of [
      ["AMZ", "Amazon marketplaces"],
      ["10", "Wholesale customers"],
      ["30", "Retail customers"],
    ]) {
      store.put("CustomerGroups", { dataAreaId: company, CustomerGroupId: g[0], Description: g[1] });
    }
    for (const o of DEMO_ORIGIN_CODES)
      store.put("SalesOrderOriginCodes", { dataAreaId: company, OriginCode: o, Description: `Amazon ${o.slice(4)}` });
  }
  for (const c of DEMO_AMAZON_CUSTOMERS) {
    store.put("CustomersV3", {
      dataAreaId: DEMO_COMPANY,
      CustomerAccount: c.CustomerAccount,
      PartyType: "Organization",
      OrganizationName: c.OrganizationName,
      CustomerGroupId: "AMZ",
      SalesCurrencyCode: c.SalesCurrencyCode,
      AddressCountryRegionId: c.AddressCountryRegionId,
      OnHoldStatus: "No",
      PaymentTerms: "Net14",
      CreditLimit: 0,
      InvoiceAccount: "",
    });
  }
  store.put("CustomersV3", {
    dataAreaId: DEMO_COMPANY,
    CustomerAccount: "US-001",
    PartyType: "Organization",
    OrganizationName: "Contoso Retail San Diego",
    CustomerGroupId: "30",
    SalesCurrencyCode: "USD",
    AddressCountryRegionId: "USA",
    OnHoldStatus: "No",
    InvoiceAccount: "",
  });
  store.put("CustomersV3", {
    dataAreaId: DEMO_COMPANY,
    CustomerAccount: "US-099",
    PartyType: "Organization",
    OrganizationName: "Stopped customer (demo)",
    CustomerGroupId: "30",
    SalesCurrencyCode: "USD",
    AddressCountryRegionId: "USA",
    OnHoldStatus: "All",
    InvoiceAccount: "",
  });
  store.put("CustomersV3", {
    dataAreaId: DEMO_SECOND_COMPANY,
    CustomerAccount: "DE-001",
    PartyType: "Organization",
    OrganizationName: "Contoso Europe",
    CustomerGroupId: "10",
    SalesCurrencyCode: "EUR",
    AddressCountryRegionId: "DEU",
    OnHoldStatus: "No",
    InvoiceAccount: "",
  });

  for (const p of DEMO_PRODUCTS) {
    store.put("ReleasedProductsV2", {
      dataAreaId: DEMO_COMPANY,
      ItemNumber: p.itemNumber,
      ProductNumber: p.itemNumber,
      SearchName: p.title.slice(0, 20),
      ProductSearchName: p.title.slice(0, 20),
      ProductType: "Item",
      ProductSubType: "Product",
      ItemModelGroupId: "FIFO",
      ProductGroupId: "Electronics",
      StorageDimensionGroupName: "SiteWH",
      TrackingDimensionGroupName: "None",
      SalesUnitSymbol: "ea",
      InventoryUnitSymbol: "ea",
      PurchaseUnitSymbol: "ea",
      SalesPrice: Number(p.prices.USD),
      SalesPriceQuantity: 1,
      SalesSalesTaxItemGroupCode: "ALL",
    });
    const main = Math.floor(random() * 200) + 20;
    store.put("WarehousesOnHandV2", onHandRow(DEMO_COMPANY, p.itemNumber, p.title, "1", "11", main, Math.floor(random() * 5)));
    if (p.fba) {
      for (const wh of ["FBA-US", "FBA-UK", "FBA-DE"]) {
        store.put("WarehousesOnHandV2", onHandRow(DEMO_COMPANY, p.itemNumber, p.title, "FBA", wh, Math.floor(random() * 80)));
      }
    }
  }
  for (const a of DEMO_MAIN_ACCOUNTS) store.put("MainAccounts", { ChartOfAccounts: "Shared", ...a, MainAccountCategory: a.Type });
  const rates: [string, string, number][] = [
    ["EUR", "USD", 108.25],
    ["GBP", "USD", 126.4],
    ["USD", "EUR", 92.38],
    ["GBP", "EUR", 116.77],
  ];
  for (const [from, to, rate] of rates) {
    store.put("ExchangeRates", {
      RateTypeName: "Default",
      FromCurrency: from,
      ToCurrency: to,
      StartDate: "2026-01-01T00:00:00Z",
      EndDate: "2154-12-31T00:00:00Z",
      Rate: rate,
      ConversionFactor: "Hundred",
      RateTypeDescription: "Default exchange rates",
    });
  }
  void DEMO_MARKETPLACES;
}
