/**
 * importOrdersInBulk: a group of waiting orders written to D365 with three requests, exactly once, through
 * refused parts, parts D365 never ran, and crashes in the middle.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { KnownOrder } from "../../../src/flows/orders/amazon-order";
import type { ImportOrderCommand } from "../../../src/flows/orders/import-order";
import { type BulkImportDeps, importOrdersInBulk } from "../../../src/flows/orders/import-orders-bulk";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { ManualClock } from "../../../src/platform/clock";
import type { AppError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { anAmazonOrder, anOrderItem, FakeAmazon, FakeD365, testMappings } from "./builders";

let amazon: FakeAmazon;
let d365: FakeD365;
let ledger: StateOrderLedger;
let clock: ManualClock;
let parked: { order: ImportOrderCommand; err: AppError }[];
let deps: BulkImportDeps;

beforeEach(() => {
  amazon = new FakeAmazon();
  d365 = new FakeD365();
  clock = new ManualClock(new Date("2026-11-20T12:00:00Z"));
  ledger = new StateOrderLedger(new MemoryStateStore(), "orderledger", () => clock.now());
  parked = [];
  deps = {
    amazon,
    d365,
    ledger,
    mappings: testMappings(),
    clock,
    telemetry: new MemoryTelemetry(),
    park: async (order, err) => {
      parked.push({ order, err });
    },
  };
});

/** `n` listed orders (as the catch-up hands them over), each with 1-3 lines. */
function listedOrders(n: number): ImportOrderCommand[] {
  return Array.from({ length: n }, (_, i) => {
    const order = anAmazonOrder();
    const items = Array.from({ length: 1 + (i % 3) }, (_, l) =>
      anOrderItem({ orderItemId: `OI-${i}-${l}`, sku: l % 2 ? "SKU-B" : "SKU-A" }),
    );
    amazon.put(order, items);
    const known: KnownOrder = { from: "listing", order: structuredClone(order) };
    return { amazonOrderId: order.amazonOrderId, lastUpdate: order.lastUpdate, known, source: "catch-up" };
  });
}

function expectExactlyOnce(orders: ImportOrderCommand[]) {
  for (const o of orders) {
    const so = d365.byReference(o.amazonOrderId);
    expect(so, o.amazonOrderId).toHaveLength(1);
    const items = amazon.orders.get(o.amazonOrderId)!.items;
    expect(so[0].lines.map((l) => l.key).sort()).toEqual(items.map((i) => i.orderItemId).sort());
  }
}

const requests = () => ({
  lookUps: d365.faults.count("findMany"),
  headers: d365.faults.count("createHeaders"),
  lineLookUps: d365.faults.count("listLinesMany"),
  lines: d365.faults.count("createLinesMany"),
  single: d365.faults.count("find") + d365.faults.count("createHeader") + d365.faults.count("createLines"),
});

