import { describe, expect, it } from "vitest";
import { handleFulfillmentRequest } from "../../../src/flows/fulfillment/handle-request";
import { catchUpFulfillment, monitorMcfOrders } from "../../../src/flows/fulfillment/safety-nets";
import { sendToMcf } from "../../../src/flows/fulfillment/send-to-mcf";
import { fulfillmentOrder, requestMcf } from "../../../src/flows/fulfillment/status-api";
import { syncMcfOrder } from "../../../src/flows/fulfillment/sync-mcf-order";
import { UnavailableError, ValidationError } from "../../../src/platform/errors";
import { listParked } from "../../../src/platform/parked-messages";
import { aHeader, aLine, deps as makeDeps } from "./fakes";

const ID = "USMF-SO-1";
const ORDER = { company: "usmf", salesOrderNumber: "SO-1" };

function setup() {
  const t = makeDeps();
  t.d365.add(aHeader(), [aLine(), aLine({ lotId: "LOT-2", itemNumber: "D0002", quantity: 1, lineNumber: 2 })]);
  const send = (o: { force?: boolean; holder?: string } = {}) =>
    t.d365.getOrder("usmf", "SO-1").then((h) => sendToMcf({ ...ORDER, ...o }, h, t.deps));
  const sync = (trigger: "amazon" | "d365" | "monitor" = "amazon") => syncMcfOrder({ sellerFulfillmentOrderId: ID, trigger }, t.deps);
  return { ...t, send, sync };
}

describe("sending a D365 order to MCF", () => {
  it("previews, then creates it once under the derived id; later triggers create nothing", async () => {
    const t = setup();
    expect(await t.send()).toEqual({ outcome: "sent", sellerFulfillmentOrderId: ID });
    expect(await t.send()).toEqual({ outcome: "already-sent", sellerFulfillmentOrderId: ID });
    expect(t.amazon.calls).toEqual({ preview: 1, create: 1 });
    expect(t.amazon.requests.get(ID)?.items).toHaveLength(2);
    expect((await t.deps.records.get(ID))?.status).toBe("sent");
  });

  it("after a crash between Amazon's answer and the record, looks the id up and never creates twice", async () => {
    const t = setup();
    t.amazon.failCreate = { error: new Error("worker died"), afterStore: true };
    await expect(t.send()).rejects.toThrow("worker died");
    expect((await t.deps.records.get(ID))?.status).toBe("creating");
    expect(await t.send()).toMatchObject({ outcome: "recovered" });
    expect(t.amazon.calls.create).toBe(1);
    expect((await t.deps.records.get(ID))?.status).toBe("sent");
  });

  it("counts Amazon's 'exists already' as created (the record was lost, say)", async () => {
    const t = setup();
    t.amazon.failCreate = { error: new UnavailableError("spapi.timeout", "timed out"), afterStore: true };
    await expect(t.send()).rejects.toThrow("timed out");
    // The record says creating; Amazon answers 404 to the look-up here (eventual consistency), then "exists".
    const get = t.amazon.get.bind(t.amazon);
    let first = true;
    t.amazon.get = async (id) => {
      if (!first) return get(id);
      first = false;
      return undefined;
    };
    expect(await t.send()).toMatchObject({ outcome: "sent" });
    expect(t.amazon.requests.size).toBe(1);
  });

  it("waits for an order that is not confirmed, and does not send an order the mapping does not select", async () => {
    const t = setup();
    t.d365.headers.set("SO-1", aHeader({ processingStatus: "Active" }));
    expect(await t.send()).toMatchObject({ outcome: "waiting", reason: expect.stringContaining("Confirmed") });
    t.d365.headers.set("SO-1", aHeader({ deliveryModeCode: "UPS", warehouseId: "11" }));
    expect(await t.send()).toMatchObject({ outcome: "not-eligible" });
    expect(t.amazon.calls).toEqual({});
  });

  it("makes a review item of an address Amazon cannot ship to, with Amazon's reason, and does not loop", async () => {
    const t = setup();
    t.amazon.preview_ = {
      shippingSpeed: "Standard",
      fulfillable: false,
      orderUnfulfillableReasons: ["InvalidDestinationAddress"],
      unfulfillableItems: [],
    };
    expect(await t.send()).toMatchObject({ outcome: "needs-attention", code: "mcf.previewUnfulfillable" });
    const parked = await listParked(t.state, { queue: "fulfillment-requests" });
    expect(parked).toEqual([
      expect.objectContaining({ messageId: `mcf:${ID}`, reason: "amazon-cannot-fulfil", body: expect.objectContaining({ force: true }) }),
    ]);
    expect(parked[0]!.description).toContain("InvalidDestinationAddress");
    // Every other trigger leaves it alone until the replay.
    expect(await t.send()).toMatchObject({ outcome: "needs-attention" });
    expect(t.amazon.calls).toEqual({ preview: 1 });
    // The address was fixed in D365; the replay sends it and closes the review item.
    t.amazon.preview_ = undefined;
    expect(await t.send({ force: true })).toMatchObject({ outcome: "sent" });
    expect(await listParked(t.state, { queue: "fulfillment-requests" })).toEqual([]);
  });

  it("sends nothing for an item without SKU, and Amazon refusing the order is a review item too", async () => {
    const t = setup();
    t.d365.lines.set("SO-1", [aLine({ itemNumber: "NOPE" })]);
    expect(await t.send()).toMatchObject({ outcome: "needs-attention", code: "mapping.itemWithoutSku" });
    expect(t.amazon.calls).toEqual({});
    t.d365.lines.set("SO-1", [aLine()]);
    t.amazon.failCreate = { error: new ValidationError("spapi.validation", "Invalid destinationAddress."), afterStore: false };
    expect(await t.send({ force: true })).toMatchObject({ outcome: "needs-attention", code: "mcf.refused" });
  });

  it("lets only one worker at a time handle an order; a busy order comes back as a scheduled request", async () => {
    const t = setup();
    await t.deps.records.begin(ID, ORDER, 60_000, "worker-A");
    const out = await handleFulfillmentRequest(
      { kind: "order", ...ORDER, intent: "mcf", source: "business-event" },
      { messageId: "event:E1" },
      t.deps,
    );
    expect(out.deferredUntil).toBeDefined();
    expect(t.bus.sent).toEqual([
      expect.objectContaining({
        message: expect.objectContaining({ messageId: "later1:event:E1", scheduledEnqueueTime: expect.any(Date) }),
      }),
    ]);
    expect(t.amazon.calls).toEqual({});
  });
});

