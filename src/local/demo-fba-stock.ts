/**
 * The demo seller's FBA stock per marketplace (what the SP-API simulator's getInventorySummaries reports) and
 * the on-hand the D365 simulator should show in the warehouse that stands for FBA in that marketplace.
 *
 * For every row but the two in DEMO_FBA_DISCREPANCIES, D365 on-hand equals Amazon's fulfillable quantity and
 * reserved, unfulfillable and researching are 0, so any sensible comparison (fulfillable; fulfillable +
 * reserved + unfulfillable; + researching) finds them equal. Inbound units are not in a fulfillment center
 * yet and never count as on-hand. The two discrepancy rows differ under every one of those comparisons.
 */
export interface DemoFbaStock {
  marketplaceId: string;
  sku: string;
  fulfillable: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  /** Reserved for customer orders (pendingCustomerOrderQuantity). */
  reserved: number;
  /** Customer-damaged units. */
  unfulfillable: number;
  researching: number;
  /** What D365 shows on hand in the FBA warehouse of this marketplace. */
  d365OnHand: number;
}

const row = (
  marketplaceId: string,
  sku: string,
  fulfillable: number,
  inbound: [working: number, shipped: number, receiving: number] = [0, 0, 0],
  extra: Partial<Pick<DemoFbaStock, "reserved" | "unfulfillable" | "researching" | "d365OnHand">> = {},
): DemoFbaStock => ({
  marketplaceId,
  sku,
  fulfillable,
  inboundWorking: inbound[0],
  inboundShipped: inbound[1],
  inboundReceiving: inbound[2],
  reserved: extra.reserved ?? 0,
  unfulfillable: extra.unfulfillable ?? 0,
  researching: extra.researching ?? 0,
  d365OnHand: extra.d365OnHand ?? fulfillable,
});

const US = "ATVPDKIKX0DER";
const UK = "A1F83G8C2ARO7P";
const DE = "A1PA6795UKMFR9";

export const DEMO_FBA_STOCK: readonly DemoFbaStock[] = [
  row(US, "DEMO-SPEAKER-BLK", 120, [0, 24, 0]),
  // Discrepancy: D365 has 48; Amazon 40 fulfillable + 3 reserved + 1 damaged (+ 2 being researched).
  row(US, "DEMO-SPEAKER-WHT", 40, [0, 24, 6], { reserved: 3, unfulfillable: 1, researching: 2, d365OnHand: 48 }),
  row(US, "DEMO-HEADPHONES", 35),
  row(US, "DEMO-CABLE-USBC-1M", 300, [50, 0, 0]),
  row(US, "DEMO-MOUSE-WL", 80),
  // The SKU MCF cannot fulfil: nothing fulfillable anywhere, 12 inbound.
  row(US, "DEMO-STAND-ALU", 0, [0, 12, 0]),
  row(UK, "DEMO-SPEAKER-BLK", 60),
  row(UK, "DEMO-SPEAKER-WHT", 25),
  row(UK, "DEMO-HEADPHONES", 18, [0, 10, 0]),
  row(UK, "DEMO-CABLE-USBC-1M", 150),
  row(UK, "DEMO-MOUSE-WL", 45),
  row(UK, "DEMO-STAND-ALU", 0),
  row(DE, "DEMO-SPEAKER-BLK", 75),
  row(DE, "DEMO-SPEAKER-WHT", 30),
  row(DE, "DEMO-HEADPHONES", 22),
  row(DE, "DEMO-CABLE-USBC-1M", 210, [0, 0, 40]),
  // Discrepancy: D365 has 50; Amazon 52 fulfillable + 4 reserved + 1 damaged.
  row(DE, "DEMO-MOUSE-WL", 52, [10, 0, 0], { reserved: 4, unfulfillable: 1, d365OnHand: 50 }),
  row(DE, "DEMO-STAND-ALU", 0, [0, 8, 0]),
];

/** The seeded differences between Amazon FBA stock and D365 on-hand (D365 minus Amazon, per comparison). */
export const DEMO_FBA_DISCREPANCIES = [
  {
    marketplaceId: US,
    sku: "DEMO-SPEAKER-WHT",
    itemNumber: "D0002",
    d365OnHand: 48,
    amazon: { fulfillable: 40, reserved: 3, unfulfillable: 1, researching: 2 },
    /** D365 − (fulfillable + reserved + unfulfillable). */
    difference: 4,
  },
  {
    marketplaceId: DE,
    sku: "DEMO-MOUSE-WL",
    itemNumber: "D0007",
    d365OnHand: 50,
    amazon: { fulfillable: 52, reserved: 4, unfulfillable: 1, researching: 0 },
    difference: -7,
  },
] as const;

export function demoFbaStock(marketplaceId: string, sku: string): DemoFbaStock | undefined {
  return DEMO_FBA_STOCK.find((s) => s.marketplaceId === marketplaceId && s.sku === sku);
}
