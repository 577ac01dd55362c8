/**
 * Notification → D365 order on the local host, no quota wait, p95.
 *
 * The app runs as `npm start` runs it — the local Functions host with every function, Azurite (in memory, free
 * ports) for tables and blobs, the in-memory Service Bus, the D365 and SP-API simulators on loopback, the
 * configuration read from the environment — except that timers do not run (the catch-up would import the
 * same orders and blur what is measured). The SP-API simulator runs at time scale 1000 (its quotas refill
 * a thousand times faster; the app's rate limiter follows the rate the simulator reports in
 * x-amzn-RateLimit-Limit), so no call waits for quota: the row is the app's own latency. The details count
 * the simulator's 429s, which would show a quota wait.
 *
 * For each of 100 orders (20 with --quick), paced at 10 a second: the order is added to the SP-API
 * simulator, its ORDER_CHANGE notification is POSTed to /api/amazon/notifications as EventBridge delivers
 * it, and the clock stops when D365 has the sales order header and all its lines (the simulator is polled
 * every 5 ms). Three orders before them warm up tokens, tables and code paths and are not counted.
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import type { BenchRow } from "../bench-row";
import { median, percentile, round } from "../bench-row";
import { startAzurite } from "../../../src/local/azurite";
import { startD365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startLocalHost } from "../../../src/local/host";
import { startSpApiSimulator } from "../../../src/local/spapi-sim";
import type { ItemSpec } from "../../../src/local/spapi-sim/data";
import { loadConfig, setConfig } from "../../../src/platform/config";
import { setRuntimeOverrides } from "../../../src/runtime";

const TIME_SCALE = 1000;
const RATE_PER_SECOND = 10;
const API_KEY = "fake-bench-notification-key";
const MARKETPLACES = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];

export const notificationToOrderP95: BenchRow = {
  key: "notificationToOrderP95Seconds",
  title: "notification → D365 order on the local host, no quota wait, p95",
  unit: "s",
  decimals: 3,
  target: { op: "<", value: 2 },
  async measure(ctx) {
    const count = ctx.quick ? 20 : 100;
    const dir = mkdtempSync(join(ctx.tmpDir, "notification-"));
    const stops: (() => Promise<void>)[] = [];
    const envBefore = { ...process.env };
    try {
      ctx.progress("notification → order: starting Azurite, the simulators and the local host");
      const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
      stops.push(() => azurite.stop());
      const d365 = await startD365Simulator({ port: 0, seed: 1 });
      stops.push(() => d365.stop());
      const spapi = await startSpApiSimulator({ port: 0, seed: 1, timeScale: TIME_SCALE, dataDir: dir });
      stops.push(() => spapi.stop());
      spapi.sim.data.orders.length = 0; // only the orders of this run

      // What `d365-amazon start` sets when it starts the simulators (src/local/start.ts), on free ports.
      Object.assign(process.env, {
        STORAGE_CONNECTION_STRING: azurite.connectionString,
        STATE_TABLE_PREFIX: `bench${Date.now().toString(36)}`,
        D365_BASE_URL: d365.url,
        D365_AUTH_MODE: "simulator",
        SPAPI_ENDPOINT_OVERRIDE: spapi.url,
        SPAPI_OVERRIDE_CA_FILE: spapi.caFile ?? "",
        SIM_TIME_SCALE: String(TIME_SCALE),
        LOCAL_DATA_DIR: dir,
        SPAPI_LWA_CLIENT_SECRET: "fake-secret",
        SPAPI_REFRESH_TOKEN: "Atzr|fake-refresh-token",
        D365_CLIENT_SECRET: "fake-secret",
        NOTIFICATION_API_KEY: API_KEY,
      });
      setConfig(loadConfig(process.env));
      const host = await startLocalHost({ port: 0, schedules: false, dataDir: dir, log: () => undefined });
      stops.push(() => host.stop());

      const pending = new Map<string, { sent: number; lines: number; resolve: (seconds: number) => void }>();
      const poll = setInterval(() => {
        if (pending.size === 0) return;
        const now = performance.now();
        const headers = d365.rows("SalesOrderHeadersV4", "usmf");
        let lines: Record<string, unknown>[] | undefined;
        for (const h of headers) {
          const p = pending.get(String(h.CustomersOrderReference));
          if (!p) continue;
          lines ??= d365.rows("SalesOrderLinesV3", "usmf");
          const own = lines.filter((l) => l.SalesOrderNumber === h.SalesOrderNumber).length;
          if (own >= p.lines) {
            pending.delete(String(h.CustomersOrderReference));
            p.resolve((now - p.sent) / 1000);
          }
        }
      }, 5);
      stops.push(async () => clearInterval(poll));

      let seq = 0;
      const oneOrder = async (): Promise<number> => {
        const i = seq++;
        const fba = i % 2 === 0;
        const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
        const items: ItemSpec[] = Array.from({ length: 1 + (i % 3) }, (_, l) => ({
          sku: pool[(i + l) % pool.length]!.sku,
          quantity: 1 + (l % 2),
          shippingPrice: fba ? "0.00" : "4.99",
        }));
        const order = spapi.sim.addOrder({
          marketplaceId: MARKETPLACES[i % 3],
          status: "Unshipped",
          fulfillmentChannel: fba ? "AFN" : "MFN",
          items,
        });
        const notification = spapi.sim.notifications().at(-1);
        const sent = performance.now();
        const done = new Promise<number>((resolve) => pending.set(order.amazonOrderId, { sent, lines: items.length, resolve }));
        const res = await fetch(`${host.url}/api/amazon/notifications`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": API_KEY },
          body: JSON.stringify({
            version: "0",
            "detail-type": "ORDER_CHANGE",
            source: "aws.partner/sellingpartnerapi.amazon.com/bench/app",
            detail: notification,
          }),
        });
        await res.text();
        if (res.status !== 202) throw new Error(`POST /api/amazon/notifications answered ${res.status}`);
        return withTimeout(done, 60_000, `order ${order.amazonOrderId} did not reach D365 within 60 s`);
      };

      for (let i = 0; i < 3; i++) await oneOrder(); // warm-up, not counted
      spapi.sim.reset({ data: false });
      d365.clearRequests();

      ctx.progress(`notification → order: ${count} notifications at ${RATE_PER_SECOND}/s`);
      const latencies: Promise<number>[] = [];
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / RATE_PER_SECOND;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        latencies.push(oneOrder());
      }
      const seconds = (await Promise.all(latencies)).map((s) => round(s));
      const calls = spapi.sim.requestCounts();
      const summary = await host.summary();
      const p95 = percentile(seconds, 95);
      return {
        value: p95,
        details: {
          notifications: count,
          perSecond: RATE_PER_SECOND,
          spapiTimeScale: TIME_SCALE,
          p50: round(median(seconds)),
          p95,
          max: Math.max(...seconds),
          spapiThrottled: calls.throttled,
          failedInvocations: Object.fromEntries(
            Object.entries(summary.invocations)
              .filter(([, c]) => c.failed > 0)
              .map(([k, c]) => [k, c.failed]),
          ),
        },
        note: `${count} notifications at ${RATE_PER_SECOND}/s: p50 ${round(median(seconds))} s, p95 ${p95} s, max ${Math.max(...seconds)} s; SP-API 429s: ${Object.values(calls.throttled).reduce((a, b) => a + b, 0)}`,
      };
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      setConfig(undefined);
      setRuntimeOverrides({});
      for (const k of Object.keys(process.env)) if (!(k in envBefore)) delete process.env[k];
      Object.assign(process.env, envBefore);
    }
  },
};

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
