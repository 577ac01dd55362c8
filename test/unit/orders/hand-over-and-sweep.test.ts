/**
 * Nothing handed over for import is lost: the catch-up records its orders before it moves the watermark,
 * a lost message is re-enqueued by the sweeper, a big catch-up goes in bulk, and notifications for another
 * seller or marketplace are dropped.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { CATCHUP_FLOW, catchUpOrders, type CatchUpDeps } from "../../../src/flows/orders/catch-up";
import { BULK_CONTAINER } from "../../../src/flows/orders/hand-over";
import { importOrder, type ImportOrderDeps } from "../../../src/flows/orders/import-order";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { enqueueOrderChange, OrderImportQueueMessage } from "../../../src/flows/orders/messages";
import { sweepOrders } from "../../../src/flows/orders/sweep";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { getWatermark } from "../../../src/platform/run-records";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { anAmazonOrder, anOrderItem, FakeAmazon, FakeD365, testMappings, US } from "./builders";

/** A bus that can lose what it is given (a crash before it persisted, a purged dead-letter). */
class LossyBus implements MessageBus {
  readonly sent: OutgoingMessage[] = [];
  lose = false;
  failNext = false;
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("bus unavailable");
    }
    if (!this.lose) this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

const NOW = new Date("2026-11-20T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

let amazon: FakeAmazon;
let d365: FakeD365;
let bus: LossyBus;
let state: MemoryStateStore;
let blobs: MemoryBlobStore;
let clock: ManualClock;
let ledger: StateOrderLedger;
let deps: CatchUpDeps;
let importDeps: ImportOrderDeps;
const opts = { marketplaceIds: [US], overlapMinutes: 10, initialLookbackDays: 1 };

beforeEach(() => {
  amazon = new FakeAmazon();
  d365 = new FakeD365();
  bus = new LossyBus();
  state = new MemoryStateStore();
  blobs = new MemoryBlobStore();
  clock = new ManualClock(NOW);
  ledger = new StateOrderLedger(state, "orderledger", () => clock.now());
  const telemetry = new MemoryTelemetry();
  deps = { amazon, ledger, bus, queue: "order-import", state, blobs, clock, telemetry };
  importDeps = { amazon, d365, ledger, mappings: testMappings(), clock, telemetry };
});

/** Delivers what the bus holds to importOrder, as the order-import function would. */
async function deliverAll() {
  for (const m of bus.sent.splice(0)) {
    const body = OrderImportQueueMessage.parse(m.body);
    if ("bulk" in body) throw new Error("bulk messages are delivered by the bulk tests");
    await importOrder({ ...body, holder: m.messageId }, importDeps);
  }
}

describe("the catch-up hands its orders over durably", () => {
  it("records every order in the ledger's hand-overs before the watermark moves", async () => {
    const a = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    await catchUpOrders(opts, deps);
    expect(await ledger.handOverOf(a.amazonOrderId)).toMatchObject({ lastUpdate: a.lastUpdate, source: "catch-up" });
    expect(await getWatermark(state, CATCHUP_FLOW, US)).toBeDefined();
  });

  it("does not move the watermark when the messages could not be sent", async () => {
    amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    bus.failNext = true;
    const [r] = await catchUpOrders(opts, deps);
    expect(r.ok).toBe(false);
    expect(await getWatermark(state, CATCHUP_FLOW, US)).toBeUndefined();
  });

  it("a message lost after the watermark moved is re-enqueued by the sweeper and the order imported", async () => {
    const a = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    bus.lose = true;
    await catchUpOrders(opts, deps);
    bus.lose = false;
    expect(bus.sent).toHaveLength(0);
    // Not yet stale: a sweep right away leaves it to its message.
    expect((await sweepOrders({ staleAfterMs: 30 * 60_000 }, { ...deps, ledger })).reEnqueued).toBe(0);
    clock.advance(31 * 60_000);
    const swept = await sweepOrders({ staleAfterMs: 30 * 60_000 }, { ...deps, ledger });
    expect(swept.reEnqueued).toBe(1);
    expect(bus.sent[0].messageId).toMatch(new RegExp(`^${a.amazonOrderId}#sweep@`));
    await deliverAll();
    expect(d365.byReference(a.amazonOrderId)).toHaveLength(1);
    expect(await ledger.handOverOf(a.amazonOrderId)).toBeUndefined();
    // Applied: the next sweep finds nothing to do.
    expect((await sweepOrders({ staleAfterMs: 0 }, { ...deps, ledger })).reEnqueued).toBe(0);
  });

  it("the catch-up sweeps first, so a run also recovers what earlier runs lost", async () => {
    const a = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    bus.lose = true;
    await catchUpOrders(opts, deps);
    bus.lose = false;
    clock.advance(5 * 60_000);
    await catchUpOrders({ ...opts, sweep: { staleAfterMs: 0 } }, deps);
    expect(bus.sent.map((m) => m.messageId)).toEqual([expect.stringMatching(new RegExp(`^${a.amazonOrderId}#sweep@`))]);
  });
});

describe("the sweeper", () => {
  it("completes a D365 order left with a header and no lines once its worker is gone", async () => {
    const a = amazon.put(anAmazonOrder(), [anOrderItem(), anOrderItem({ sku: "SKU-B" })]);
    d365.faults.fail("createLines", new Error("process died"));
    await expect(importOrder({ amazonOrderId: a.amazonOrderId, holder: "msg-1" }, importDeps)).rejects.toThrow("process died");
    expect(d365.byReference(a.amazonOrderId)[0].lines).toHaveLength(0);
    // The message is gone (purged); nothing else will come for this order.
    clock.advance(2 * 60_000);
    expect((await sweepOrders({ staleAfterMs: 60_000 }, { ...deps, ledger })).reEnqueued).toBe(1);
    await deliverAll();
    expect(d365.byReference(a.amazonOrderId)).toHaveLength(1);
    expect(d365.byReference(a.amazonOrderId)[0].lines).toHaveLength(2);
  });

  it("leaves an order whose lease is live, and an order parked for a person", async () => {
    const busy = amazon.put(anAmazonOrder(), [anOrderItem()]);
    await ledger.begin(busy.amazonOrderId, clock.now(), 10 * 60_000, "worker");
    const gap = amazon.put(anAmazonOrder(), [anOrderItem({ sku: "NOT-MAPPED" })]);
    await expect(importOrder({ amazonOrderId: gap.amazonOrderId }, importDeps)).rejects.toMatchObject({ code: "mapping.unknownSku" });
    clock.advance(60_000);
    const r = await sweepOrders({ staleAfterMs: 0 }, { ...deps, ledger });
    expect(r).toMatchObject({ reEnqueued: 0, busy: 1, parked: 1 });
    expect(await ledger.handOverOf(gap.amazonOrderId)).toBeUndefined();
  });

  it("a sweep of the same unchanged row has the same message id (a duplicate), after a new attempt a new one", async () => {
    const a = amazon.put(anAmazonOrder(), [anOrderItem()]);
    await ledger.handOver([{ amazonOrderId: a.amazonOrderId, lastUpdate: a.lastUpdate, source: "catch-up" }], clock.now());
    await sweepOrders({ staleAfterMs: 0 }, { ...deps, ledger });
    await sweepOrders({ staleAfterMs: 0 }, { ...deps, ledger });
    expect(new Set(bus.sent.map((m) => m.messageId)).size).toBe(1);
    const firstId = bus.sent[0].messageId;
    d365.faults.fail("find", new Error("down"));
    bus.sent.length = 0;
    clock.advance(1000);
    await expect(importOrder({ amazonOrderId: a.amazonOrderId }, importDeps)).rejects.toThrow("down");
    clock.advance(1000);
    await sweepOrders({ staleAfterMs: 0 }, { ...deps, ledger });
    expect(bus.sent.map((m) => m.messageId)).toEqual([expect.stringMatching(new RegExp(`^${a.amazonOrderId}#sweep@`))]);
    expect(bus.sent[0].messageId).not.toBe(firstId);
  });
});

describe("a catch-up that finds many orders hands them over in bulk", () => {
  it("sends one bulk message per group, its orders in a blob, and single messages below the minimum", async () => {
    for (let i = 0; i < 25; i++) amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30 + i) }), [anOrderItem()]);
    const [r] = await catchUpOrders({ ...opts, bulk: { minOrders: 20, groupSize: 10 } }, deps);
    expect(r.handedOver).toEqual({ singles: 0, bulks: 3, inBulk: 25 });
    const body = OrderImportQueueMessage.parse(bus.sent[0].messageId.startsWith("bulk#") ? bus.sent[0].body : undefined);
    expect("bulk" in body && body.bulk.container).toBe(BULK_CONTAINER);
    const stored = JSON.parse(new TextDecoder().decode(await blobs.get(BULK_CONTAINER, (body as { bulk: { name: string } }).bulk.name)));
    expect(stored.orders).toHaveLength(10);
    // Each order travels with its listing row, but without the buyer's city or postal code.
    expect(stored.orders[0].known.order.shippingAddress).toEqual({ countryCode: "US", stateOrRegion: "Washington" });

    bus.sent.length = 0;
    const small = new FakeAmazon();
    for (let i = 0; i < 5; i++) small.put(anAmazonOrder({ lastUpdate: minutesAgo(30 + i) }), [anOrderItem()]);
    const [s] = await catchUpOrders(
      { ...opts, bulk: { minOrders: 20, groupSize: 10 } },
      { ...deps, amazon: small, state: new MemoryStateStore() },
    );
    expect(s.handedOver).toEqual({ singles: 5, bulks: 0, inBulk: 0 });
  });
});

