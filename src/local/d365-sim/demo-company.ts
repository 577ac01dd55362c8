/**
 * The demo D365 company the simulator is seeded with (usmf-style): legal entities, sites, warehouses,
 * customer groups, customers and origin codes here; each other area in its own seed module under seed/
 * (ledger, products, inventory, returns, address states), so a new flow adds its data beside them. The
 * SP-API simulator's catalog (src/local/demo-catalog.ts) supplies the released products, so both simulators
 * agree on SKU ↔ ItemNumber. Mapping files and tests refer to these values. Every seeded row is checked
 * against the schema when it is written: a bad seed fails the start naming the entity set and the field.
 */
import { prng } from "../prng";
import { seedAddressStates } from "./seed/addresses";
import { seedInventory } from "./seed/inventory";
import { seedLedger } from "./seed/ledger";
import { seedProducts } from "./seed/products";
import { seedReturns } from "./seed/returns";
import type { SimStore } from "./store";

export { DEMO_ADDRESS_STATES } from "./seed/addresses";
export { DEMO_FBA_WAREHOUSES, DEMO_FBM_WAREHOUSE, onHandRow } from "./seed/inventory";
export { DEMO_JOURNAL_NAME, DEMO_JOURNAL_NAMES, DEMO_MAIN_ACCOUNTS } from "./seed/ledger";
export { DEMO_RELEASED_PRODUCTS, demoUpc } from "./seed/products";
export { DEMO_DISPOSITION_CODES, DEMO_RETURN_REASON_CODES } from "./seed/returns";

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

/** One customer per Amazon marketplace: orders carry an order-specific delivery address. */
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

/** Fills an empty store with the demo company; the same seed gives the same data. */
export function seedDemoCompany(store: SimStore, seed: number): void {
  const random = prng(seed);
  const companies = [DEMO_COMPANY, DEMO_SECOND_COMPANY];
  for (const company of companies) {
    for (const s of DEMO_SITES)
      store.put("OperationalSites", { dataAreaId: company, ...s, SiteTimezone: "GMTMINUS0600CENTRALTIME" }, "seed");
    for (const w of DEMO_WAREHOUSES) store.put("Warehouses", { dataAreaId: company, ...w }, "seed");
    for (const g of [
      ["AMZ", "Amazon marketplaces"],
      ["10", "Wholesale customers"],
      ["30", "Retail customers"],
    ]) {
      store.put("CustomerGroups", { dataAreaId: company, CustomerGroupId: g[0], Description: g[1] }, "seed");
    }
    for (const o of DEMO_ORIGIN_CODES) {
      store.put("SalesOrderOriginCodes", { dataAreaId: company, OriginCode: o, OriginDescription: `Amazon ${o.slice(4)}` }, "seed");
    }
  }
  seedLedger(store, companies);
  for (const c of DEMO_AMAZON_CUSTOMERS) {
    store.put(
      "CustomersV3",
      {
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
      },
      "seed",
    );
  }
  const customer = (company: string, account: string, name: string, group: string, currency: string, country: string, onHold = "No") =>
    store.put(
      "CustomersV3",
      {
        dataAreaId: company,
        CustomerAccount: account,
        PartyType: "Organization",
        OrganizationName: name,
        CustomerGroupId: group,
        SalesCurrencyCode: currency,
        AddressCountryRegionId: country,
        OnHoldStatus: onHold,
        InvoiceAccount: "",
      },
      "seed",
    );
  customer(DEMO_COMPANY, "US-001", "Contoso Retail San Diego", "30", "USD", "USA");
  customer(DEMO_COMPANY, "US-099", "Stopped customer (demo)", "30", "USD", "USA", "All");
  customer(DEMO_SECOND_COMPANY, "DE-001", "Contoso Europe", "10", "EUR", "DEU");
  seedProducts(store, DEMO_COMPANY);
  seedInventory(store, DEMO_COMPANY, random);
  seedReturns(store, companies);
  seedAddressStates(store);
}
