/**
 * The orders path against the strict D365 simulator (and the SP-API simulator): the bulk path's requests and
 * exactly-once through a crash, `$batch` answers with fewer parts than were sent, and the F&O rules of sales
 * orders (address states, requested dates in the past, cancelling a partly delivered order).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BatchOperation, BatchOperationResult, BatchOptions } from "../../../src/d365/client";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { buildQueryString } from "../../../src/d365/odata";
import { catchUpOrders } from "../../../src/flows/orders/catch-up";
import { importOrder, type ImportOrderCommand } from "../../../src/flows/orders/import-order";
import { importOrdersInBulk } from "../../../src/flows/orders/import-orders-bulk";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { OrderBulkBlob, OrderImportQueueMessage } from "../../../src/flows/orders/messages";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { InternalError, ValidationError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { LOOKUP_GROUP, MAX_LOOKUP_URL, ODataSalesOrders } from "../../../src/wiring/adapters/d365-sales-orders";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { simDeps } from "./sim-deps";

/** A D365 connection that records every $batch and can "crash" right after D365 ran one (the answer is lost). */
class RecordingConnector extends D365Connector {
  readonly batches: BatchOperation[][] = [];
  crashAfterBatch?: (ops: readonly BatchOperation[]) => boolean;
  constructor(url: string) {
    super({
      baseUrl: url,
      credential: new SimulatorCredential(`${url}/oauth2/token`, "it", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 2,
      baseBackoffMs: 5,
      timeoutMs: 10_000,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    });
  }
  override async batch<T>(ops: readonly BatchOperation[], options?: BatchOptions): Promise<BatchOperationResult<T>[]> {
    this.batches.push([...ops]);
    const results = await super.batch<T>(ops, options);
    if (this.crashAfterBatch?.(ops)) {
      this.crashAfterBatch = undefined;
      throw new Error("process killed after D365 ran the $batch");
    }
    return results;
  }
}

class RecordingBus implements MessageBus {
  readonly sent: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;

beforeAll(async () => {
  d365Sim = await startD365Simulator({
    port: 0,
    seed: 5,
    extraRows: { AddressStates: ["BY", "BE", "HH"].map((State) => ({ CountryRegionId: "DEU", State, Description: State })) },
  });
  spapi = await startSpApiSimulator({ port: 0, seed: 5, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "orders-bulk-it-")) });
}, 60_000);

afterAll(async () => {
  await spapi?.stop();
  await d365Sim?.stop();
});

beforeEach(() => {
  d365Sim.reset();
  d365Sim.clearFaults();
  spapi.sim.data.orders.length = 0;
});

/** `n` new orders across the three marketplaces, FBA and FBM, 1-3 lines. */
function addOrders(n: number): string[] {
  const markets = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
  return Array.from({ length: n }, (_, i) => {
    const fba = i % 2 === 0;
    const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
    const items = Array.from({ length: 1 + (i % 3) }, (_, l) => ({
      sku: pool[(i + l) % pool.length]!.sku,
      quantity: 1 + (l % 2),
      shippingPrice: "0.00",
    }));
    return spapi.sim.addOrder({ marketplaceId: markets[i % 3], status: "Unshipped", fulfillmentChannel: fba ? "AFN" : "MFN", items })
      .amazonOrderId;
  });
}