describe("following an MCF order Amazon has", () => {
  async function shipped() {
    const t = setup();
    await t.send();
    t.amazon.ship(ID, ["UPS", "AMZN_US"]);
    return t;
  }

  it("asks D365 to deliver what Amazon shipped, then puts each package's tracking on the packing slip D365 posted", async () => {
    const t = await shipped();
    expect(await t.sync("amazon")).toMatchObject({ outcome: "synced", status: "shipping", packages: 2, trackingWritten: 0 });
    expect(t.d365.deliverNow).toEqual([
      {
        so: "SO-1",
        lines: [
          { lotId: "LOT-1", quantity: 2 },
          { lotId: "LOT-2", quantity: 1 },
        ],
      },
    ]);
    t.d365.postDeliverNow("SO-1", "PS-1");
    expect(await t.sync("d365")).toMatchObject({ trackingWritten: 2 });
    expect(t.d365.tracking.map((x) => [x.row.packingSlipNumber, x.row.trackingNumber, x.row.trackingUrl])).toEqual([
      ["PS-1", "TRK1", "https://ups.example/track/TRK1"],
      ["PS-1", "TRK2", undefined],
    ]);
    // The only mapped D365 carrier is put on the order header.
    expect(t.d365.carriers).toEqual([{ so: "SO-1", carrier: "AMZL" }]);
    // A later notification writes nothing twice.
    await t.sync("amazon");
    expect(t.d365.tracking).toHaveLength(2);
    expect(t.d365.deliverNow).toHaveLength(1);
  });

  it("a notification that says what the record knows already costs no call (the burst after the last shipment)", async () => {
    const t = await shipped();
    await t.sync("amazon");
    const before = t.amazon.calls.get;
    expect(
      await syncMcfOrder({ sellerFulfillmentOrderId: ID, trigger: "amazon", notification: { amazonShipmentId: "SH2" } }, t.deps),
    ).toMatchObject({
      outcome: "known",
    });
    expect(
      await syncMcfOrder({ sellerFulfillmentOrderId: ID, trigger: "amazon", notification: { finalStatus: "COMPLETE" } }, t.deps),
    ).toMatchObject({
      outcome: "known",
    });
    expect(t.amazon.calls.get).toBe(before);
  });

  it("is complete once every package is delivered and in D365; the view shows carrier and tracking per package", async () => {
    const t = await shipped();
    await t.sync("amazon");
    t.d365.postDeliverNow("SO-1", "PS-1");
    t.amazon.tracking_ = { "100": { status: "DELIVERED" }, "101": { status: "DELIVERED" } };
    expect(await t.sync("monitor")).toMatchObject({ status: "complete" });
    const view = await fulfillmentOrder(t.deps.records, "usmf", "SO-1");
    expect(view).toMatchObject({
      salesOrderNumber: "SO-1",
      dataAreaId: "usmf",
      sellerFulfillmentOrderId: ID,
      status: "complete",
      lastError: null,
      shipments: [
        { carrier: "UPS", trackingNumber: "TRK1", packingSlipNumber: "PS-1", lines: [{ itemNumber: "D0001", quantity: 2 }] },
        { carrier: "Amazon Logistics", trackingNumber: "TRK2", packingSlipNumber: "PS-1", lines: [{ itemNumber: "D0002", quantity: 1 }] },
      ],
    });
    expect(await t.deps.records.open()).toEqual([]);
  });

  it("cancels at Amazon when the D365 order was canceled before anything shipped", async () => {
    const t = setup();
    await t.send();
    t.d365.headers.set("SO-1", aHeader({ status: "Canceled" }));
    expect(await t.sync("amazon")).toMatchObject({ status: "sent" });
    expect(t.amazon.calls.cancel).toBeUndefined();
    expect(await t.sync("d365")).toMatchObject({ cancelRequested: true });
    expect(await t.sync("monitor")).toMatchObject({ status: "cancelled", amazonStatus: "CANCELLED" });
    expect(await listParked(t.state, { queue: "fulfillment-requests" })).toEqual([]);
  });

  it("makes a review item when the D365 cancel comes too late", async () => {
    const t = setup();
    await t.send();
    t.d365.headers.set("SO-1", aHeader({ status: "Canceled" }));
    t.amazon.failCancel = new ValidationError("spapi.validation", "can no longer be cancelled");
    await t.sync("d365");
    const parked = await listParked(t.state, { queue: "fulfillment-requests" });
    expect(parked[0]?.code).toBe("mcf.cancelTooLate");
  });

  it("flags the D365 order and makes a review item when Amazon cannot fulfil it", async () => {
    const t = setup();
    await t.send();
    t.amazon.orders.get(ID)!.status = "UNFULFILLABLE";
    t.amazon.orders.get(ID)!.items[0]!.unfulfillableQuantity = 2;
    expect(await t.sync("amazon")).toMatchObject({ status: "needs-attention" });
    expect(t.d365.stopped).toEqual(["SO-1"]);
    const parked = await listParked(t.state, { queue: "fulfillment-requests" });
    expect(parked[0]).toMatchObject({ code: "mcf.notFulfilled", reason: "amazon-cannot-fulfil" });
    expect(parked[0]!.description).toContain("SKU-1 x 2");
    expect(await t.deps.records.open()).toEqual([]);
  });
});

