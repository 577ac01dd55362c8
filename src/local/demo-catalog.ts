/**
 * The demo seller's catalog, shared by both simulators so that their data agrees: every SKU the SP-API
 * simulator sells has an ItemNumber the D365 simulator knows (except the deliberately unknown SKUs, which
 * exercise the "needs mapping" path). Prices are decimal strings, per marketplace currency.
 */
export interface DemoProduct {
  /** Amazon SellerSKU. */
  sku: string;
  /** D365 released product ItemNumber. */
  itemNumber: string;
  asin: string;
  /** FBA fulfillment network SKU. */
  fnsku: string;
  title: string;
  /** Unit price per marketplace currency, decimal strings. */
  prices: { USD: string; GBP: string; EUR: string };
  /** Sold through FBA (AFN) when true, merchant-fulfilled (MFN) otherwise. */
  fba: boolean;
}

export const DEMO_MARKETPLACES = [
  { marketplaceId: "ATVPDKIKX0DER", country: "US", currency: "USD", name: "Amazon.com", salesChannel: "Amazon.com" },
  { marketplaceId: "A1F83G8C2ARO7P", country: "GB", currency: "GBP", name: "Amazon.co.uk", salesChannel: "Amazon.co.uk" },
  { marketplaceId: "A1PA6795UKMFR9", country: "DE", currency: "EUR", name: "Amazon.de", salesChannel: "Amazon.de" },
] as const;

export type DemoCurrency = (typeof DEMO_MARKETPLACES)[number]["currency"];

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    sku: "DEMO-SPEAKER-BLK",
    itemNumber: "D0001",
    asin: "B0DEMO0001",
    fnsku: "X0DEMO0001",
    title: "Demo Bluetooth Speaker, black",
    prices: { USD: "49.99", GBP: "44.99", EUR: "47.99" },
    fba: true,
  },
  {
    sku: "DEMO-SPEAKER-WHT",
    itemNumber: "D0002",
    asin: "B0DEMO0002",
    fnsku: "X0DEMO0002",
    title: "Demo Bluetooth Speaker, white",
    prices: { USD: "49.99", GBP: "44.99", EUR: "47.99" },
    fba: true,
  },
  {
    sku: "DEMO-HEADPHONES",
    itemNumber: "D0003",
    asin: "B0DEMO0003",
    fnsku: "X0DEMO0003",
    title: "Demo Over-Ear Headphones",
    prices: { USD: "89.00", GBP: "79.00", EUR: "85.00" },
    fba: true,
  },
  {
    sku: "DEMO-CABLE-USBC-1M",
    itemNumber: "D0004",
    asin: "B0DEMO0004",
    fnsku: "X0DEMO0004",
    title: "Demo USB-C Cable 1 m",
    prices: { USD: "9.99", GBP: "8.49", EUR: "9.49" },
    fba: true,
  },
  {
    sku: "DEMO-CABLE-USBC-2M",
    itemNumber: "D0005",
    asin: "B0DEMO0005",
    fnsku: "X0DEMO0005",
    title: "Demo USB-C Cable 2 m",
    prices: { USD: "12.99", GBP: "10.99", EUR: "11.99" },
    fba: false,
  },
  {
    sku: "DEMO-CHARGER-65W",
    itemNumber: "D0006",
    asin: "B0DEMO0006",
    fnsku: "X0DEMO0006",
    title: "Demo 65 W Charger",
    prices: { USD: "39.95", GBP: "34.95", EUR: "37.95" },
    fba: false,
  },
  {
    sku: "DEMO-MOUSE-WL",
    itemNumber: "D0007",
    asin: "B0DEMO0007",
    fnsku: "X0DEMO0007",
    title: "Demo Wireless Mouse",
    prices: { USD: "24.50", GBP: "21.50", EUR: "23.50" },
    fba: true,
  },
  {
    sku: "DEMO-KEYBOARD-DE",
    itemNumber: "D0008",
    asin: "B0DEMO0008",
    fnsku: "X0DEMO0008",
    title: "Demo Keyboard, German layout",
    prices: { USD: "59.00", GBP: "52.00", EUR: "55.00" },
    fba: false,
  },
  {
    sku: "DEMO-STAND-ALU",
    itemNumber: "D0009",
    asin: "B0DEMO0009",
    fnsku: "X0DEMO0009",
    title: "Demo Aluminium Laptop Stand",
    prices: { USD: "34.99", GBP: "29.99", EUR: "32.99" },
    fba: true,
  },
  {
    sku: "DEMO-BAG-15",
    itemNumber: "D0010",
    asin: "B0DEMO0010",
    fnsku: "X0DEMO0010",
    title: "Demo Laptop Bag 15 inch",
    prices: { USD: "44.00", GBP: "39.00", EUR: "42.00" },
    fba: false,
  },
];

/** SKUs the simulator sells but D365 does not know: they must end up as "needs mapping". */
export const DEMO_UNKNOWN_SKUS: readonly DemoProduct[] = [
  {
    sku: "UNMAPPED-GADGET-01",
    itemNumber: "",
    asin: "B0UNKNOWN1",
    fnsku: "X0UNKNOWN1",
    title: "Gadget not in D365",
    prices: { USD: "19.99", GBP: "17.99", EUR: "18.99" },
    fba: false,
  },
];

export function demoProductBySku(sku: string): DemoProduct | undefined {
  return DEMO_PRODUCTS.find((p) => p.sku === sku) ?? DEMO_UNKNOWN_SKUS.find((p) => p.sku === sku);
}
