/**
 * Barcodes of the demo products as the SP-API simulator's catalog knows them, and three products D365 could
 * publish that the seller has not listed yet. A demo item's barcode is the UPC-A the D365 simulator gives it in
 * ProductBarcodesV3 (`demoUpc`: "0840000" + the item number's four digits + the GS1 check digit; the same
 * formula as src/local/d365-sim/seed/products.ts, and a test keeps them equal); its EAN-13 is "0" + the UPC and
 * its GTIN-14 "00" + the UPC, so the catalog finds an item by any of the three. All barcodes are fake.
 */
export function gtinCheckDigit(body: string): string {
  let s = 0;
  for (let i = 0; i < body.length; i++) s += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (s % 10)) % 10);
}

/** The UPC-A of a demo item number (D0001 → 084000000015…). */
export function demoUpc(itemNumber: string): string {
  const body = `0840000${itemNumber.replace(/\D/g, "").padStart(4, "0").slice(-4)}`;
  return body + gtinCheckDigit(body);
}

/** The EAN-13 of a demo item number ("0" + its UPC-A). */
export const demoEan = (itemNumber: string): string => `0${demoUpc(itemNumber)}`;

export const upcOf = (ean: string): string | undefined => (ean.startsWith("0") ? ean.slice(1) : undefined);
export const gtin14Of = (ean: string): string => `0${ean}`;

export interface DemoBarcode {
  itemNumber: string;
  sku: string;
  ean: string;
  /** Amazon's catalog knows this barcode (searchCatalogItems finds the ASIN). */
  inAmazonCatalog: boolean;
}

/** The ten demo products: the catalog finds the first eight by barcode, not the stand and the bag. */
export const DEMO_BARCODES: readonly DemoBarcode[] = [
  { itemNumber: "D0001", sku: "DEMO-SPEAKER-BLK", ean: demoEan("D0001"), inAmazonCatalog: true },
  { itemNumber: "D0002", sku: "DEMO-SPEAKER-WHT", ean: demoEan("D0002"), inAmazonCatalog: true },
  { itemNumber: "D0003", sku: "DEMO-HEADPHONES", ean: demoEan("D0003"), inAmazonCatalog: true },
  { itemNumber: "D0004", sku: "DEMO-CABLE-USBC-1M", ean: demoEan("D0004"), inAmazonCatalog: true },
  { itemNumber: "D0005", sku: "DEMO-CABLE-USBC-2M", ean: demoEan("D0005"), inAmazonCatalog: true },
  { itemNumber: "D0006", sku: "DEMO-CHARGER-65W", ean: demoEan("D0006"), inAmazonCatalog: true },
  { itemNumber: "D0007", sku: "DEMO-MOUSE-WL", ean: demoEan("D0007"), inAmazonCatalog: true },
  { itemNumber: "D0008", sku: "DEMO-KEYBOARD-DE", ean: demoEan("D0008"), inAmazonCatalog: true },
  { itemNumber: "D0009", sku: "DEMO-STAND-ALU", ean: demoEan("D0009"), inAmazonCatalog: false },
  { itemNumber: "D0010", sku: "DEMO-BAG-15", ean: demoEan("D0010"), inAmazonCatalog: false },
];

export interface DemoUnlistedProduct {
  itemNumber: string;
  /** Suggested seller SKU. */
  sku: string;
  title: string;
  ean: string;
  /** Amazon product type a listing needs. */
  productType: "PRODUCT" | "HEADPHONES";
  /** ASIN of the existing catalog item with this barcode (an offer can be listed on it), if any. */
  catalogAsin?: string;
  prices: { USD: string; GBP: string; EUR: string };
}

/**
 * Products D365 may publish that have no listing yet: one matches an existing catalog item by barcode (offer
 * only), one is new to Amazon (full listing), one is a HEADPHONES product whose required
 * `headphones_form_factor` a generic attribute template does not fill (VALIDATION_PREVIEW answers INVALID).
 */
export const DEMO_UNLISTED_PRODUCTS: readonly DemoUnlistedProduct[] = [
  {
    itemNumber: "D0011",
    sku: "DEMO-POWERBANK-10K",
    title: "Demo Power Bank 10000 mAh",
    ean: demoEan("D0011"),
    productType: "PRODUCT",
    catalogAsin: "B0CATPWR01",
    prices: { USD: "29.99", GBP: "26.99", EUR: "27.99" },
  },
  {
    itemNumber: "D0012",
    sku: "DEMO-WEBCAM-HD",
    title: "Demo HD Webcam",
    ean: demoEan("D0012"),
    productType: "PRODUCT",
    prices: { USD: "54.99", GBP: "49.99", EUR: "52.99" },
  },
  {
    itemNumber: "D0013",
    sku: "DEMO-EARBUDS-WL",
    title: "Demo Wireless Earbuds",
    ean: demoEan("D0013"),
    productType: "HEADPHONES",
    prices: { USD: "69.00", GBP: "62.00", EUR: "65.00" },
  },
];