describe("the safety nets and the HTTP request", () => {
  it("the catch-up enqueues ready MCF orders Amazon lacks, not those it has", async () => {
    const t = setup();
    t.d365.add(aHeader({ salesOrderNumber: "SO-2" }), [aLine()]);
    await t.send();
    const r = await catchUpFulfillment({ ...t.deps, queue: "q" });
    expect(r.mcf).toEqual({ candidates: 2, enqueued: 1 });
    expect(t.bus.sent.map((s) => s.message.body)).toEqual([
      expect.objectContaining({ salesOrderNumber: "SO-2", intent: "mcf", source: "catch-up" }),
    ]);
  });

  it("the monitor enqueues the open orders that changed at Amazon or are due, waiting longer while nothing changes", async () => {
    const t = setup();
    await t.send();
    const monitor = () => monitorMcfOrders({ ...t.deps, queue: "q" });
    expect(await monitor()).toMatchObject({ enqueued: 0 });
    t.amazon.orders.get(ID)!.status = "PLANNING";
    expect(await monitor()).toMatchObject({ enqueued: 1, changedAtAmazon: 1 });
    expect(t.bus.sent[0]?.message.body).toEqual({ kind: "mcf-sync", sellerFulfillmentOrderId: ID, source: "monitor" });
    await t.sync("monitor"); // a change: the next look in a minute
    t.clock.advance(61_000);
    expect(await monitor()).toMatchObject({ enqueued: 1, due: 1 });
    await t.sync("monitor"); // no change: two minutes
    t.clock.advance(61_000);
    expect(await monitor()).toMatchObject({ enqueued: 0 });
    t.clock.advance(60_000);
    expect(await monitor()).toMatchObject({ enqueued: 1, due: 1 });
  });

  it("an HTTP request records the order as asked for and queues it; the status view says pending", async () => {
    const t = setup();
    const r = await requestMcf(ORDER, { ...t.deps });
    expect(r.view).toMatchObject({ status: "queued", pending: true, sellerFulfillmentOrderId: ID });
    expect(t.bus.sent[0]?.message.body).toMatchObject({ kind: "order", intent: "mcf", source: "http", force: true });
    await handleFulfillmentRequest(t.bus.sent[0]!.message.body as never, { messageId: "m1" }, t.deps);
    expect(await fulfillmentOrder(t.deps.records, "usmf", "SO-1")).toMatchObject({ status: "sent", pending: false });
  });
});
