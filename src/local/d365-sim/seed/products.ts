/**
 * Seed: the released products of the demo catalog (src/local/demo-catalog.ts, shared with the SP-API
 * simulator) and the three products D365 could publish that Amazon has no listing of yet
 * (src/local/demo-barcodes.ts: D0011 power bank, D0012 webcam, D0013 earbuds), with
 *
 * - their item group (ProductGroupId), sales unit and sales price in USD (ReleasedProductsV2);
 * - their name and description (ProductName, ProductDescription: F&O keeps them on the product, and
 *   ReleasedProductCreationsV2 answers them for the released product; one stored row answers both sets);
 * - bar codes (ProductBarcodesV3): a UPC-A for every item (setup "UPC") and the FBA network SKU (setup
 *   "FNSKU", Code 128) for the items sold through FBA;
 * - sales price trade agreements (SalesPriceAgreements) for the UK and DE marketplaces: the customer AMZ-UK
 *   in GBP, the price group AMZ-EU in EUR, valid from 2020-01-01 without end, for any quantity.
 *
 * Descriptions of the listed items are the text the SP-API simulator's listings show, so a first sync finds
 * them in step (except the DE bag listing, which lacks its description on Amazon).
 */
import { DEMO_UNLISTED_PRODUCTS } from "../../demo-barcodes";
import { DEMO_PRODUCTS } from "../../demo-catalog";
import type { Row, SimStore } from "../store";

const NO_VARIANT = { ProductConfigurationId: "", ProductColorId: "", ProductSizeId: "", ProductStyleId: "", ProductVersionId: "" };

