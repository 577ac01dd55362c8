/**
 * A load of Amazon notifications on the local host, as EventBridge delivers them when a busy seller's orders
 * change: `notifications` POSTs to /api/amazon/notifications (one EventBridge event each) over `connections`
 * keep-alive connections at once, for `notifications / perOrder` orders. Each order is announced `perOrder`
 * times: once as Amazon sent it, once more with the same notification id (Amazon delivers at least once), and
 * with new notification ids for the same change (several subscriptions or a replayed SQS queue), so both
 * duplicate detections (the notification id on the notifications queue, `<order>@<change time>` on the import
 * queue) are exercised.
 *
 * The app runs as `npm start` runs it (every function, the in-memory bus with its journal on disk, the
 * simulators), in this process, without timers. The SP-API simulator runs at time scale 1000 (no quota waits).
 * Measured: the POSTs' throughput over the sending window and their latency (p50, p99, max), then the time until
 * every order is in D365; checked: what was dead-lettered or parked, and every order exactly once with its lines.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { startD365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startLocalHost } from "../../../src/local/host";
import { startSpApiSimulator } from "../../../src/local/spapi-sim";
import type { ItemSpec } from "../../../src/local/spapi-sim/data";
import { listParked } from "../../../src/platform/parked-messages";
import type { SecretStore } from "../../../src/platform/ports";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { median, percentile, round } from "../bench-row";

const KEY = "fake-load-notification-key";
const MARKETPLACES = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
/** The simulators' fake credentials (they accept any well-formed value). */
const FAKE_SECRETS: Record<string, string> = {
  "notification-api-key": KEY,
  "spapi-refresh-token": "Atzr|fake-refresh-token",
  "spapi-lwa-client-secret": "fake-secret",
  "d365-client-secret": "fake-secret",
};

export interface NotificationLoadOptions {
  notifications: number;
  connections: number;
  /** Notifications per order (the first as sent, one repeat of it, the rest new ids for the same change). */
  perOrder: number;
  /** Storage for the app's state (Azurite). */
  storageConnectionString: string;
  tmpDir: string;
  progress?: (message: string) => void;
  drainTimeoutMs?: number;
}

export interface NotificationLoadResult {
  notifications: number;
  orders: number;
  /** Connections the client actually opened. */
  connections: number;
  accepted: number;
  refused: Record<string, number>;
  sendSeconds: number;
  throughputPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the first POST until the last order was in D365 with its lines. */
  endToEndSeconds: number;
  ordersPerSecond: number;
  deadLettered: number;
  parked: number;
  /** Orders not in D365 exactly once with every line. */
  wrongOrders: string[];
  duplicatesDropped: number;
  timedOut: boolean;
}

