/**
 * What importOrder reads from Amazon and when: only what the message does not know, never a stale state over
 * a newer one, the lease kept while it waits, and the order read again when Amazon changed it meanwhile.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { KnownOrder } from "../../../src/flows/orders/amazon-order";
import { importOrder, type ImportOrderDeps } from "../../../src/flows/orders/import-order";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { anAmazonOrder, anOrderItem, FakeAmazon, FakeD365, testMappings } from "./builders";

let amazon: FakeAmazon;
let d365: FakeD365;
let ledger: StateOrderLedger;
let deps: ImportOrderDeps;
let clock: ManualClock;

beforeEach(() => {
  amazon = new FakeAmazon();
  d365 = new FakeD365();
  clock = new ManualClock(new Date("2026-11-20T12:00:00Z"));
  ledger = new StateOrderLedger(new MemoryStateStore(), "orderledger", () => clock.now());
  deps = { amazon, d365, ledger, mappings: testMappings(), clock, telemetry: new MemoryTelemetry() };
});

const calls = () => ({ getOrder: amazon.faults.count("getOrder"), getOrderItems: amazon.faults.count("getOrderItems") });

function listed(order = anAmazonOrder(), items = [anOrderItem({ orderItemId: "OI-1" })]) {
  amazon.put(order, items);
  const known: KnownOrder = { from: "listing", order: structuredClone(order) };
  return { order, items, known };
}

describe("importOrder reads from Amazon only what the message does not know", () => {
  it("a catch-up message (a getOrders row) costs one call: the items", async () => {
    const { order, known } = listed();
    const out = await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: order.lastUpdate, known }, deps);
    expect(out.outcome).toBe("created");
    expect(calls()).toEqual({ getOrder: 0, getOrderItems: 1 });
  });

  it("a searchOrders row with its items costs no call at all", async () => {
    const { order, items, known } = listed();
    await importOrder({ amazonOrderId: order.amazonOrderId, known: { ...known, items } }, deps);
    expect(calls()).toEqual({ getOrder: 0, getOrderItems: 0 });
    expect(d365.byReference(order.amazonOrderId)[0].lines).toHaveLength(1);
  });

  it("a notification that the order is Pending, or that a complete order shipped, costs no call", async () => {
    const pending = anAmazonOrder({ status: "Pending" });
    amazon.put(pending, []);
    const summary = (o: typeof pending): KnownOrder => ({
      from: "notification",
      order: { ...o, salesChannel: undefined, shippingAddress: undefined },
    });
    expect((await importOrder({ amazonOrderId: pending.amazonOrderId, known: summary(pending) }, deps)).outcome).toBe("waiting");
    expect(calls()).toEqual({ getOrder: 0, getOrderItems: 0 });

    const { order, known } = listed();
    await importOrder({ amazonOrderId: order.amazonOrderId, known }, deps);
    const shipped = { ...order, status: "Shipped" as const, lastUpdate: "2026-11-21T09:00:00Z" };
    amazon.put(shipped, []);
    const before = calls();
    expect((await importOrder({ amazonOrderId: order.amazonOrderId, known: summary(shipped) }, deps)).outcome).toBe("updated");
    expect(calls()).toEqual(before);
    expect((await ledger.get(order.amazonOrderId))?.amazonStatus).toBe("Shipped");
  });

  it("a notification that would create the order reads it (the summary has no sales channel and no ship-to country)", async () => {
    const mcf = anAmazonOrder({ salesChannel: "Non-Amazon" });
    amazon.put(mcf, [anOrderItem()]);
    const summary: KnownOrder = { from: "notification", order: { ...mcf, salesChannel: undefined, shippingAddress: undefined } };
    expect((await importOrder({ amazonOrderId: mcf.amazonOrderId, known: summary }, deps)).outcome).toBe("skipped");
    expect(calls()).toEqual({ getOrder: 1, getOrderItems: 0 });
    expect(d365.faults.count()).toBe(0);
  });

  it("a stale message never overwrites a newer status: an Unshipped row after the cancellation was applied creates nothing", async () => {
    const { order, known } = listed();
    const canceled = { ...order, status: "Canceled" as const, lastUpdate: "2026-11-21T00:00:00Z" };
    amazon.put(canceled, []);
    expect((await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: canceled.lastUpdate }, deps)).outcome).toBe("canceled");
    // The catch-up's older copy arrives late.
    const late = await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: order.lastUpdate, known }, deps);
    expect(late.outcome).toBe("unchanged");
    expect(d365.byReference(order.amazonOrderId)).toHaveLength(0);
  });

  it("a stale known state is not used when the ledger applied a newer one that is not final: Amazon is read", async () => {
    const { order, known } = listed();
    const s = await ledger.begin(order.amazonOrderId, clock.now(), 1000);
    await s.fail(new Error("crashed"), { amazonLastUpdate: "2026-11-20T11:00:00Z" });
    const canceled = { ...order, status: "Canceled" as const, lastUpdate: "2026-11-20T11:00:00Z" };
    amazon.put(canceled, []);
    const out = await importOrder({ amazonOrderId: order.amazonOrderId, known }, deps);
    expect(out.outcome).toBe("canceled");
    expect(calls().getOrder).toBe(1);
  });
});

describe("the lease holder", () => {
  it("renews its lease while it waits (for SP-API quota), so another message cannot take the order", async () => {
    const { order, known } = listed();
    deps.leaseMs = 300;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = Object.assign(Object.create(Object.getPrototypeOf(amazon)), amazon) as FakeAmazon;
    slow.getOrderItems = async (id: string) => {
      await gate;
      return amazon.getOrderItems(id);
    };
    const holder = importOrder({ amazonOrderId: order.amazonOrderId, known, holder: "msg-1" }, { ...deps, amazon: slow });
    // Wait in real time past the lease; the ledger's clock moves with it.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 100));
      clock.advance(100);
    }
    const entry = await ledger.get(order.amazonOrderId);
    expect(Date.parse(entry!.leaseUntil!)).toBeGreaterThan(clock.now().getTime());
    const other = await importOrder({ amazonOrderId: order.amazonOrderId, holder: "msg-2" }, deps).catch((e) => e);
    expect(other).toMatchObject({ code: "order.busy", retryable: true });
    expect(other.retryAfterMs).toBeGreaterThan(0);
    release();
    expect((await holder).outcome).toBe("created");
    expect(d365.byReference(order.amazonOrderId)).toHaveLength(1);
  });

  it("re-reads the order before it finishes when a later Amazon update met its lease, so a cancellation mid-import is applied", async () => {
    const { order, known } = listed();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = Object.assign(Object.create(Object.getPrototypeOf(amazon)), amazon) as FakeAmazon;
    slow.getOrderItems = async (id: string) => {
      await gate;
      return amazon.getOrderItems(id);
    };
    const holder = importOrder({ amazonOrderId: order.amazonOrderId, known, holder: "msg-1" }, { ...deps, amazon: slow });
    await new Promise((r) => setTimeout(r, 20));
    // Amazon cancels; the cancellation's message meets the lease (and is retried later, or lost).
    const canceled = { ...order, status: "Canceled" as const, lastUpdate: "2026-11-20T10:30:00Z" };
    amazon.put(canceled, amazon.orders.get(order.amazonOrderId)!.items);
    const busy = await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: canceled.lastUpdate, holder: "msg-2" }, deps).catch(
      (e) => e,
    );
    expect(busy).toMatchObject({ code: "order.busy" });
    release();
    const out = await holder;
    expect(out.outcome).toBe("canceled");
    expect(d365.byReference(order.amazonOrderId)[0].header.SalesOrderStatus).toBe("Canceled");
    expect(await ledger.get(order.amazonOrderId)).toMatchObject({ status: "canceled", amazonLastUpdate: canceled.lastUpdate });
    // Applied: nothing is left open for the sweeper.
    expect(await ledger.handOverOf(order.amazonOrderId)).toBeUndefined();
  });

  it("flags a cancellation D365 cannot delete (partly delivered) instead of failing, with D365's reason", async () => {
    const { order, known } = listed();
    await importOrder({ amazonOrderId: order.amazonOrderId, known }, deps);
    d365.byReference(order.amazonOrderId)[0].header.SalesOrderStatus = "PartiallyDelivered";
    amazon.put({ ...order, status: "Canceled", lastUpdate: "2026-11-21T00:00:00Z" }, []);
    const out = await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: "2026-11-21T00:00:00Z" }, deps);
    expect(out.outcome).toBe("cancel-flagged");
    expect(await ledger.get(order.amazonOrderId)).toMatchObject({
      status: "cancel-flagged",
      lastError: expect.stringContaining("PartiallyDelivered"),
    });
  });
});
