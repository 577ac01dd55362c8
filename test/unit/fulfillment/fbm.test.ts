import { describe, expect, it } from "vitest";
import { amazonOrderOf, confirmShipments } from "../../../src/flows/fulfillment/confirm-shipments";
import { handleFulfillmentRequest } from "../../../src/flows/fulfillment/handle-request";
import { catchUpFulfillment } from "../../../src/flows/fulfillment/safety-nets";
import { requestShipmentConfirmation, shipmentsOf } from "../../../src/flows/fulfillment/status-api";
import { UnavailableError, ValidationError } from "../../../src/platform/errors";
import { listParked } from "../../../src/platform/parked-messages";
import { SkuCrossrefFile } from "../../../src/mapping/sku-crossref";
import { aHeader, aLine, deps as makeDeps, MARKETPLACES, SKUS } from "./fakes";

const AMAZON_ID = "111-2223334-4445556";
const fbmHeader = aHeader({
  salesOrderNumber: "000900",
  customersOrderReference: AMAZON_ID,
  customerAccount: "AMZ-US",
  originCode: "AMZ-MFN",
  warehouseId: "11",
  deliveryModeCode: undefined,
  shippingCarrierId: undefined,
});
const lines = [
  aLine({ lotId: "L1", itemNumber: "D0006", quantity: 2, orderLineReference: "20000000100100", externalItemNumber: "CHARGER" }),
  aLine({
    lotId: "L2",
    itemNumber: "D0001",
    quantity: 1,
    orderLineReference: "20000000100101",
    externalItemNumber: "SKU-1",
    lineNumber: 2,
  }),
  aLine({ lotId: "L3", itemNumber: "FREIGHT", quantity: 1, orderLineReference: "shipping", lineNumber: 3 }),
];
const slip = (n: string, l: { lotId: string; quantity: number }[], o: { carrier?: string; tracking?: string } = {}) => ({
  packingSlipNumber: n,
  deliveryDate: "2026-11-03T12:00:00Z",
  ...(o.carrier === undefined ? { shipCarrierId: "UPS" } : o.carrier ? { shipCarrierId: o.carrier } : {}),
  lines: l.map((x) => ({ ...x, itemNumber: "I" })),
  tracking: o.tracking === "" ? [] : [{ trackingNumber: o.tracking ?? `1Z-${n}` }],
});

function setup() {
  const t = makeDeps();
  t.d365.add(fbmHeader, lines);
  const confirm = (o: { force?: boolean } = {}) =>
    confirmShipments({ company: "usmf", salesOrderNumber: "000900", ...o }, fbmHeader, t.deps);
  return { ...t, confirm };
}

