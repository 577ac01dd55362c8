/**
 * Orders benchmark: N Amazon orders (default 1,000) imported through the real adapters into the D365
 * simulator, with the SP-API simulator enforcing Amazon's published quotas (scaled by --time-scale so that
 * the run takes seconds, not an hour), the way a backlog reaches D365: the catch-up lists them (getOrders,
 * 100 a page), hands them over in bulk groups (hand-over.ts), and the bulk import writes each group
 * (import-orders-bulk.ts). Prints, per order: SP-API calls and D365 HTTP requests; the catch-up's getOrders
 * calls; the cost of a duplicate pass; what each other way in costs (a notification, Orders 2026-01-01); and
 * the throughput, both as measured and converted to real quotas, against the bound those quotas set.
 *
 *   npx tsx test/bench/orders-bench.ts [--orders N] [--time-scale 100] [--concurrency 8] [--d365-latency 100] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPERATIONS } from "../../src/amazon/operations";
import { SharedRateLimiter, SpApiClient, overrideAgentFor } from "../../src/amazon";
import { SimulatorCredential } from "../../src/d365/auth";
import { D365Connector } from "../../src/d365/index";
import { type OrdersApiVersion, SpApiOrders } from "../../src/wiring/adapters/amazon-orders";
import { ODataSalesOrders } from "../../src/wiring/adapters/d365-sales-orders";
import { catchUpOrders } from "../../src/flows/orders/catch-up";
import { importOrder, type ImportOrderCommand, type ImportOrderDeps } from "../../src/flows/orders/import-order";
import { importOrdersInBulk } from "../../src/flows/orders/import-orders-bulk";
import { StateOrderLedger } from "../../src/flows/orders/ledger";
import { OrderBulkBlob, OrderImportQueueMessage } from "../../src/flows/orders/messages";
import { startD365Simulator, type D365Simulator } from "../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../src/local/demo-catalog";
import { startSpApiSimulator, type SpApiSimulator } from "../../src/local/spapi-sim";
import type { ItemSpec } from "../../src/local/spapi-sim/data";
import { Mappings } from "../../src/mapping/mappings";
import { resolveMappingsDir } from "../../src/mapping/mappings-dir";
import { systemClock } from "../../src/platform/clock";
import { isRetryable } from "../../src/platform/errors";
import { MemoryStateStore } from "../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../src/platform/ports";
import { silentTelemetry } from "../../src/platform/telemetry";
import { MemoryBlobStore } from "../fixtures/settlements/fakes";

/** SP-API calls per order of one way into the import, measured on a few orders. */
export interface PathCost {
  orders: number;
  callsPerOrder: number;
  calls: Record<string, number>;
}

export interface OrdersBenchResult {
  orders: number;
  timeScale: number;
  concurrency: number;
  /** Latency the D365 simulator adds to every request (a real environment answers in ~100-300 ms). */
  d365LatencyMs: number;
  linesPerOrder: number;
  /** Bulk groups the catch-up handed over (each one blob and one message). */
  bulkGroups: number;
  spapiCallsPerOrder: number;
  spapiCalls: Record<string, number>;
  spapiThrottled: number;
  d365RequestsPerOrder: number;
  d365Requests: Record<string, number>;
  catchUpGetOrdersCalls: number;
  duplicatePass: { spapiCalls: number; d365Requests: number };
  /** The other ways in, per order: a notification (v0 and 2026-01-01) and a 2026-01-01 catch-up row. */
  otherPaths: Record<string, PathCost>;
  seconds: number;
  /** Orders per second the app sustained against the simulators (quotas scaled by timeScale). */
  ordersPerSecondMeasured: number;
  /** What the published (real) quotas allow at most: min over the per-order operations of rate / calls per order. */
  ordersPerHourQuotaBound: number;
  /** ordersPerSecondMeasured / the real quota bound per second: how far the app outruns Amazon's quota. */
  headroomOverRealQuota: number;
  /** Expected throughput at Amazon's real quotas: the smaller of the quota bound and what the app sustains. */
  ordersPerHourAtRealQuota: number;
  /** Share of the scaled quota bound used in the run (1.0 = the run itself was quota-bound). */
  scaledQuotaUtilisation: number;
}

class CapturingBus implements MessageBus {
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

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

const MARKETPLACES = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];