/** The catch-up's bulk hand-over of what the simulator holds, as import commands per bulk message. */
async function handOverInBulk(
  deps: ReturnType<typeof simDeps>["deps"],
): Promise<{ bulks: { id: string; orders: ImportOrderCommand[] }[] }> {
  spapi.sim.advance(5 * 60_000);
  const bus = new RecordingBus();
  const blobs = new MemoryBlobStore();
  const clock = { now: () => spapi.sim.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  await catchUpOrders(
    {
      marketplaceIds: ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"],
      overlapMinutes: 10,
      initialLookbackDays: 1,
      bulk: { minOrders: 20, groupSize: 100 },
    },
    {
      amazon: deps.amazon,
      ledger: deps.ledger,
      bus,
      queue: "order-import",
      state: new MemoryStateStore(),
      blobs,
      clock,
      telemetry: new MemoryTelemetry(),
    },
  );
  const bulks = [];
  for (const m of bus.sent) {
    const body = OrderImportQueueMessage.parse(m.body);
    if (!("bulk" in body)) throw new Error("expected bulk messages only");
    const stored = OrderBulkBlob.parse(JSON.parse(new TextDecoder().decode((await blobs.get(body.bulk.container, body.bulk.name))!)));
    bulks.push({ id: m.messageId, orders: stored.orders });
  }
  return { bulks };
}

/** The Infolog of what the simulator refused (as D365's error body carries it). */
function refusal(write: () => unknown): string {
  try {
    write();
  } catch (err) {
    return JSON.stringify((err as { body?: unknown }).body ?? String(err));
  }
  return "accepted";
}

function bulkDeps(deps: ReturnType<typeof simDeps>["deps"], parked: unknown[] = []) {
  return { ...deps, park: async (order: ImportOrderCommand, err: Error) => void parked.push({ order, err }) };
}

function expectExactlyOnce(ids: string[]) {
  const headers = d365Sim.rows("SalesOrderHeadersV4", "usmf");
  const lines = d365Sim.rows("SalesOrderLinesV3", "usmf");
  for (const id of ids) {
    const mine = headers.filter((h) => h.CustomersOrderReference === id);
    expect(mine, id).toHaveLength(1);
    const own = lines.filter((l) => l.SalesOrderNumber === mine[0]!.SalesOrderNumber);
    const order = spapi.sim.data.orders.find((o) => o.amazonOrderId === id)!;
    expect(own.map((l) => l.OrderLineReference).sort(), id).toEqual(order.items.map((i) => i.orderItemId).sort());
  }
  expect(headers.length).toBe(ids.length);
}

describe("the bulk path against the D365 simulator", () => {
  it("writes 150 waiting orders with 3 requests per group of 100 (0.05 per order with the one read of the address states), each look-up URL within the limits", async () => {
    const ids = addOrders(150);
    const connector = new RecordingConnector(d365Sim.url);
    const env = simDeps(d365Sim, spapi);
    const deps = { ...env.deps, d365: new ODataSalesOrders(connector) };
    const { bulks } = await handOverInBulk(deps);
    expect(bulks.map((b) => b.orders.length)).toEqual([100, 50]);
    await connector.token();
    d365Sim.clearRequests();
    spapi.sim.reset();
    for (const b of bulks)
      expect(await importOrdersInBulk({ orders: b.orders, holder: b.id }, bulkDeps(deps))).toMatchObject({ created: b.orders.length });

    const stats = d365Sim.requests();
    // Plus the address states, read once (per process) for the ship-to states outside the US and Canada.
    expect(stats.counts).toEqual({ "$batch POST": 6, "AddressStates GET": 1 });
    expect(stats.total / ids.length).toBeLessThanOrEqual(0.05);
    // One SP-API call per order: the items (the catch-up's rows hold the header). A call the simulator's quota
    // refused (429, on a busy machine the limiter's clock and the simulator's drift apart) is asked again.
    const calls = spapi.sim.requestCounts();
    expect(Object.keys(calls.counts)).toEqual(["getOrderItems"]);
    expect((calls.counts.getOrderItems ?? 0) - (calls.throttled.getOrderItems ?? 0)).toBe(150);
    expectExactlyOnce(ids);
    // Every look-up part: at most LOOKUP_GROUP values and a URL of at most MAX_LOOKUP_URL characters.
    const gets = connector.batches.flat().filter((op) => op.method === "GET");
    expect(gets.length).toBeGreaterThan(0);
    for (const op of gets) {
      const url = `${d365Sim.url}/data/${op.entitySet}?${buildQueryString(op.query ?? {})}`;
      expect(url.length).toBeLessThanOrEqual(MAX_LOOKUP_URL);
      expect((op.query?.filter?.match(/ eq /g) ?? []).length - 1).toBeLessThanOrEqual(LOOKUP_GROUP);
    }
  });

  it("a crash right after D365 ran the headers' $batch resumes without a second header", async () => {
    const ids = addOrders(40);
    const connector = new RecordingConnector(d365Sim.url);
    const env = simDeps(d365Sim, spapi);
    const deps = { ...env.deps, d365: new ODataSalesOrders(connector) };
    const { bulks } = await handOverInBulk(deps);
    connector.crashAfterBatch = (ops) => ops.some((o) => o.method === "POST" && o.entitySet === "SalesOrderHeadersV4");
    await expect(importOrdersInBulk({ orders: bulks[0]!.orders, holder: bulks[0]!.id }, bulkDeps(deps))).rejects.toThrow("process killed");
    expect(d365Sim.rows("SalesOrderHeadersV4", "usmf")).toHaveLength(40);
    expect(d365Sim.rows("SalesOrderLinesV3", "usmf")).toHaveLength(0);
    const out = await importOrdersInBulk({ orders: bulks[0]!.orders, holder: bulks[0]!.id }, bulkDeps(deps));
    expect(out).toMatchObject({ completed: 40, created: 0 });
    expectExactlyOnce(ids);
  });

  it("a crash right after D365 ran the lines' $batch resumes without a second line", async () => {
    const ids = addOrders(30);
    const connector = new RecordingConnector(d365Sim.url);
    const env = simDeps(d365Sim, spapi);
    const deps = { ...env.deps, d365: new ODataSalesOrders(connector) };
    const { bulks } = await handOverInBulk(deps);
    connector.crashAfterBatch = (ops) => ops.some((o) => o.method === "POST" && o.entitySet === "SalesOrderLinesV3");
    await expect(importOrdersInBulk({ orders: bulks[0]!.orders, holder: bulks[0]!.id }, bulkDeps(deps))).rejects.toThrow("process killed");
    const out = await importOrdersInBulk({ orders: bulks[0]!.orders, holder: bulks[0]!.id }, bulkDeps(deps));
    expect(out).toMatchObject({ unchanged: 30 });
    expectExactlyOnce(ids);
  });
});

describe("$batch answers with fewer parts than were sent (D365 stops at the first failing part)", () => {
  it("a bulk of headers: the parts before the failure are created, the failing one carries D365's own message, the rest were not run", async () => {
    const orders = new ODataSalesOrders(new RecordingConnector(d365Sim.url));
    const header = (ref: string, customer = "AMZ-US") => ({
      dataAreaId: "usmf",
      CustomersOrderReference: ref,
      OrderingCustomerAccountNumber: customer,
      InvoiceCustomerAccountNumber: customer,
      CurrencyCode: "USD",
      DefaultShippingSiteId: "1",
      DefaultShippingWarehouseId: "11",
      ArePricesIncludingSalesTax: "No" as const,
      SkipCreateAutoCharges: "Yes" as const,
      SalesOrderPromisingMethod: "None" as const,
    });
    const results = await orders.createHeaders([
      header("111-0000001-0000001"),
      header("111-0000001-0000002", "NOBODY"),
      header("111-0000001-0000003"),
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false });
    const err = (results[1] as { error: Error }).error;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain("NOBODY");
    expect(results[2]).toMatchObject({ ok: false, notExecuted: true });
    expect(d365Sim.rows("SalesOrderHeadersV4", "usmf").map((h) => h.CustomersOrderReference)).toEqual(["111-0000001-0000001"]);
  });

  it("the single path: an order whose line D365 refuses fails with D365's message (not an internal error) and is parked, not retried", async () => {
    const [id] = addOrders(1);
    const order = spapi.sim.data.orders.find((o) => o.amazonOrderId === id)!;
    const env = simDeps(d365Sim, spapi, new MemoryStateStore());
    // The mapping sends an item number D365 does not have.
    const mappings = env.deps.mappings;
    const wrong = Object.create(mappings) as typeof mappings;
    wrong.sku = (sku: string, mp: string) => {
      const m = mappings.sku(sku, mp);
      return m && sku === order.items[0]!.sku ? { ...m, itemNumber: "NO-SUCH-ITEM" } : m;
    };
    const err = await importOrder({ amazonOrderId: id! }, { ...env.deps, mappings: wrong }).catch((e) => e);
    expect(err).not.toBeInstanceOf(InternalError);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain("NO-SUCH-ITEM");
    expect(await env.deps.ledger.get(id!)).toMatchObject({ status: "failed" });
  });
});

describe("F&O rules of the sales order", () => {
  it("sends a state outside the US and Canada only when D365 knows it for the country", async () => {
    const [uk, deKnown, deName] = [
      spapi.sim.addOrder({ marketplaceId: "A1F83G8C2ARO7P", status: "Unshipped", items: [{ sku: DEMO_PRODUCTS[0]!.sku, quantity: 1 }] }),
      spapi.sim.addOrder({ marketplaceId: "A1PA6795UKMFR9", status: "Unshipped", items: [{ sku: DEMO_PRODUCTS[0]!.sku, quantity: 1 }] }),
      spapi.sim.addOrder({ marketplaceId: "A1PA6795UKMFR9", status: "Unshipped", items: [{ sku: DEMO_PRODUCTS[0]!.sku, quantity: 1 }] }),
    ];
    Object.assign(uk.address, { stateOrRegion: "Kent", countryCode: "GB" });
    Object.assign(deKnown.address, { stateOrRegion: "by", countryCode: "DE" });
    Object.assign(deName.address, { stateOrRegion: "Bayern", countryCode: "DE" });
    const env = simDeps(d365Sim, spapi);
    for (const o of [uk, deKnown, deName])
      expect((await importOrder({ amazonOrderId: o.amazonOrderId }, env.deps)).outcome).toBe("created");
    const state = (id: string) => d365Sim.rows("SalesOrderHeadersV4").find((h) => h.CustomersOrderReference === id)?.DeliveryAddressStateId;
    expect([state(uk.amazonOrderId), state(deKnown.amazonOrderId), state(deName.amazonOrderId)]).toEqual(["", "BY", ""]);
    // What F&O does with a free-text region: refuses the whole order.
    expect(
      refusal(() =>
        d365Sim.create("SalesOrderHeadersV4", {
          dataAreaId: "usmf",
          OrderingCustomerAccountNumber: "AMZ-UK",
          IsDeliveryAddressOrderSpecific: "Yes",
          DeliveryAddressCountryRegionId: "GBR",
          DeliveryAddressStateId: "KENT",
        }),
      ),
    ).toMatch(/'KENT' in field 'State' is not found/);
  });

  it("creates an order whose requested dates are in the past (delivery date control None), which F&O refuses otherwise", async () => {
    const o = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Unshipped",
      purchaseDate: "2025-03-01T10:00:00Z",
      items: [{ sku: DEMO_PRODUCTS[0]!.sku, quantity: 1 }],
    });
    const env = simDeps(d365Sim, spapi);
    expect((await importOrder({ amazonOrderId: o.amazonOrderId }, env.deps)).outcome).toBe("created");
    const h = d365Sim.rows("SalesOrderHeadersV4").find((x) => x.CustomersOrderReference === o.amazonOrderId)!;
    expect(h).toMatchObject({ SalesOrderPromisingMethod: "None", SkipCreateAutoCharges: "Yes" });
    expect(String(h.RequestedShippingDate)).toMatch(/^2025-03-03/);
    expect(
      refusal(() =>
        d365Sim.create("SalesOrderHeadersV4", {
          dataAreaId: "usmf",
          OrderingCustomerAccountNumber: "AMZ-US",
          RequestedShippingDate: "2025-03-03T12:00:00Z",
        }),
      ),
    ).toMatch(/requested ship date 2025-03-03 is in the past/);
  });

  it("flags the cancellation of a partly delivered order (D365 refuses its delete) instead of failing", async () => {
    const o = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Unshipped",
      items: [{ sku: DEMO_PRODUCTS[0]!.sku, quantity: 2 }],
    });
    const env = simDeps(d365Sim, spapi, new MemoryStateStore());
    await importOrder({ amazonOrderId: o.amazonOrderId }, env.deps);
    const so = String(d365Sim.rows("SalesOrderHeadersV4").find((h) => h.CustomersOrderReference === o.amazonOrderId)!.SalesOrderNumber);
    d365Sim.setSalesOrderStatus(so, "Backorder", "usmf", "PartiallyDelivered");
    spapi.sim.setOrderStatus(o.amazonOrderId, "Canceled");
    const out = await importOrder({ amazonOrderId: o.amazonOrderId }, env.deps);
    expect(out.outcome).toBe("cancel-flagged");
    expect(await env.deps.ledger.get(o.amazonOrderId)).toMatchObject({
      status: "cancel-flagged",
      lastError: expect.stringContaining("PartiallyDelivered"),
    });
    expect(d365Sim.rows("SalesOrderHeadersV4").some((h) => h.SalesOrderNumber === so)).toBe(true);
    expect(env.telemetry.events("order.cancelAfterShipment")).toHaveLength(1);
  });
});

it("keeps the ledger of a bulk import free of buyer PII", async () => {
  addOrders(25);
  const state = new MemoryStateStore();
  const env = simDeps(d365Sim, spapi, state);
  const { bulks } = await handOverInBulk(env.deps);
  await importOrdersInBulk({ orders: bulks[0]!.orders, holder: bulks[0]!.id }, bulkDeps(env.deps));
  const ledger = new StateOrderLedger(state);
  const rows: string[] = [];
  for await (const e of ledger.list()) rows.push(JSON.stringify(e));
  expect(rows).toHaveLength(25);
  for (const r of rows) expect(r).not.toMatch(/AddressLine|Name|@|postal/i);
});