export async function runNotificationLoad(opts: NotificationLoadOptions): Promise<NotificationLoadResult> {
  const progress = opts.progress ?? (() => undefined);
  const stops: (() => Promise<void>)[] = [];
  try {
    const d365 = await startD365Simulator({ port: 0, seed: 31 });
    stops.push(() => d365.stop());
    const spapi = await startSpApiSimulator({ port: 0, seed: 31, timeScale: 1000, dataDir: mkdtempSync(join(opts.tmpDir, "load-spapi-")) });
    stops.push(() => spapi.stop());
    spapi.sim.data.orders.length = 0;
    const config = loadConfig({
      STORAGE_CONNECTION_STRING: opts.storageConnectionString,
      STATE_TABLE_PREFIX: `load${Date.now().toString(36)}`,
      D365_BASE_URL: d365.url,
      D365_AUTH_MODE: "simulator",
      SPAPI_ENDPOINT_OVERRIDE: spapi.url,
      SPAPI_OVERRIDE_CA_FILE: spapi.caFile ?? "",
    });
    const secrets: SecretStore = {
      get: async (name) => FAKE_SECRETS[name] ?? "fake-secret",
      tryGet: async (name) => FAKE_SECRETS[name],
    };
    const host = await startLocalHost({
      config,
      port: 0,
      schedules: false,
      dataDir: mkdtempSync(join(opts.tmpDir, "load-host-")),
      app: { secrets },
      log: () => undefined,
    });
    stops.push(() => host.stop());

    const orderCount = Math.ceil(opts.notifications / opts.perOrder);
    const orders: { id: string; lines: number }[] = [];
    const bodies: string[] = [];
    for (let i = 0; i < orderCount; i++) {
      const fba = i % 2 === 0;
      const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
      const items: ItemSpec[] = Array.from({ length: 1 + (i % 3) }, (_, l) => ({
        sku: pool[(i + l) % pool.length]!.sku,
        quantity: 1 + (l % 2),
        shippingPrice: fba ? "0.00" : "4.99",
      }));
      const o = spapi.sim.addOrder({
        marketplaceId: MARKETPLACES[i % 3],
        status: "Unshipped",
        fulfillmentChannel: fba ? "AFN" : "MFN",
        items,
      });
      orders.push({ id: o.amazonOrderId, lines: items.length });
      const sent = spapi.sim.notifications().at(-1) as { NotificationMetadata: Record<string, unknown> };
      for (let k = 0; k < opts.perOrder && bodies.length < opts.notifications; k++) {
        const n = k <= 1 ? sent : { ...sent, NotificationMetadata: { ...sent.NotificationMetadata, NotificationId: randomUUID() } };
        bodies.push(
          JSON.stringify({
            version: "0",
            "detail-type": "ORDER_CHANGE",
            source: "aws.partner/sellingpartnerapi.amazon.com/load/app",
            detail: n,
          }),
        );
      }
    }
    // Interleave, so that the copies of one order arrive at different moments and over different connections.
    const order = bodies.map((_, i) => i).sort((a, b) => (a % opts.perOrder) - (b % opts.perOrder) || a - b);

    progress(`notification load: ${bodies.length} notifications for ${orderCount} orders over ${opts.connections} connections`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
    const sockets = new Set<unknown>();
    const url = new URL("/api/amazon/notifications", host.url);
    const post = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          url,
          {
            method: "POST",
            agent,
            headers: { "content-type": "application/json", "x-api-key": KEY, "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("socket", (s) => sockets.add(s));
        req.on("error", reject);
        req.end(body);
      });
    const latencies: number[] = [];
    const refused: Record<string, number> = {};
    let next = 0;
    let accepted = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        for (;;) {
          const i = next++;
          if (i >= order.length) return;
          const t0 = performance.now();
          const status = await post(bodies[order[i]!]!);
          latencies.push(performance.now() - t0);
          if (status === 202) accepted++;
          else refused[status] = (refused[status] ?? 0) + 1;
        }
      }),
    );
    const sendSeconds = (performance.now() - started) / 1000;
    agent.destroy();

    progress("notification load: waiting for every order to reach D365");
    const summary = await host.drain({ timeoutMs: opts.drainTimeoutMs ?? 180_000 });
    const headers = d365.rows("SalesOrderHeadersV4", "usmf");
    const lines = d365.rows("SalesOrderLinesV3", "usmf");
    const wrongOrders = orders
      .filter((o) => {
        const h = headers.filter((x) => x.CustomersOrderReference === o.id);
        return h.length !== 1 || lines.filter((l) => l.SalesOrderNumber === h[0]!.SalesOrderNumber).length !== o.lines;
      })
      .map((o) => o.id);
    const endToEndSeconds = (performance.now() - started) / 1000;
    const parked = (await listParked(currentApp().state)).length;
    return {
      notifications: bodies.length,
      orders: orderCount,
      connections: sockets.size,
      accepted,
      refused,
      sendSeconds: round(sendSeconds),
      throughputPerSecond: round(bodies.length / sendSeconds, 1),
      p50Ms: round(median(latencies), 1),
      p99Ms: round(percentile(latencies, 99), 1),
      maxMs: round(Math.max(...latencies), 1),
      endToEndSeconds: round(endToEndSeconds),
      ordersPerSecond: round(orderCount / endToEndSeconds, 1),
      deadLettered: summary.deadLettered.length,
      parked,
      wrongOrders,
      duplicatesDropped: host.bus.stats.duplicatesDropped,
      timedOut: !!summary.timedOut,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