/** `n` open orders across the three marketplaces, FBA and FBM, 1-3 lines each; returns their ids and line count. */
function seedOrders(spapi: SpApiSimulator, n: number): { ids: string[]; lines: number } {
  const ids: string[] = [];
  let lines = 0;
  for (let i = 0; i < n; i++) {
    const fba = i % 2 === 0;
    const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
    const items: ItemSpec[] = Array.from({ length: 1 + (i % 3) }, (_, l) => ({
      sku: pool[(i + l) % pool.length].sku,
      quantity: 1 + (l % 2),
      shippingPrice: "0.00",
    }));
    lines += items.length;
    ids.push(
      spapi.sim.addOrder({ marketplaceId: MARKETPLACES[i % 3], status: "Unshipped", fulfillmentChannel: fba ? "AFN" : "MFN", items })
        .amazonOrderId,
    );
  }
  return { ids, lines };
}

function amazonClientFor(spapi: SpApiSimulator, state: MemoryStateStore): SpApiClient {
  return new SpApiClient({
    region: "na",
    sellerId: "A2DEMOSELLER01",
    credentials: async () => ({
      clientId: "amzn1.application-oa2-client.demo",
      clientSecret: "fake-secret",
      refreshToken: "Atzr|fake-refresh-token",
    }),
    limiter: new SharedRateLimiter({ state, clock: systemClock }),
    clock: systemClock,
    agent: overrideAgentFor(spapi.url, spapi.caFile),
    maxRetries: 3,
    useRdt: false,
    timeoutMs: 30_000,
  });
}

function d365For(sim: D365Simulator): D365Connector {
  return new D365Connector({
    baseUrl: sim.url,
    credential: new SimulatorCredential(`${sim.url}/oauth2/token`, "bench", "fake-secret"),
    company: "usmf",
    batchSize: 100,
    maxRetries: 3,
    timeoutMs: 30_000,
  });
}

/** The app's clock, 10 minutes ahead, so that the catch-up window (which ends 2 minutes before now) covers the new orders. */
const clockAhead = { now: () => new Date(Date.now() + 10 * 60_000), sleep: systemClock.sleep };

/** The catch-up as the timer runs it: lists what changed and hands it over (in bulk when it finds enough). */
async function catchUp(
  deps: ImportOrderDeps,
  amazon: SpApiOrders,
  state: MemoryStateStore,
  ordersApi: OrdersApiVersion,
): Promise<{ bulks: { id: string; orders: ImportOrderCommand[] }[]; singles: { id: string; order: ImportOrderCommand }[] }> {
  const bus = new CapturingBus();
  const blobs = new MemoryBlobStore();
  await catchUpOrders(
    { marketplaceIds: MARKETPLACES, overlapMinutes: 10, initialLookbackDays: 1, ordersApi, bulk: { minOrders: 20, groupSize: 100 } },
    { amazon, ledger: deps.ledger, bus, queue: "order-import", state, blobs, clock: clockAhead, telemetry: silentTelemetry },
  );
  const bulks: { id: string; orders: ImportOrderCommand[] }[] = [];
  const singles: { id: string; order: ImportOrderCommand }[] = [];
  for (const m of bus.sent) {
    const body = OrderImportQueueMessage.parse(m.body);
    if ("bulk" in body) {
      const bytes = (await blobs.get(body.bulk.container, body.bulk.name))!;
      bulks.push({ id: m.messageId, orders: OrderBulkBlob.parse(JSON.parse(new TextDecoder().decode(bytes))).orders });
    } else singles.push({ id: m.messageId, order: body });
  }
  return { bulks, singles };
}

/** Imports a single message the way the queue does (retrying a retryable error). */
async function deliver(cmd: ImportOrderCommand, deps: ImportOrderDeps): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await importOrder(cmd, deps);
      return;
    } catch (err) {
      if (!isRetryable(err) || attempt >= 10) throw err;
    }
  }
}

const callsOf = (spapi: SpApiSimulator) =>
  Object.fromEntries(Object.entries(spapi.sim.requestCounts().counts).filter(([k]) => k !== "lwa"));
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * What the other ways in cost per order, on `n` fresh orders each: a notification with its summary (v0: the
 * order and its items; 2026-01-01: one getOrder with includedData), and a 2026-01-01 catch-up whose
 * searchOrders rows carry the items.
 */
