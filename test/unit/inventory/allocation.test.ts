import { describe, expect, it } from "vitest";
import { allocate, allocatedUnits, effectiveRule, resolveChannels } from "../../../src/flows/inventory/allocation";
import { inventoryFile } from "../../../src/mapping/inventory";
import { Dec } from "../../../src/platform/money";
import { DE, inventoryMappings, onHand, UK, US } from "./fakes";

const SKUS = [
  { sellerSku: "CABLE", itemNumber: "D0005" },
  { sellerSku: "CABLE-6PK", itemNumber: "D0005", unitsPerAmazonUnit: 6 },
  { sellerSku: "KEYBOARD-DE", itemNumber: "D0008", marketplaceIds: [DE] },
  { sellerSku: "SPEAKER", itemNumber: "D0001" },
];

function file(over: Record<string, unknown> = {}) {
  return {
    fbm: {
      defaults: { safetyStock: 2, max: 100 },
      channels: [
        { marketplaceId: US, warehouses: ["11", "12"], percent: 60 },
        { marketplaceId: UK, percent: 20 },
        { marketplaceId: DE, warehouses: [{ warehouseId: "11" }], percent: 20, min: 3 },
      ],
      overrides: [{ itemNumbers: ["D0001"], exclude: true, reason: "FBA" }],
      ...over,
    },
  };
}

function run(
  rows = [
    onHand("D0005", "11", { available: "52" }),
    onHand("D0005", "12", { available: "-10" }),
    onHand("D0008", "11", { available: "7" }),
  ],
) {
  const mappings = inventoryMappings(SKUS, file());
  const fbm = inventoryFile(mappings)!.fbm!;
  const channels = resolveChannels(fbm, mappings, "usmf");
  return { allocation: allocate({ fbm, channels, rows, mappings }), channels };
}

describe("allocation by the rules of inventory.json", () => {
  it("offers each channel its percentage of the stock left after safety stock, in whole Amazon units, counting negative on-hand as 0", () => {
    const { allocation } = run();
    const q = Object.fromEntries(allocation.targets.map((t) => [`${t.marketplaceId}/${t.sellerSku}`, t.quantity]));
    // (52 − 2) × 60 % = 30; warehouse 12's −10 counts as nothing.
    expect(q[`${US}/CABLE`]).toBe(30);
    // The six-pack: 30 units of D0005 make 5 Amazon units.
    expect(q[`${US}/CABLE-6PK`]).toBe(5);
    expect(q[`${UK}/CABLE`]).toBe(10);
    expect(q[`${DE}/CABLE`]).toBe(10);
    // DE only: (7 − 2) × 20 % = 1, below the channel's min of 3: 0.
    expect(q[`${DE}/KEYBOARD-DE`]).toBe(0);
    expect(q[`${US}/KEYBOARD-DE`]).toBeUndefined();
  });

  it("takes the channel's warehouses, or the marketplace's MFN warehouse from marketplaces.json", () => {
    const { channels } = run();
    expect(channels.map((c) => [c.marketplaceId, c.warehouses.map((w) => w.warehouseId)])).toEqual([
      [US, ["11", "12"]],
      [UK, ["11"]],
      [DE, ["11"]],
    ]);
  });

  it("lists excluded SKUs with the reason and never gives them a quantity", () => {
    const { allocation } = run();
    expect(allocation.excluded.map((e) => [e.marketplaceId, e.sellerSku, e.reason])).toEqual([
      [US, "SPEAKER", "FBA"],
      [UK, "SPEAKER", "FBA"],
      [DE, "SPEAKER", "FBA"],
    ]);
    expect(allocation.targets.some((t) => t.sellerSku === "SPEAKER")).toBe(false);
  });

  it("lists D365 items on hand that no SKU names, and pushes 0 for a mapped item without on-hand", () => {
    const { allocation } = run([onHand("D0005", "11", { available: "10" }), onHand("X-999", "11", { available: "4" })]);
    expect(allocation.unmappedItems).toEqual(["X-999"]);
    expect(allocation.targets.find((t) => t.marketplaceId === DE && t.sellerSku === "KEYBOARD-DE")?.quantity).toBe(0);
  });

  it("caps at max, uses the basis the rule names, and lets a later override win over an earlier one", () => {
    const mappings = inventoryMappings(SKUS, file());
    const fbm = inventoryFile(mappings)!.fbm!;
    const rule = effectiveRule(fbm, fbm.channels[0]!, "CABLE", "D0005");
    expect(rule).toMatchObject({
      quantity: "available-physical",
      safetyStock: 2,
      percent: 60,
      max: 100,
      productType: "PRODUCT",
      exclude: false,
    });
    expect(allocatedUnits(new Dec("1000"), rule)).toBe(100);
    const more = inventoryMappings(
      SKUS,
      file({
        overrides: [
          { sellerSkus: ["CABLE"], quantity: "total-available", percent: 50 },
          { sellerSkus: ["CABLE"], marketplaceIds: [US], percent: 10 },
        ],
      }),
    );
    const fbm2 = inventoryFile(more)!.fbm!;
    const r2 = effectiveRule(fbm2, fbm2.channels[0]!, "CABLE", "D0005");
    expect([r2.quantity, r2.percent]).toEqual(["total-available", 10]);
    const channels = resolveChannels(fbm2, more, "usmf");
    const rows = [onHand("D0005", "11", { available: "10", total: "42" })];
    const t = allocate({ fbm: fbm2, channels, rows, mappings: more }).targets.find(
      (x) => x.marketplaceId === US && x.sellerSku === "CABLE",
    )!;
    expect([t.pool, t.quantity]).toEqual(["42", 4]);
  });

  it("works in decimals: fractional on-hand and percentages never go through binary floating point", () => {
    const rule = {
      quantity: "available-physical",
      safetyStock: 0.5,
      percent: 33.3,
      min: 0,
      productType: "PRODUCT",
      exclude: false,
    } as const;
    // (10.8 − 0.5) × 33.3 % = 3.4299 → 3
    expect(allocatedUnits(new Dec("10.8"), rule)).toBe(3);
    expect(allocatedUnits(new Dec("0.4"), rule)).toBe(0);
  });
});