describe("confirming FBM shipments to Amazon", () => {
  it("recognises Amazon FBM orders; FBA orders and other orders have nothing to confirm", () => {
    expect(amazonOrderOf(fbmHeader, MARKETPLACES)).toMatchObject({ amazonOrderId: AMAZON_ID });
    expect(amazonOrderOf({ ...fbmHeader, originCode: "AMZ-FBA", warehouseId: "FBA-US" }, MARKETPLACES)).toMatchObject({
      outcome: "fba-order",
    });
    expect(amazonOrderOf({ ...fbmHeader, customersOrderReference: "WEB-1" }, MARKETPLACES)).toMatchObject({ outcome: "not-amazon" });
    expect(amazonOrderOf({ ...fbmHeader, customerAccount: "US-001" }, MARKETPLACES)).toMatchObject({ outcome: "not-amazon" });
  });

  it("confirms each posted packing slip once as its own package (a partial shipment), with the mapped carrier", async () => {
    const t = setup();
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 1 }])]);
    expect(await t.confirm()).toMatchObject({
      outcome: "done",
      packages: [{ packingSlipNumber: "PS-1", status: "confirmed", packageReferenceId: "1" }],
    });
    t.d365.slips.set("000900", [
      slip("PS-1", [{ lotId: "L1", quantity: 1 }]),
      slip("PS-2", [
        { lotId: "L1", quantity: 1 },
        { lotId: "L2", quantity: 1 },
        { lotId: "L3", quantity: 1 },
      ]),
    ]);
    await t.confirm();
    await t.confirm();
    expect(t.shipments.calls).toBe(2);
    expect(t.shipments.confirmed.map((c) => c.c)).toEqual([
      expect.objectContaining({
        packageReferenceId: "1",
        carrierCode: "UPS",
        shippingMethod: "UPS Ground",
        trackingNumber: "1Z-PS-1",
        items: [{ orderItemId: "20000000100100", quantity: 1 }],
      }),
      expect.objectContaining({
        packageReferenceId: "2",
        shipDate: "2026-11-03T12:00:00Z",
        marketplaceId: "ATVPDKIKX0DER",
        // The freight line the orders flow added is no Amazon order item.
        items: [
          { orderItemId: "20000000100100", quantity: 1 },
          { orderItemId: "20000000100101", quantity: 1 },
        ],
      }),
    ]);
  });

  it("after a timeout sends the same package again and counts Amazon's 'already confirmed' as done", async () => {
    const t = setup();
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 2 }])]);
    t.shipments.failures.push({ error: new UnavailableError("spapi.timeout", "timed out"), afterStore: true });
    await expect(t.confirm()).rejects.toThrow("timed out");
    expect(await t.confirm()).toMatchObject({ packages: [{ status: "already-confirmed", packageReferenceId: "1" }] });
    expect(t.shipments.confirmed).toHaveLength(1);
  });

  it("converts D365 units into Amazon units with the line's SKU", async () => {
    const t = setup();
    t.deps.skus = SkuCrossrefFile.parse({
      ...SKUS,
      items: SKUS.items.map((s) => (s.sellerSku === "CHARGER" ? { ...s, unitsPerAmazonUnit: 2 } : s)),
    });
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 2 }])]);
    await t.confirm();
    expect(t.shipments.confirmed[0]?.c.items).toEqual([{ orderItemId: "20000000100100", quantity: 1 }]);
  });

  it("makes review items of a carrier without mapping and a packing slip without tracking; sends nothing for them", async () => {
    const t = setup();
    t.d365.slips.set("000900", [
      slip("PS-1", [{ lotId: "L1", quantity: 1 }], { carrier: "PIGEON" }),
      slip("PS-2", [{ lotId: "L1", quantity: 1 }], { tracking: "" }),
    ]);
    expect(await t.confirm()).toMatchObject({ packages: [{ status: "needs-attention" }, { status: "needs-attention" }] });
    expect(t.shipments.calls).toBe(0);
    const parked = await listParked(t.state, { queue: "fulfillment-requests" });
    expect(parked.map((p) => [p.messageId, p.reason, p.code])).toEqual([
      [`fbm:${AMAZON_ID}:PS-1`, "mapping-gap", "mapping.carrier"],
      [`fbm:${AMAZON_ID}:PS-2`, "validation", "fbm.noTracking"],
    ]);
    expect(parked[0]?.suggestion).toMatchObject({ file: "carriers.json", add: { shippingCarrierId: "PIGEON" } });
    // No loop: a second trigger leaves them; the replay after the fix sends them.
    await t.confirm();
    expect(t.shipments.calls).toBe(0);
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 1 }]), slip("PS-2", [{ lotId: "L1", quantity: 1 }])]);
    await t.confirm({ force: true });
    expect(t.shipments.confirmed.map((c) => c.c.packageReferenceId)).toEqual(["1", "2"]);
    expect(await listParked(t.state, { queue: "fulfillment-requests" })).toEqual([]);
  });

  it("makes a review item when Amazon refuses a package", async () => {
    const t = setup();
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 1 }])]);
    t.shipments.failures.push({ error: new ValidationError("spapi.validation", "Invalid carrier code") });
    expect(await t.confirm()).toMatchObject({ packages: [{ status: "needs-attention" }] });
    expect((await listParked(t.state, { queue: "fulfillment-requests" }))[0]?.description).toContain("Invalid carrier code");
  });

  it("the status API and the catch-up follow the same ledger", async () => {
    const t = setup();
    await requestShipmentConfirmation({ company: "usmf", salesOrderNumber: "000900" }, t.deps);
    expect(await shipmentsOf(t.deps.ledger, "usmf", "000900")).toMatchObject({ pending: true, packages: [] });
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 2 }])]);
    expect(
      (await catchUpFulfillment({ ...t.deps, rules: { ...t.deps.rules, mcf: { ...t.deps.rules.mcf, enabled: false } } })).shipments,
    ).toEqual({
      packingSlips: 1,
      enqueued: 1,
    });
    await handleFulfillmentRequest(
      { kind: "order", company: "usmf", salesOrderNumber: "000900", intent: "shipments", source: "http", force: true },
      { messageId: "m" },
      t.deps,
    );
    expect(await shipmentsOf(t.deps.ledger, "usmf", "000900")).toMatchObject({
      pending: false,
      amazonOrderId: AMAZON_ID,
      lastOutcome: "done",
      packages: [{ packingSlipNumber: "PS-1", status: "confirmed", carrierCode: "UPS", trackingNumber: "1Z-PS-1" }],
    });
    t.bus.sent = [];
    expect((await catchUpFulfillment(t.deps)).shipments.enqueued).toBe(0);
  });

  it("an order request for an FBM order confirms its shipments and sends nothing to MCF", async () => {
    const t = setup();
    t.d365.slips.set("000900", [slip("PS-1", [{ lotId: "L1", quantity: 2 }])]);
    const out = await handleFulfillmentRequest(
      { kind: "order", company: "usmf", salesOrderNumber: "000900", source: "business-event" },
      { messageId: "e" },
      t.deps,
    );
    expect(out.mcf).toMatchObject({ outcome: "not-eligible" });
    expect(out.shipments).toMatchObject({ outcome: "done" });
    expect(t.amazon.calls).toEqual({});
    expect(t.shipments.confirmed).toHaveLength(1);
  });
});
