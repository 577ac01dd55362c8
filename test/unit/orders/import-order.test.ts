import { beforeEach, describe, expect, it } from "vitest";
import { importOrder, type ImportOrderDeps } from "../../../src/flows/orders/import-order";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { ManualClock } from "../../../src/platform/clock";
import { MappingGapError, UnavailableError, isRetryable } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { anAmazonOrder, anOrderItem, d365Down, d365Throttled, FakeAmazon, FakeD365, spapiThrottled, testMappings } from "./builders";

let amazon: FakeAmazon;
let d365: FakeD365;
let ledger: StateOrderLedger;
let telemetry: MemoryTelemetry;
let deps: ImportOrderDeps;
let clock: ManualClock;

beforeEach(() => {
  amazon = new FakeAmazon();
  d365 = new FakeD365();
  const state = new MemoryStateStore();
  clock = new ManualClock(new Date("2026-11-20T12:00:00Z"));
  ledger = new StateOrderLedger(state, "orderledger", () => clock.now());
  telemetry = new MemoryTelemetry();
  deps = { amazon, d365, ledger, mappings: testMappings(), clock, telemetry };
});

/** Runs like the bus does: retry retryable errors until success (or a non-retryable error). */
async function deliver(cmd: Parameters<typeof importOrder>[0], max = 200) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await importOrder(cmd, deps);
    } catch (err) {
      if (!isRetryable(err) || attempt >= max) throw err;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

function twoItemOrder() {
  return amazon.put(anAmazonOrder(), [
    anOrderItem({ orderItemId: "OI-1" }),
    anOrderItem({ orderItemId: "OI-2", sku: "SKU-B", quantityOrdered: 2, itemPrice: { amount: "20.00", currency: "USD" } }),
  ]);
}

describe("importOrder", () => {
  it("creates one header and its lines, and records the sales order in the ledger", async () => {
    const order = twoItemOrder();
    const out = await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    expect(out).toMatchObject({ outcome: "created", linesCreated: 2 });
    const [so] = d365.byReference(order.amazonOrderId);
    expect(so.lines.map((l) => l.key)).toEqual(["OI-1", "OI-2"]);
    expect(await ledger.get(order.amazonOrderId)).toMatchObject({
      status: "complete",
      salesOrderNumber: so.header.SalesOrderNumber,
      amazonStatus: "Unshipped",
      amazonLastUpdate: order.lastUpdate,
      attempts: 1,
    });
    // 1 lookup + 1 header + 1 lines batch; no line listing for a header it just created.
    expect([
      d365.faults.count("find"),
      d365.faults.count("createHeader"),
      d365.faults.count("createLines"),
      d365.faults.count("listLines"),
    ]).toEqual([1, 1, 1, 0]);
    expect([amazon.faults.count("getOrder"), amazon.faults.count("getOrderItems")]).toEqual([1, 1]);
  });

  it("a duplicate notification changes nothing and calls neither Amazon nor D365", async () => {
    const order = twoItemOrder();
    await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: order.lastUpdate }, deps);
    const calls = d365.faults.count() + amazon.faults.count();
    const again = await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: order.lastUpdate }, deps);
    expect(again.outcome).toBe("unchanged");
    expect(d365.faults.count() + amazon.faults.count()).toBe(calls);
    expect(d365.byReference(order.amazonOrderId)).toHaveLength(1);
  });

  it("a second sync without a known update reads Amazon once but writes nothing to D365", async () => {
    const order = twoItemOrder();
    await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    const d365Calls = d365.faults.count();
    const again = await importOrder({ amazonOrderId: order.amazonOrderId, source: "sync" }, deps);
    expect(again.outcome).toBe("updated");
    expect(d365.faults.count()).toBe(d365Calls);
  });

  it("a crash between header and lines completes the missing lines on retry, never a second header", async () => {
    const order = twoItemOrder();
    d365.faults.fail("createLines", new Error("process crashed"));
    await expect(importOrder({ amazonOrderId: order.amazonOrderId }, deps)).rejects.toThrow("process crashed");
    expect(d365.byReference(order.amazonOrderId)[0].lines).toHaveLength(0);
    expect((await ledger.get(order.amazonOrderId))?.status).toBe("header-created");

    const out = await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    expect(out).toMatchObject({ outcome: "completed", linesCreated: 2 });
    expect(d365.byReference(order.amazonOrderId)).toHaveLength(1);
    expect(d365.byReference(order.amazonOrderId)[0].lines).toHaveLength(2);
  });

  it("a dropped connection after D365 committed the header finds the header by CustomersOrderReference", async () => {
    const order = twoItemOrder();
    d365.faults.fail("afterCreateHeader", new UnavailableError("d365.connectionReset", "socket hang up"));
    await expect(importOrder({ amazonOrderId: order.amazonOrderId }, deps)).rejects.toThrow("socket hang up");
    // The ledger never learned the number: the retry must find the header in D365.
    expect((await ledger.get(order.amazonOrderId))?.salesOrderNumber).toBeUndefined();
    const out = await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    expect(out.outcome).toBe("completed");
    expect(d365.byReference(order.amazonOrderId)).toHaveLength(1);
    expect(d365.byReference(order.amazonOrderId)[0].lines).toHaveLength(2);
  });

  it("a failed re-check keeps what the ledger knew (complete stays complete) and records the error", async () => {
    const order = twoItemOrder();
    await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    amazon.faults.fail("getOrder", spapiThrottled());
    await expect(importOrder({ amazonOrderId: order.amazonOrderId, force: true }, deps)).rejects.toMatchObject({ code: "spapi.throttled" });
    expect(await ledger.get(order.amazonOrderId)).toMatchObject({ status: "complete", lastErrorCode: "spapi.throttled" });
  });

  it("a $batch with a failed part adds only the lines that are missing", async () => {
    const order = amazon.put(
      anAmazonOrder(),
      [1, 2, 3].map((n) => anOrderItem({ orderItemId: `OI-${n}` })),
    );
    d365.partialLinesOnce = 1;
    await expect(importOrder({ amazonOrderId: order.amazonOrderId }, deps)).rejects.toThrow(/batch/);
    await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    expect(d365.byReference(order.amazonOrderId)[0].lines.map((l) => l.key)).toEqual(["OI-1", "OI-2", "OI-3"]);
  });

  it("D365 503 and 429 and SP-API 429 are retryable and end with exactly one order", async () => {
    const order = twoItemOrder();
    d365.faults.fail("find", d365Down(), 2);
    d365.faults.fail("createHeader", d365Throttled());
    d365.faults.fail("createLines", d365Throttled(), 2);
    amazon.faults.fail("getOrder", spapiThrottled());
    amazon.faults.fail("getOrderItems", spapiThrottled());
    const out = await deliver({ amazonOrderId: order.amazonOrderId });
    expect(["created", "completed"]).toContain(out.outcome);
    expect(d365.byReference(order.amazonOrderId)).toHaveLength(1);
    expect(d365.byReference(order.amazonOrderId)[0].lines).toHaveLength(2);
    expect((await ledger.get(order.amazonOrderId))?.attempts).toBeGreaterThan(1);
  });

  it("an unknown SKU creates nothing, marks the ledger needs-mapping and imports after the mapping is fixed", async () => {
    const order = amazon.put(anAmazonOrder(), [anOrderItem({ sku: "SKU-A" }), anOrderItem({ sku: "NEW-SKU" })]);
    const err = await importOrder({ amazonOrderId: order.amazonOrderId }, deps).catch((e) => e);
    expect(err).toBeInstanceOf(MappingGapError);
    expect(isRetryable(err)).toBe(false);
    expect(d365.faults.count("createHeader")).toBe(0);
    expect(await ledger.get(order.amazonOrderId)).toMatchObject({ status: "needs-mapping", lastErrorCode: "mapping.unknownSku" });
    expect(telemetry.events("order.needsMapping")[0].properties).toMatchObject({ amazonOrderId: order.amazonOrderId });

    deps.mappings = testMappings({ unmappedSku: "identity" });
    const out = await importOrder({ amazonOrderId: order.amazonOrderId, source: "replay" }, deps);
    expect(out.outcome).toBe("created");
    expect(await ledger.get(order.amazonOrderId)).toMatchObject({ status: "complete" });
    expect((await ledger.get(order.amazonOrderId))?.lastError).toBeUndefined();
  });

  it("a Pending order waits; once Unshipped it is created", async () => {
    const order = amazon.put(anAmazonOrder({ status: "Pending" }), [anOrderItem({ itemPrice: undefined })]);
    expect((await importOrder({ amazonOrderId: order.amazonOrderId }, deps)).outcome).toBe("waiting");
    expect(d365.faults.count()).toBe(0);
    expect(amazon.faults.count("getOrderItems")).toBe(0);
    amazon.put({ ...order, status: "Unshipped", lastUpdate: "2026-11-20T11:00:00Z" }, [anOrderItem()]);
    expect((await importOrder({ amazonOrderId: order.amazonOrderId, lastUpdate: "2026-11-20T11:00:00Z" }, deps)).outcome).toBe("created");
  });

  it("Canceled cancels an open D365 order and flags one that has shipped", async () => {
    const open = twoItemOrder();
    await importOrder({ amazonOrderId: open.amazonOrderId }, deps);
    amazon.put({ ...open, status: "Canceled", lastUpdate: "2026-11-21T00:00:00Z" }, []);
    expect((await importOrder({ amazonOrderId: open.amazonOrderId, lastUpdate: "2026-11-21T00:00:00Z" }, deps)).outcome).toBe("canceled");
    expect(d365.byReference(open.amazonOrderId)[0].header.SalesOrderStatus).toBe("Canceled");

    const shipped = twoItemOrder();
    await importOrder({ amazonOrderId: shipped.amazonOrderId }, deps);
    d365.byReference(shipped.amazonOrderId)[0].header.SalesOrderStatus = "Delivered";
    amazon.put({ ...shipped, status: "Canceled", lastUpdate: "2026-11-21T00:00:00Z" }, []);
    expect((await importOrder({ amazonOrderId: shipped.amazonOrderId }, deps)).outcome).toBe("cancel-flagged");
    expect(telemetry.events("order.cancelAfterShipment")).toHaveLength(1);
    expect((await ledger.get(shipped.amazonOrderId))?.status).toBe("cancel-flagged");
  });

  it("an order canceled before import never reaches D365", async () => {
    const order = amazon.put(anAmazonOrder({ status: "Canceled" }), []);
    expect((await importOrder({ amazonOrderId: order.amazonOrderId }, deps)).outcome).toBe("canceled");
    expect(d365.faults.count("createHeader")).toBe(0);
  });

  it("Multi-Channel Fulfillment orders are not imported back", async () => {
    const order = amazon.put(anAmazonOrder({ salesChannel: "Non-Amazon" }), [anOrderItem()]);
    expect((await importOrder({ amazonOrderId: order.amazonOrderId }, deps)).outcome).toBe("skipped");
    expect(d365.faults.count()).toBe(0);
  });

  it("two workers on the same order: the second backs off while the first holds the lease", async () => {
    const order = twoItemOrder();
    const session = await ledger.begin(order.amazonOrderId, clock.now(), 60_000);
    const err = await importOrder({ amazonOrderId: order.amazonOrderId }, deps).catch((e) => e);
    expect(err).toMatchObject({ code: "order.busy", retryable: true });
    await session.finish({ status: "new" });
    expect((await importOrder({ amazonOrderId: order.amazonOrderId }, deps)).outcome).toBe("created");
  });

  it("a worker that died holding the lease: the redelivery of its message takes over, another message waits", async () => {
    const order = twoItemOrder();
    await ledger.begin(order.amazonOrderId, clock.now(), 60_000, "msg-1"); // never finished: the process died
    const other = await importOrder({ amazonOrderId: order.amazonOrderId, holder: "msg-2" }, deps).catch((e) => e);
    expect(other).toMatchObject({ code: "order.busy" });
    expect((await importOrder({ amazonOrderId: order.amazonOrderId, holder: "msg-1" }, deps)).outcome).toBe("created");
    expect((await ledger.get(order.amazonOrderId))?.leaseHolder).toBeUndefined();
  });

  it("concurrent duplicate deliveries create exactly one order", async () => {
    const orders = Array.from({ length: 20 }, () => twoItemOrder());
    d365.faults.latencyMs = 3;
    amazon.faults.latencyMs = 3;
    await Promise.all(
      orders.flatMap((o) => [
        deliver({ amazonOrderId: o.amazonOrderId }),
        deliver({ amazonOrderId: o.amazonOrderId }),
        deliver({ amazonOrderId: o.amazonOrderId }),
      ]),
    );
    for (const o of orders) {
      expect(d365.byReference(o.amazonOrderId)).toHaveLength(1);
      expect(d365.byReference(o.amazonOrderId)[0].lines).toHaveLength(2);
    }
  });

  it("keeps no buyer PII in the ledger", async () => {
    const order = amazon.put(
      anAmazonOrder({
        shippingAddress: { name: "Jane Doe", addressLine1: "1 Secret Lane", city: "Seattle", postalCode: "98109", countryCode: "US" },
      }),
      [anOrderItem()],
    );
    await importOrder({ amazonOrderId: order.amazonOrderId }, deps);
    const text = JSON.stringify(await ledger.get(order.amazonOrderId)) + JSON.stringify(telemetry.entries);
    expect(text).not.toContain("Jane");
    expect(text).not.toContain("Secret Lane");
    expect(d365.byReference(order.amazonOrderId)[0].header.DeliveryAddressName).toBe("Jane Doe");
  });
});