describe("a bulk import of waiting orders", () => {
  it("writes 100 orders with three D365 requests and one SP-API call per order (the items)", async () => {
    const orders = listedOrders(100);
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ orders: 100, created: 100, parked: 0, retry: 0 });
    expect(requests()).toEqual({ lookUps: 1, headers: 1, lineLookUps: 0, lines: 1, single: 0 });
    expect(amazon.faults.count("getOrder")).toBe(0);
    expect(amazon.faults.count("getOrderItems")).toBe(100);
    expectExactlyOnce(orders);
    for (const o of orders) expect((await ledger.get(o.amazonOrderId))?.status).toBe("complete");
  });

  it("the same bulk again changes nothing and costs no call", async () => {
    const orders = listedOrders(10);
    await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    const before = d365.faults.count() + amazon.faults.count();
    const again = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(again).toMatchObject({ unchanged: 10, created: 0 });
    expect(d365.faults.count() + amazon.faults.count()).toBe(before);
  });

  it("a header D365 refuses is parked with D365's own message; D365 ran nothing after it, and those go in the next round", async () => {
    const orders = listedOrders(10);
    d365.refuseHeaderOf.add(orders[3]!.amazonOrderId);
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ created: 9, parked: 1, retry: 0 });
    expect(parked.map((p) => [p.order.amazonOrderId, p.err.message])).toEqual([
      [orders[3]!.amazonOrderId, `Customer refused for ${orders[3]!.amazonOrderId}`],
    ]);
    expect((await ledger.get(orders[3]!.amazonOrderId))?.status).toBe("failed");
    expectExactlyOnce(orders.filter((_, i) => i !== 3));
    expect(requests().headers).toBe(2);
  });

  it("an order whose lines D365 refuses keeps its header, is parked, and the others get their lines", async () => {
    const orders = listedOrders(6);
    // The third order's lines are refused (an item D365 does not know), after its header was created.
    const real = d365.createHeaders.bind(d365);
    d365.createHeaders = async (h) => {
      const r = await real(h);
      const third = r[2];
      if (third?.ok) d365.refuseLinesOf.add(third.value.SalesOrderNumber);
      return r;
    };
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ created: 5, parked: 1 });
    expect((await ledger.get(orders[2]!.amazonOrderId))?.status).toBe("failed");
    expectExactlyOnce(orders.filter((_, i) => i !== 2));
  });

  it("an unmapped SKU parks that order only, before anything is written for it", async () => {
    const orders = listedOrders(5);
    const bad = amazon.orders.get(orders[1]!.amazonOrderId)!;
    bad.items.push(anOrderItem({ sku: "NOT-MAPPED" }));
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ created: 4, parked: 1 });
    expect(parked[0]!.err.code).toBe("mapping.unknownSku");
    expect(d365.byReference(orders[1]!.amazonOrderId)).toHaveLength(0);
    expect((await ledger.get(orders[1]!.amazonOrderId))?.status).toBe("needs-mapping");
  });

  it("leaves an order another worker holds to that worker", async () => {
    const orders = listedOrders(3);
    await ledger.begin(orders[0]!.amazonOrderId, clock.now(), 60_000, "notification-worker");
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ created: 2, busy: 1 });
    expect(d365.byReference(orders[0]!.amazonOrderId)).toHaveLength(0);
    // The holder sees the bulk's update among the hand-overs and applies it before it finishes.
    expect(await ledger.handOverOf(orders[0]!.amazonOrderId)).toBeDefined();
  });

  it("D365 unreachable: the message fails retryably, leases are released, nothing is half-recorded", async () => {
    const orders = listedOrders(4);
    d365.faults.fail("createHeaders", new (await import("../../../src/platform/errors")).UnavailableError("d365.unreachable", "no answer"));
    await expect(importOrdersInBulk({ orders, holder: "bulk#1" }, deps)).rejects.toMatchObject({ retryable: true });
    for (const o of orders) {
      const e = await ledger.get(o.amazonOrderId);
      expect(e?.status).toBe("retrying");
      expect(e?.leaseUntil).toBeUndefined();
    }
    const out = await importOrdersInBulk({ orders, holder: "bulk#1-retry" }, deps);
    expect(out.created).toBe(4);
    expectExactlyOnce(orders);
  });
});

describe("a crash in the middle of a bulk write resumes without duplicates", () => {
  it("after D365 committed the headers (the answer lost): the redelivery finds them and adds only the lines", async () => {
    const orders = listedOrders(30);
    d365.faults.fail("afterCreateHeaders", new Error("process killed"));
    await expect(importOrdersInBulk({ orders, holder: "bulk#1" }, deps)).rejects.toThrow("process killed");
    expect(d365.orders.size).toBe(30);
    expect([...d365.orders.values()].every((o) => o.lines.length === 0)).toBe(true);

    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ completed: 30, created: 0 });
    expectExactlyOnce(orders);
    expect(d365.orders.size).toBe(30);
    // The resume read the existing lines once, for the whole group.
    expect(requests().lineLookUps).toBe(1);
  });

  it("after D365 committed some orders' lines: the redelivery adds the lines that are missing, no more", async () => {
    const orders = listedOrders(20);
    // D365 ran the first 8 orders' change sets, then the connection broke.
    const real = d365.createLinesOfOrders.bind(d365);
    let first = true;
    d365.createLinesOfOrders = async (units) => {
      if (!first) return real(units);
      first = false;
      await real(units.slice(0, 8));
      throw new Error("socket hang up");
    };
    await expect(importOrdersInBulk({ orders, holder: "bulk#1" }, deps)).rejects.toThrow("socket hang up");
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    expect(out).toMatchObject({ completed: 12, unchanged: 8 });
    expectExactlyOnce(orders);
  });

  it("a process that died holding the leases: its redelivery (same message id) takes them over at once", async () => {
    const orders = listedOrders(10);
    // The first run never returns (the process is gone): its leases stay behind.
    let hang!: () => void;
    d365.createLinesOfOrders = () => new Promise((r) => (hang = () => r([])));
    const dead = importOrdersInBulk({ orders, holder: "bulk#1" }, deps);
    await new Promise((r) => setTimeout(r, 20));
    expect((await ledger.get(orders[0]!.amazonOrderId))?.leaseHolder).toBe("bulk#1");

    const fresh = new FakeD365();
    for (const [k, v] of d365.orders) fresh.orders.set(k, v);
    const out = await importOrdersInBulk({ orders, holder: "bulk#1" }, { ...deps, d365: fresh });
    expect(out).toMatchObject({ completed: 10 });
    const original = d365;
    d365 = fresh;
    expectExactlyOnce(orders);
    d365 = original;
    // (The dead run's promise is let go without writing anything more.)
    d365.createLinesOfOrders = async () => {
      throw new Error("the process is gone");
    };
    hang();
    await dead.catch(() => undefined);
    expectExactlyOnce(orders);
  });
});
