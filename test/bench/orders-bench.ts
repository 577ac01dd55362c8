/**
 * Orders benchmark: N Amazon orders (default 1,000) imported through the real adapters into the D365
 * simulator, with the SP-API simulator enforcing Amazon's published quotas (scaled by --time-scale so that
 * the run takes seconds, not an hour). Prints, per order: SP-API calls and D365 HTTP requests; the catch-up's
 * getOrders calls; the cost of a duplicate pass; and the throughput, both as measured and converted to real
 * quotas, against the bound those quotas set (getOrder and getOrderItems at 0.5 requests/s each).
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
import { ODataSalesOrders, SpApiOrders } from "../../src/flows/orders/adapters";
import { catchUpOrders } from "../../src/flows/orders/catch-up";
import { importOrder, type ImportOrderDeps } from "../../src/flows/orders/import-order";
import { StateOrderLedger } from "../../src/flows/orders/ledger";
import { startD365Simulator } from "../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../src/local/demo-catalog";
import { startSpApiSimulator } from "../../src/local/spapi-sim";
import type { ItemSpec } from "../../src/local/spapi-sim/data";
import { Mappings } from "../../src/mapping/mappings";
import { resolveMappingsDir } from "../../src/mapping/runtime";
import { systemClock } from "../../src/platform/clock";
import { isRetryable } from "../../src/platform/errors";
import { MemoryStateStore } from "../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../src/platform/ports";
import { silentTelemetry } from "../../src/platform/telemetry";

export interface OrdersBenchResult {
  orders: number;
  timeScale: number;
  concurrency: number;
  /** Latency the D365 simulator adds to every request (a real environment answers in ~100-300 ms). */
  d365LatencyMs: number;
  linesPerOrder: number;
  spapiCallsPerOrder: number;
  spapiCalls: Record<string, number>;
  spapiThrottled: number;
  d365RequestsPerOrder: number;
  d365Requests: Record<string, number>;
  catchUpGetOrdersCalls: number;
  duplicatePass: { spapiCalls: number; d365Requests: number };
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

class CountingBus implements MessageBus {
  sent = 0;
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.sent += Array.isArray(m) ? m.length : 1;
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
    const markets = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
    const ids: string[] = [];
    let lines = 0;
    for (let i = 0; i < opts.orders; i++) {
      const fba = i % 2 === 0;
      const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
      const items: ItemSpec[] = Array.from({ length: 1 + (i % 3) }, (_, l) => ({
        sku: pool[(i + l) % pool.length].sku,
        quantity: 1 + (l % 2),
        shippingPrice: "0.00",
      }));
      lines += items.length;
      ids.push(
        spapi.sim.addOrder({ marketplaceId: markets[i % 3], status: "Unshipped", fulfillmentChannel: fba ? "AFN" : "MFN", items })
          .amazonOrderId,
      );
    }
    const state = new MemoryStateStore();
    const amazonClient = new SpApiClient({
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
    const d365 = new D365Connector({
      baseUrl: d365Sim.url,
      credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "bench", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 3,
      timeoutMs: 30_000,
    });
    const ledger = new StateOrderLedger(state);
    const deps: ImportOrderDeps = {
      amazon: new SpApiOrders(amazonClient),
      d365: new ODataSalesOrders(d365),
      ledger,
      mappings: Mappings.load(resolveMappingsDir("mappings", __dirname)),
      clock: systemClock,
      telemetry: silentTelemetry,
    };

    // The catch-up lists what changed (getOrders, 100 orders a page), as the timer would.
    const clockAhead = { now: () => new Date(Date.now() + 10 * 60_000), sleep: systemClock.sleep };
    spapi.sim.reset();
    const bus = new CountingBus();
    await catchUpOrders(
      { marketplaceIds: markets, overlapMinutes: 10, initialLookbackDays: 1 },
      { amazon: new SpApiOrders(amazonClient), ledger, bus, queue: "order-import", state, clock: clockAhead, telemetry: silentTelemetry },
    );
    const catchUpGetOrdersCalls = spapi.sim.requestCounts().counts.getOrders ?? 0;

    spapi.sim.reset();
    d365Sim.clearRequests();
    await d365.token(); // the token request is per process, not per order
    d365Sim.clearRequests();
    if (opts.d365LatencyMs) d365Sim.injectFault({ kind: "latency", latencyMs: opts.d365LatencyMs, times: 0 });
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        for (let attempt = 1; ; attempt++) {
          try {
            await importOrder({ amazonOrderId: id, source: "bench" }, deps);
            break;
          } catch (err) {
            if (!isRetryable(err) || attempt >= 10) throw err;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const seconds = (Date.now() - started) / 1000;
    const spapiCounts = spapi.sim.requestCounts();
    const d365Stats = d365Sim.requests();
    const spapiCalls = Object.fromEntries(Object.entries(spapiCounts.counts).filter(([k]) => k !== "lwa"));
    const spapiTotal = Object.values(spapiCalls).reduce((a, b) => a + b, 0);
    const d365Requests = Object.fromEntries(Object.entries(d365Stats.counts).filter(([k]) => !k.startsWith("token")));
    const d365Total = Object.values(d365Requests).reduce((a, b) => a + b, 0);

    d365Sim.clearFaults();
    // A duplicate pass: every order again, as a redelivered notification with the same update would come.
    spapi.sim.reset();
    d365Sim.clearRequests();
    for (const id of ids) {
      const e = await ledger.get(id);
      await importOrder({ amazonOrderId: id, lastUpdate: e?.amazonLastUpdate, source: "bench" }, deps);
    }
    const duplicatePass = { spapiCalls: spapi.sim.requestCounts().total, d365Requests: d365Sim.requests().total };

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
      spapiCallsPerOrder: spapiTotal / opts.orders,
      spapiCalls,
      spapiThrottled: Object.values(spapiCounts.throttled).reduce((a, b) => a + b, 0),
      d365RequestsPerOrder: d365Total / opts.orders,
      d365Requests,
      catchUpGetOrdersCalls,
      duplicatePass,
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
    `orders benchmark: ${r.orders} orders (${f(r.linesPerOrder)} lines each), concurrency ${r.concurrency}, SP-API time scale ${r.timeScale}x, D365 latency ${r.d365LatencyMs} ms`,
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
