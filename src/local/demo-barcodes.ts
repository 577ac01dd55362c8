/**
 * Barcodes of the demo products (shared by both simulators: the D365 simulator's ProductBarcodesV3 and the
 * SP-API simulator's catalog), and three products D365 could publish that the seller has not listed yet.
 * All barcodes are fake GTIN-13s on GS1's documentation prefix 0614141 (valid check digit; UPC-A = the last 12
 * digits, GTIN-14 = "0" + the EAN).
 */
export function gtinCheckDigit(body: string): string {
  let s = 0;
  for (let i = 0; i < body.length; i++) s += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (s % 10)) % 10);
}

/** EAN-13 on the demo prefix for an item reference (1 … 99999). */
export function demoEan(itemRef: number): string {
  const body = `0614141${String(itemRef).padStart(5, "0")}`;
  return body + gtinCheckDigit(body);
}

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
  { itemNumber: "D0001", sku: "DEMO-SPEAKER-BLK", ean: demoEan(1), inAmazonCatalog: true },
  { itemNumber: "D0002", sku: "DEMO-SPEAKER-WHT", ean: demoEan(2), inAmazonCatalog: true },
  { itemNumber: "D0003", sku: "DEMO-HEADPHONES", ean: demoEan(3), inAmazonCatalog: true },
  { itemNumber: "D0004", sku: "DEMO-CABLE-USBC-1M", ean: demoEan(4), inAmazonCatalog: true },
  { itemNumber: "D0005", sku: "DEMO-CABLE-USBC-2M", ean: demoEan(5), inAmazonCatalog: true },
  { itemNumber: "D0006", sku: "DEMO-CHARGER-65W", ean: demoEan(6), inAmazonCatalog: true },
  { itemNumber: "D0007", sku: "DEMO-MOUSE-WL", ean: demoEan(7), inAmazonCatalog: true },
  { itemNumber: "D0008", sku: "DEMO-KEYBOARD-DE", ean: demoEan(8), inAmazonCatalog: true },
  { itemNumber: "D0009", sku: "DEMO-STAND-ALU", ean: demoEan(9), inAmazonCatalog: false },
  { itemNumber: "D0010", sku: "DEMO-BAG-15", ean: demoEan(10), inAmazonCatalog: false },
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
    ean: demoEan(11),
    productType: "PRODUCT",
    catalogAsin: "B0CATPWR01",
    prices: { USD: "29.99", GBP: "26.99", EUR: "27.99" },
  },
  {
    itemNumber: "D0012",
    sku: "DEMO-WEBCAM-HD",
    title: "Demo HD Webcam",
    ean: demoEan(12),
    productType: "PRODUCT",
    prices: { USD: "54.99", GBP: "49.99", EUR: "52.99" },
  },
  {
    itemNumber: "D0013",
    sku: "DEMO-EARBUDS-WL",
    title: "Demo Wireless Earbuds",
    ean: demoEan(13),
    productType: "HEADPHONES",
    prices: { USD: "69.00", GBP: "62.00", EUR: "65.00" },
  },
];
