/**
 * Multi-Channel Fulfillment through the connector against the simulator: the life of an order in scaled time
 * with shipments, packages, carriers and tracking; previews with fees, promises and Amazon's reasons; the
 * unfulfillable SKU and the refused address; cancellation; returns; the 2026-07-04 switch; control endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { McfCreateInput, SpApiClient } from "../../../src/amazon";
import { ConflictError, ValidationError } from "../../../src/platform/errors";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, control, startSim } from "./sim-client";

const US = "ATVPDKIKX0DER";
const ADDRESS = {
  name: "Demo Recipient",
  addressLine1: "1 Test Street",
  city: "Seattle",
  stateOrRegion: "WA",
  postalCode: "98101",
  countryCode: "US",
};
let sim: SpApiSimulator;
let client: SpApiClient;

const order = (id: string, extra: Partial<McfCreateInput> = {}): McfCreateInput => ({
  sellerFulfillmentOrderId: id,
  marketplaceId: US,
  displayableOrderId: id,
  displayableOrderDate: "2026-11-20T10:00:00Z",
  displayableOrderComment: "Thank you for your order",
  shippingSpeed: "Standard",
  destination: ADDRESS,
  items: [
    { lineId: "10", sku: "DEMO-SPEAKER-BLK", quantity: 2, declaredValue: { currencyCode: "USD", amount: "49.99" } },
    { lineId: "20", sku: "DEMO-CABLE-USBC-1M", quantity: 3 },
  ],
  ...extra,
});

beforeAll(async () => {
  // Real time (timeScale 1): the steps are driven by advance() alone, so a slow machine cannot skip one.
  sim = await startSim({ timeScale: 1 });
  client = clientFor(sim);
});
afterAll(async () => {
  await sim?.stop();
});

describe("MCF through the connector", () => {
  it("runs an order Received → Planning → Processing → Complete, with two shipments, carriers, tracking numbers and shipped quantities", async () => {
    await client.mcf.create(order("LIFE-1"));
    const seen = [(await client.mcf.get("LIFE-1"))!.status];
    for (const step of [10_000, 20_000, 30_000, 10_000]) {
      sim.sim.advance(step);
      seen.push((await client.mcf.get("LIFE-1"))!.status);
    }
    expect(seen).toEqual(["RECEIVED", "PLANNING", "PROCESSING", "PROCESSING", "COMPLETE"]);
    const o = (await client.mcf.get("LIFE-1"))!;
    expect(o.items.map((i) => [i.lineId, i.quantity, i.cancelledQuantity, i.unfulfillableQuantity])).toEqual([
      ["10", 2, 0, 0],
      ["20", 3, 0, 0],
    ]);
    expect(o.shipments).toHaveLength(2);
    const [a, b] = o.shipments;
    expect([a.status, b.status]).toEqual(["SHIPPED", "SHIPPED"]);
    expect(a.fulfillmentCenterId).not.toBe(b.fulfillmentCenterId);
    expect(a.packages[0]).toMatchObject({ carrierCode: "UPS", trackingNumber: expect.stringMatching(/^1Z/) });
    expect(b.packages[0]).toMatchObject({ carrierCode: "AMZN_US", trackingNumber: expect.stringMatching(/^TBA/) });
    expect([...a.items, ...b.items].map((i) => [i.lineId, i.quantity])).toEqual([
      ["10", 2],
      ["20", 3],
    ]);
    expect(new Date(a.shippedAt!).getTime()).toBeLessThan(new Date(a.estimatedArrivalAt!).getTime());
  });

  it("tracks a package from IN_TRANSIT to DELIVERED with carrier events", async () => {
    await client.mcf.create(order("TRACK-1", { items: [{ lineId: "1", sku: "DEMO-HEADPHONES", quantity: 1 }] }));
    sim.sim.advance(61_000);
    const pkg = (await client.mcf.get("TRACK-1"))!.shipments[0].packages[0];
    expect((await client.mcf.tracking(pkg))!.status).toBe("IN_TRANSIT");
    sim.sim.advance(60_000);
    expect((await client.mcf.tracking(pkg))!.status).toBe("OUT_FOR_DELIVERY");
    sim.sim.advance(30_000);
    const t = (await client.mcf.tracking(pkg))!;
    expect(t).toMatchObject({ status: "DELIVERED", carrierCode: "UPS", trackingNumber: pkg.trackingNumber });
    expect(t.events.map((e) => e.code)).toEqual(["EVENT_301", "EVENT_302", "EVENT_201", "EVENT_102", "EVENT_101"]);
    expect(await client.mcf.tracking({ packageId: "424242" })).toBeUndefined();
  });

  it("previews fees and delivery promises per speed, and Amazon's reasons for the unfulfillable SKU and the refused address", async () => {
    const ok = await client.mcf.preview({
      marketplaceId: US,
      destination: ADDRESS,
      items: [{ lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 2 }],
    });
    expect(ok.map((p) => [p.shippingSpeed, p.fulfillable, p.fees[0].amount])).toEqual([
      ["Standard", true, { currencyCode: "USD", amount: "11.70" }],
      ["Expedited", true, { currencyCode: "USD", amount: "16.50" }],
      ["Priority", true, { currencyCode: "USD", amount: "27.90" }],
    ]);
    const arrival = (i: number) => new Date(ok[i].shipments[0].latestArrivalAt!).getTime();
    expect(arrival(2)).toBeLessThan(arrival(1));
    expect(arrival(1)).toBeLessThan(arrival(0));
    const [stand] = await client.mcf.preview({
      marketplaceId: US,
      destination: ADDRESS,
      items: [{ lineId: "1", sku: "DEMO-STAND-ALU", quantity: 1 }],
      shippingSpeeds: ["Standard"],
    });
    expect(stand).toMatchObject({ fulfillable: false, unfulfillableItems: [{ sku: "DEMO-STAND-ALU", reasons: ["InventoryUnavailable"] }] });
    const [refused] = await client.mcf.preview({
      marketplaceId: US,
      destination: { ...ADDRESS, postalCode: "00000" },
      items: [{ lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 1 }],
      shippingSpeeds: ["Standard"],
    });
    expect(refused).toMatchObject({ fulfillable: false, orderUnfulfillableReasons: ["InvalidDestinationAddress"], shipments: [] });
  });

  it("refuses the refused address and an SKU that is not FBA with Amazon's error; a repeated create is harmless, a different one a ConflictError", async () => {
    await expect(client.mcf.create(order("BAD-ADDR", { destination: { ...ADDRESS, postalCode: "00000" } }))).rejects.toMatchObject({
      code: "spapi.invalidInput",
      message: expect.stringContaining("Invalid destinationAddress"),
    });
    await expect(client.mcf.create(order("BAD-SKU", { items: [{ lineId: "1", sku: "DEMO-BAG-15", quantity: 1 }] }))).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(client.mcf.create(order("TOO/LONG/ID"))).rejects.toMatchObject({ code: "spapi.invalidInput" });
    await client.mcf.create(order("TWICE-1"));
    await client.mcf.create(order("TWICE-1"));
    await expect(client.mcf.create(order("TWICE-1", { shippingSpeed: "Priority" }))).rejects.toBeInstanceOf(ConflictError);
    expect(sim.sim.mcf.all().filter((o) => o.id === "TWICE-1")).toHaveLength(1);
    expect(await client.mcf.get("NEVER-CREATED")).toBeUndefined();
  });

  it("ends FillOrKill with the unfulfillable SKU Unfulfillable, FillAllAvailable CompletePartialled, and FillAll waits until the rest is cancelled", async () => {
    const withStand = [...order("x").items, { lineId: "30", sku: "DEMO-STAND-ALU", quantity: 1 }];
    await client.mcf.create(order("POLICY-KILL", { items: withStand }));
    await client.mcf.create(order("POLICY-AVAIL", { items: withStand, fulfillmentPolicy: "FillAllAvailable" }));
    await client.mcf.create(order("POLICY-ALL", { items: withStand, fulfillmentPolicy: "FillAll" }));
    sim.sim.advance(100_000);
    const kill = (await client.mcf.get("POLICY-KILL"))!;
    expect(kill.status).toBe("UNFULFILLABLE");
    expect(kill.shipments).toEqual([]);
    expect(kill.items.find((i) => i.sku === "DEMO-STAND-ALU")?.unfulfillableQuantity).toBe(1);
    const avail = (await client.mcf.get("POLICY-AVAIL"))!;
    expect(avail.status).toBe("COMPLETE_PARTIALLED");
    expect(avail.shipments.flatMap((s) => s.items.map((i) => i.sku)).sort()).toEqual(["DEMO-CABLE-USBC-1M", "DEMO-SPEAKER-BLK"]);
    expect((await client.mcf.get("POLICY-ALL"))!.status).toBe("PROCESSING");
    await client.mcf.cancel("POLICY-ALL");
    const all = (await client.mcf.get("POLICY-ALL"))!;
    expect(all.status).toBe("COMPLETE_PARTIALLED");
    expect(all.items.find((i) => i.sku === "DEMO-STAND-ALU")?.cancelledQuantity).toBe(1);
  });

  it("cancels before shipping starts and refuses once it is processing", async () => {
    await client.mcf.create(order("CANCEL-EARLY"));
    sim.sim.advance(15_000);
    await client.mcf.cancel("CANCEL-EARLY");
    await client.mcf.cancel("CANCEL-EARLY");
    const c = (await client.mcf.get("CANCEL-EARLY"))!;
    expect(c.status).toBe("CANCELLED");
    expect(c.items.every((i) => i.cancelledQuantity === i.quantity)).toBe(true);
    await client.mcf.create(order("CANCEL-LATE"));
    sim.sim.advance(35_000);
    await expect(client.mcf.cancel("CANCEL-LATE")).rejects.toMatchObject({
      message: expect.stringContaining("can no longer be cancelled"),
    });
  });

  it("takes a consumer return with an RMA, reports it Processed with its condition, and refuses items that did not ship", async () => {
    await client.mcf.create(order("RET-1"));
    sim.sim.advance(75_000);
    const o = (await client.mcf.get("RET-1"))!;
    const s = o.shipments.find((x) => x.items.some((i) => i.lineId === "10"))!;
    expect((await client.mcf.returnReasonCodes("DEMO-SPEAKER-BLK", { marketplaceId: US })).map((r) => r.code)).toContain("CR-DEFECTIVE");
    const r = await client.mcf.createReturn("RET-1", [
      { sellerReturnItemId: "RET-1-A", lineId: "10", amazonShipmentId: s.amazonShipmentId, returnReasonCode: "CR-DEFECTIVE" },
      { sellerReturnItemId: "RET-1-B", lineId: "20", amazonShipmentId: s.amazonShipmentId, returnReasonCode: "CR-DEFECTIVE" },
    ]);
    expect(r.returnItems.map((x) => [x.sellerReturnItemId, x.status])).toEqual([["RET-1-A", "New"]]);
    expect(r.invalidReturnItems.map((x) => [x.sellerReturnItemId, x.reasonCode])).toEqual([["RET-1-B", "NoCompletedShipItems"]]);
    expect(r.returnAuthorizations[0].amazonRmaId).toMatch(/RMA$/);
    sim.sim.advance(61_000);
    const back = (await client.mcf.get("RET-1"))!;
    expect(back.returns).toMatchObject([{ sellerReturnItemId: "RET-1-A", status: "Processed", receivedCondition: "Defective" }]);
  });

  it("serves the seeded MCF history: DEMO-MCF-1001 Complete with a processed return, DEMO-MCF-1002 CompletePartialled", async () => {
    const a = (await client.mcf.get("DEMO-MCF-1001"))!;
    expect(a.status).toBe("COMPLETE");
    expect(a.returns).toMatchObject([{ lineId: "1", status: "Processed", receivedCondition: "Defective" }]);
    const b = (await client.mcf.get("DEMO-MCF-1002"))!;
    expect(b.status).toBe("COMPLETE_PARTIALLED");
    expect((await client.mcf.listUpdatedSince(new Date(Date.now() - 30 * 86_400_000))).map((x) => x.sellerFulfillmentOrderId)).toEqual(
      expect.arrayContaining(["DEMO-MCF-1001", "DEMO-MCF-1002", "LIFE-1"]),
    );
  });

  it("speaks 2026-07-04 behind the same methods (created there, cancelled with 202, listed)", async () => {
    const c26 = clientFor(sim, { mcfApi: "2026-07-04" });
    await c26.mcf.create(order("V26-1"));
    await c26.mcf.create(order("V26-2"));
    await c26.mcf.cancel("V26-2");
    sim.sim.advance(75_000);
    expect((await c26.mcf.get("V26-1"))!.status).toBe("COMPLETE");
    expect((await client.mcf.get("V26-1"))!.displayableOrderId).toBe("V26-1");
    expect((await c26.mcf.get("V26-2"))!.status).toBe("CANCELLED");
    const pkg = (await c26.mcf.get("V26-1"))!.shipments[0].packages[0];
    expect((await c26.mcf.tracking({ ...pkg, sellerFulfillmentOrderId: "V26-1" }))!.status).toBe("IN_TRANSIT");
    const listed = await c26.mcf.listUpdatedSince(new Date(Date.now() - 86_400_000));
    expect(listed.find((x) => x.sellerFulfillmentOrderId === "V26-1")?.rawStatus).toBe("COMPLETE");
    expect(sim.sim.requestCounts().counts.mcfCreateOrder2026).toBe(2);
  });

  it("can be seeded, forced and inspected through /_control/mcf", async () => {
    const seeded = await control(sim, "POST", "/_control/mcf", {
      sellerFulfillmentOrderId: "CTRL-1",
      items: [{ sku: "DEMO-MOUSE-WL", quantity: 1 }],
      ageMs: 3_600_000,
    });
    expect(seeded.status).toBe(201);
    expect(seeded.json.status).toBe("Complete");
    await client.mcf.create(order("CTRL-2"));
    const forced = await control(sim, "POST", "/_control/mcf/CTRL-2/status", { status: "Invalid" });
    expect(forced.json.status).toBe("Invalid");
    expect((await client.mcf.get("CTRL-2"))!.status).toBe("INVALID");
    const list = await control(sim, "GET", "/_control/mcf?id=CTRL-2");
    expect(list.json.orders[0].notifications).toContain("status:Invalid");
    expect((await control(sim, "POST", "/_control/mcf/CTRL-9/status", { status: "Invalid" })).status).toBe(400);
  });
});