async function otherPaths(d365Sim: D365Simulator, spapi: SpApiSimulator, n: number): Promise<Record<string, PathCost>> {
  const out: Record<string, PathCost> = {};
  for (const ordersApi of ["v0", "2026-01-01"] as const) {
    const state = new MemoryStateStore();
    const client = amazonClientFor(spapi, state);
    const deps: ImportOrderDeps = {
      amazon: new SpApiOrders(client, ordersApi),
      d365: new ODataSalesOrders(d365For(d365Sim)),
      ledger: new StateOrderLedger(state),
      mappings: Mappings.load(resolveMappingsDir("mappings", __dirname)),
      clock: systemClock,
      telemetry: silentTelemetry,
    };
    // A notification: what its summary says (no sales channel, no ship-to address).
    spapi.sim.data.orders.length = 0;
    const before = spapi.sim.notifications().length;
    seedOrders(spapi, n);
    spapi.sim.reset();
    for (const note of spapi.sim.notifications().slice(before)) {
      const c = (note as { Payload: { OrderChangeNotification: Record<string, any> } }).Payload.OrderChangeNotification;
      const s = c.Summary;
      await deliver(
        {
          amazonOrderId: c.AmazonOrderId,
          lastUpdate: c.OrderChangeTrigger.TimeOfOrderChange,
          source: "notification",
          known: {
            from: "notification",
            order: {
              amazonOrderId: c.AmazonOrderId,
              status: s.OrderStatus,
              purchaseDate: s.PurchaseDate,
              lastUpdate: c.OrderChangeTrigger.TimeOfOrderChange,
              marketplaceId: s.MarketplaceId,
              fulfillmentChannel: s.FulfillmentType,
            },
          },
        },
        deps,
      );
    }
    const calls = callsOf(spapi);
    out[`notification ${ordersApi}`] = { orders: n, callsPerOrder: total(calls) / n, calls };
    if (ordersApi === "2026-01-01") {
      // A 2026-01-01 catch-up below the bulk minimum: each row carries the items.
      spapi.sim.data.orders.length = 0;
      seedOrders(spapi, Math.min(n, 15));
      spapi.sim.reset();
      const { singles } = await catchUp(deps, deps.amazon as SpApiOrders, state, ordersApi);
      const listing = callsOf(spapi);
      spapi.sim.reset();
      for (const s of singles) await deliver({ ...s.order, holder: s.id }, deps);
      const importCalls = callsOf(spapi);
      out["catch-up 2026-01-01"] = {
        orders: singles.length,
        callsPerOrder: total(importCalls) / Math.max(1, singles.length),
        calls: { ...importCalls, ...Object.fromEntries(Object.entries(listing).map(([k, v]) => [`${k} (listing)`, v])) },
      };
    }
  }
  return out;
}

