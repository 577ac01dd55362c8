/**
 * Seed: the released products of the demo catalog (src/local/demo-catalog.ts, shared with the SP-API
 * simulator) with their sales price, and their bar codes (ProductBarcodesV3): a UPC-A for every item and the
 * FBA network SKU (FNSKU, setup "FNSKU", Code 128) for the items sold through FBA.
 */
import { DEMO_PRODUCTS } from "../../demo-catalog";
import type { Row, SimStore } from "../store";

const NO_VARIANT = { ProductConfigurationId: "", ProductColorId: "", ProductSizeId: "", ProductStyleId: "", ProductVersionId: "" };

/** A valid UPC-A (GS1 check digit) made from the item number's digits, so every demo item has a stable one. */
export function demoUpc(itemNumber: string): string {
  const body = `0840000${itemNumber.replace(/\D/g, "").padStart(4, "0").slice(-4)}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export function releasedProductRow(company: string, p: (typeof DEMO_PRODUCTS)[number]): Row {
  return {
    dataAreaId: company,
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

export function seedProducts(store: SimStore, company: string): void {
  for (const p of DEMO_PRODUCTS) {
    store.put("ReleasedProductsV2", releasedProductRow(company, p), "seed");
    store.put("ProductBarcodesV3", barcodeRow(company, p.itemNumber, "UPC", demoUpc(p.itemNumber), p.title), "seed");
    if (p.fba) store.put("ProductBarcodesV3", barcodeRow(company, p.itemNumber, "FNSKU", p.fnsku, p.title), "seed");
  }
}