describe("ORDER_CHANGE notifications", () => {
  const change = (o: { sellerId?: string; marketplaceId?: string } = {}) => ({
    amazonOrderId: "113-1234567-1234567",
    changedAt: "2026-11-20T10:00:00Z",
    marketplaceId: o.marketplaceId ?? US,
    sellerId: o.sellerId ?? "A2DEMOSELLER01",
    summary: { status: "Unshipped" as const, fulfillmentChannel: "AFN" as const, purchaseDate: "2026-11-20T09:00:00Z" },
  });
  const d = () => ({
    bus,
    queue: "order-import",
    ledger,
    clock,
    telemetry: new MemoryTelemetry(),
    sellerId: "A2DEMOSELLER01",
    marketplaceIds: [US],
  });

  it("for another seller or a marketplace the app does not work in are dropped: no message, no hand-over", async () => {
    expect(await enqueueOrderChange(change({ sellerId: "AOTHERSELLER" }), "n-1", d())).toMatchObject({ dropped: "other-seller" });
    expect(await enqueueOrderChange(change({ marketplaceId: "A1VC38T7YXB528" }), "n-2", d())).toMatchObject({
      dropped: "other-marketplace",
    });
    expect(bus.sent).toEqual([]);
    expect(await ledger.handOverOf("113-1234567-1234567")).toBeUndefined();
  });

  it("are recorded as handed over and enqueued with their summary, under <order>@<time>", async () => {
    const out = await enqueueOrderChange(change(), "n-3", d());
    expect(out).toEqual({ messageId: "113-1234567-1234567@2026-11-20T10:00:00Z" });
    expect(bus.sent[0].body).toMatchObject({ known: { from: "notification", order: { status: "Unshipped", fulfillmentChannel: "AFN" } } });
    expect(await ledger.handOverOf("113-1234567-1234567")).toMatchObject({ lastUpdate: "2026-11-20T10:00:00Z", source: "notification" });
  });
});