/** A valid UPC-A (GS1 check digit) made from the item number's digits, so every demo item has a stable one. */
export function demoUpc(itemNumber: string): string {
  const body = `0840000${itemNumber.replace(/\D/g, "").padStart(4, "0").slice(-4)}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Item groups (ProductGroupId, at most 10 characters) of the demo items; products.json maps them to Amazon product types. */
export const DEMO_ITEM_GROUPS: Record<string, string> = {
  D0001: "Speakers",
  D0002: "Speakers",
  D0003: "Headphones",
  D0004: "Cables",
  D0005: "Cables",
  D0006: "Chargers",
  D0007: "Peripheral",
  D0008: "Peripheral",
  D0009: "Accessory",
  D0010: "Accessory",
  D0011: "Chargers",
  D0012: "Peripheral",
  D0013: "Earbuds",
};

export interface DemoReleasedProduct {
  itemNumber: string;
  name: string;
  description: string;
  prices: { USD: string; GBP: string; EUR: string };
  fnsku?: string;
}

const UNLISTED_DESCRIPTIONS: Record<string, string> = {
  D0011: "A 10,000 mAh power bank that charges two devices at once over USB-C and USB-A.",
  D0012: "A 1080p webcam with a privacy shutter and two microphones.",
  D0013: "True wireless earbuds with active noise cancelling and a charging case.",
};

/** Every released product of the demo company: the listed demo catalog, then the three not listed yet. */
export const DEMO_RELEASED_PRODUCTS: readonly DemoReleasedProduct[] = [
  ...DEMO_PRODUCTS.map((p) => ({
    itemNumber: p.itemNumber,
    name: p.title,
    description: `${p.title}. Demo product of the d365-amazon-connect simulator.`,
    prices: p.prices,
    ...(p.fba ? { fnsku: p.fnsku } : {}),
  })),
  ...DEMO_UNLISTED_PRODUCTS.map((p) => ({
    itemNumber: p.itemNumber,
    name: p.title,
    description: UNLISTED_DESCRIPTIONS[p.itemNumber] ?? p.title,
    prices: p.prices,
  })),
];

/** Customer and price group of the trade agreements (products.json reads the UK price by customer, DE by group). */
export const DEMO_PRICE_AGREEMENTS = [
  { currency: "GBP" as const, customerAccount: "AMZ-UK", priceGroup: "" },
  { currency: "EUR" as const, customerAccount: "", priceGroup: "AMZ-EU" },
];

export function releasedProductRow(company: string, p: DemoReleasedProduct): Row {
  return {
    dataAreaId: company,
    ItemNumber: p.itemNumber,
    ProductNumber: p.itemNumber,
    SearchName: p.name.slice(0, 20),
    ProductSearchName: p.name.slice(0, 20),
    ProductType: "Item",
    ProductSubType: "Product",
    ItemModelGroupId: "FIFO",
    ProductGroupId: DEMO_ITEM_GROUPS[p.itemNumber] ?? "Accessory",
    StorageDimensionGroupName: "SiteWH",
    TrackingDimensionGroupName: "None",
    SalesUnitSymbol: "ea",
    InventoryUnitSymbol: "ea",
    PurchaseUnitSymbol: "ea",
    SalesPrice: Number(p.prices.USD),
    SalesPriceQuantity: 1,
    SalesSalesTaxItemGroupCode: "ALL",
    // ReleasedProductCreationsV2's fields of the same product.
    ProductName: p.name,
    ProductDescription: p.description,
  };
}

export function barcodeRow(company: string, itemNumber: string, setup: "UPC" | "FNSKU", barcode: string, description: string): Row {
  return {
    dataAreaId: company,
    ItemNumber: itemNumber,
    ...NO_VARIANT,
    ProductQuantityUnitSymbol: "ea",
    BarcodeSetupId: setup,
    Barcode: barcode,
    ProductDescription: description,
    ProductQuantity: 1,
    IsDefaultScannedBarcode: setup === "UPC" ? "Yes" : "No",
    IsDefaultDisplayedBarcode: setup === "UPC" ? "Yes" : "No",
    IsDefaultPrintedBarcode: setup === "UPC" ? "Yes" : "No",
  };
}

/** A general sales price trade agreement line (any site, warehouse and quantity; no end date). */
export function salesPriceAgreementRow(
  company: string,
  recordId: number,
  line: { itemNumber: string; currency: string; price: string; customerAccount?: string; priceGroup?: string },
): Row {
  return {
    dataAreaId: company,
    RecordId: recordId,
    ItemNumber: line.itemNumber,
    ProductNumber: "",
    ProductColorId: "",
    ProductconfigurationId: "",
    ProductSizeId: "",
    ProductStyleId: "",
    ProductVersionId: "",
    AttributeBasedPricingId: "",
    PriceCurrencyCode: line.currency,
    CustomerAccountNumber: line.customerAccount ?? "",
    PriceCustomerGroupCode: line.priceGroup ?? "",
    Price: Number(line.price),
    SalesPriceQuantity: 1,
    QuantityUnitySymbol: "ea",
    FromQuantity: 0,
    ToQuantity: 0,
    FixedPriceCharges: 0,
    PriceApplicableFromDate: "2020-01-01T12:00:00Z",
    // F&O's empty date: no end.
    PriceApplicableToDate: "1900-01-01T12:00:00Z",
    PriceSiteId: "",
    PriceWarehouseId: "",
    SalesLeadTimeDays: 0,
    WillSearchContinue: "No",
    WillDeliveryDateControlDisregardLeadTime: "No",
    IsGenericCurrencySearchEnabled: "No",
  };
}

/** First RecordId of the seeded agreement lines (F&O record ids are large numbers). */
export const FIRST_AGREEMENT_RECORD_ID = 5637144576;

export function seedProducts(store: SimStore, company: string): void {
  let recordId = FIRST_AGREEMENT_RECORD_ID;
  for (const p of DEMO_RELEASED_PRODUCTS) {
    store.put("ReleasedProductsV2", releasedProductRow(company, p), "seed");
    store.put("ProductBarcodesV3", barcodeRow(company, p.itemNumber, "UPC", demoUpc(p.itemNumber), p.name), "seed");
    if (p.fnsku) store.put("ProductBarcodesV3", barcodeRow(company, p.itemNumber, "FNSKU", p.fnsku, p.name), "seed");
    for (const a of DEMO_PRICE_AGREEMENTS)
      store.put(
        "SalesPriceAgreements",
        salesPriceAgreementRow(company, recordId++, {
          itemNumber: p.itemNumber,
          currency: a.currency,
          price: p.prices[a.currency],
          customerAccount: a.customerAccount,
          priceGroup: a.priceGroup,
        }),
        "seed",
      );
  }
}