export async function runOrdersBench(opts: {
  orders: number;
  timeScale: number;
  concurrency: number;
  d365LatencyMs?: number;
}): Promise<OrdersBenchResult> {
  const d365Sim = await startD365Simulator({ port: 0, seed: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), "orders-bench-"));
  const spapi = await startSpApiSimulator({ port: 0, seed: 1, timeScale: opts.timeScale, dataDir });
  try {
    spapi.sim.data.orders.length = 0;
    const { ids, lines } = seedOrders(spapi, opts.orders);
    const state = new MemoryStateStore();
    const amazonClient = amazonClientFor(spapi, state);
    const d365 = d365For(d365Sim);
    const ledger = new StateOrderLedger(state);
    const deps: ImportOrderDeps = {
      amazon: new SpApiOrders(amazonClient),
      d365: new ODataSalesOrders(d365),
      ledger,
      mappings: Mappings.load(resolveMappingsDir("mappings", __dirname)),
      clock: systemClock,
      telemetry: silentTelemetry,
    };

    // The catch-up lists what changed (getOrders, 100 orders a page) and hands the backlog over in bulk groups.
    spapi.sim.reset();
    const { bulks, singles } = await catchUp(deps, new SpApiOrders(amazonClient), state, "v0");
    const catchUpGetOrdersCalls = spapi.sim.requestCounts().counts.getOrders ?? 0;

    spapi.sim.reset();
    d365Sim.clearRequests();
    await d365.token(); // the token request is per process, not per order
    d365Sim.clearRequests();
    if (opts.d365LatencyMs) d365Sim.injectFault({ kind: "latency", latencyMs: opts.d365LatencyMs, times: 0 });
    const started = Date.now();
    // The order import function takes the bulk messages (several at once, as the host's concurrency allows).
    const bulkDeps = { ...deps, park: async () => undefined };
    let next = 0;
    const worker = async () => {
      while (next < bulks.length) {
        const b = bulks[next++]!;
        for (let attempt = 1; ; attempt++) {
          try {
            await importOrdersInBulk({ orders: b.orders, holder: b.id }, bulkDeps);
            break;
          } catch (err) {
            if (!isRetryable(err) || attempt >= 10) throw err;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, Math.max(1, bulks.length)) }, worker));
    for (const s of singles) await deliver({ ...s.order, holder: s.id }, deps);
    const seconds = (Date.now() - started) / 1000;
    const spapiCounts = spapi.sim.requestCounts();
    const d365Stats = d365Sim.requests();
    const spapiCalls = Object.fromEntries(Object.entries(spapiCounts.counts).filter(([k]) => k !== "lwa"));
    const spapiTotal = total(spapiCalls);
    const d365Requests = Object.fromEntries(Object.entries(d365Stats.counts).filter(([k]) => !k.startsWith("token")));
    const d365Total = total(d365Requests);

    d365Sim.clearFaults();
    // A duplicate pass: every order again, as a redelivered notification with the same update would come.
    spapi.sim.reset();
    d365Sim.clearRequests();
    for (const id of ids) {
      const e = await ledger.get(id);
      await importOrder({ amazonOrderId: id, lastUpdate: e?.amazonLastUpdate, source: "bench" }, deps);
    }
    const duplicatePass = { spapiCalls: spapi.sim.requestCounts().total, d365Requests: d365Sim.requests().total };

    const others = await otherPaths(d365Sim, spapi, Math.min(20, opts.orders));

    const perOrder = (op: keyof typeof OPERATIONS) => (spapiCalls[op] ?? 0) / opts.orders;
    const bound =
      Math.min(...(["getOrder", "getOrderItems"] as const).map((op) => OPERATIONS[op].rate / Math.max(perOrder(op), 1e-9))) * 3600;
    const measured = opts.orders / seconds;
    return {
      orders: opts.orders,
      timeScale: opts.timeScale,
      concurrency: opts.concurrency,
      d365LatencyMs: opts.d365LatencyMs ?? 0,
      linesPerOrder: lines / opts.orders,
      bulkGroups: bulks.length,
      spapiCallsPerOrder: spapiTotal / opts.orders,
      spapiCalls,
      spapiThrottled: Object.values(spapiCounts.throttled).reduce((a, b) => a + b, 0),
      d365RequestsPerOrder: d365Total / opts.orders,
      d365Requests,
      catchUpGetOrdersCalls,
      duplicatePass,
      otherPaths: others,
      seconds,
      ordersPerSecondMeasured: measured,
      ordersPerHourQuotaBound: bound,
      headroomOverRealQuota: measured / (bound / 3600),
      ordersPerHourAtRealQuota: Math.min(bound, measured * 3600),
      scaledQuotaUtilisation: measured / ((bound / 3600) * opts.timeScale),
    };
  } finally {
    await spapi.stop();
    await d365Sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const r = await runOrdersBench({
    orders: arg(argv, "--orders", 1000),
    timeScale: arg(argv, "--time-scale", 100),
    concurrency: arg(argv, "--concurrency", 8),
    d365LatencyMs: arg(argv, "--d365-latency", 100),
  });
  if (argv.includes("--json")) {
    console.log(JSON.stringify(r, null, 2));
    return 0;
  }
  const f = (n: number, d = 2) => n.toFixed(d);
  console.log(
    `orders benchmark: ${r.orders} orders (${f(r.linesPerOrder)} lines each) in ${r.bulkGroups} bulk groups, concurrency ${r.concurrency}, SP-API time scale ${r.timeScale}x, D365 latency ${r.d365LatencyMs} ms`,
  );
  console.log(
    `  SP-API calls per order      ${f(r.spapiCallsPerOrder)}  ${JSON.stringify(r.spapiCalls)}  (429s absorbed: ${r.spapiThrottled})`,
  );
  console.log(`  D365 requests per order     ${f(r.d365RequestsPerOrder)}  ${JSON.stringify(r.d365Requests)}`);
  console.log(
    `  catch-up getOrders calls    ${r.catchUpGetOrdersCalls} for ${r.orders} orders (${f(r.catchUpGetOrdersCalls / r.orders, 3)} per order)`,
  );
  console.log(
    `  duplicate pass              ${r.duplicatePass.spapiCalls} SP-API calls, ${r.duplicatePass.d365Requests} D365 requests for ${r.orders} orders`,
  );
  for (const [path, c] of Object.entries(r.otherPaths))
    console.log(`  ${path.padEnd(27)} ${f(c.callsPerOrder)} SP-API calls per order  ${JSON.stringify(c.calls)}`);
  console.log(
    `  throughput (simulators)     ${f(r.ordersPerSecondMeasured, 1)} orders/s in ${f(r.seconds, 1)} s, ${f(r.scaledQuotaUtilisation * 100, 0)}% of the ${r.timeScale}x-scaled quota bound`,
  );
  console.log(
    `  Amazon's real quotas        allow ${f(r.ordersPerHourQuotaBound, 0)} orders/hour (getOrder and getOrderItems at 0.5/s); the app sustains ${f(r.headroomOverRealQuota, 0)}x that`,
  );
  console.log(
    `  expected at real quotas     ${f(r.ordersPerHourAtRealQuota, 0)} orders/hour (${r.ordersPerHourAtRealQuota < r.ordersPerHourQuotaBound ? "app-bound" : "quota-bound"})`,
  );
  return 0;
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
