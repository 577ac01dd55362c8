/**
 * End to end through the local host: Amazon ORDER_CHANGE notifications arrive on POST /api/amazon/notifications
 * (duplicated, in EventBridge envelopes, raw and in Pipe batches), go through the notifications queue, the
 * router and the order import queue into the D365 simulator, while the catch-up timer enqueues the same
 * orders again and faults are injected everywhere: D365 429/503 and dropped connections, SP-API 429 and
 * dropped connections, a crash after the header was created (before the lines), redelivered messages.
 * Proves: every importable order exists exactly once with all its lines, none is lost, and the orders with
 * an unknown SKU are parked for review with the SKU named.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startLocalHost, type HostSummary, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import type { ItemSpec } from "../../../src/local/spapi-sim/data";
import { Mappings } from "../../../src/mapping/mappings";
import { loadConfig } from "../../../src/wiring/config";
import type { SecretStore } from "../../../src/platform/ports";
import { listParked } from "../../../src/platform/parked-messages";
import { currentApp } from "../../../src/wiring/app";
import { clientFor } from "../../integration/amazon/sim-client";

const ORDERS = 210;
const KEY = "fake-e2e-notification-key";
const MARKETPLACES = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];

/** A D365 connection that "crashes" right after D365 committed some headers: the lines never get sent. */
class CrashingConnector extends D365Connector {
  crashes = 0;
  constructor(
    url: string,
    private readonly crashEvery: number,
    private readonly maxCrashes: number,
  ) {
    super({
      baseUrl: url,
      credential: new SimulatorCredential(`${url}/oauth2/token`, "e2e", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 1,
      baseBackoffMs: 5,
      timeoutMs: 5000,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    });
  }
  private headers = 0;
  override async create<T>(entitySet: string, body: object): Promise<T> {
    const row = await super.create<T>(entitySet, body);
    if (entitySet === "SalesOrderHeadersV4" && ++this.headers % this.crashEvery === 0 && this.crashes < this.maxCrashes) {
      this.crashes++;
      throw new Error("simulated crash between header and lines");
    }
    return row;
  }
}

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
let d365: CrashingConnector;
let summary: HostSummary;
/** Deliveries of scheduled retry copies (a failure that may pass is retried later, not abandoned). */
let retryDeliveries = 0;
const created: { id: string; items: ItemSpec[]; unknown: boolean }[] = [];

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${host.url}/api/amazon/notifications`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 7 });
  spapi = await startSpApiSimulator({ port: 0, seed: 7, timeScale: 200, dataDir: mkdtempSync(join(tmpdir(), "orders-e2e-")) });
  spapi.sim.data.orders.length = 0; // an empty seller: only the orders this test creates

  const prefix = `e2e${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, "");
  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: prefix,
    ORDERS_INITIAL_LOOKBACK_DAYS: "1",
    QUEUE_MAX_DELIVERY_COUNT: "25",
  });
  d365 = new CrashingConnector(d365Sim.url, 7, 12);
  const secrets: SecretStore = { get: async () => KEY, tryGet: async () => KEY };
  // The app's clock runs 10 minutes ahead so that the catch-up window (which ends 2 minutes before now)
  // covers the orders created by this test.
  const clock = { now: () => new Date(Date.now() + 10 * 60_000), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "orders-e2e-host-")),
    busOptions: { maxDeliveryCount: 25, timeScale: 1000, concurrency: 8 },
    config: cfg,
    app: {
      clock,
      secrets,
      d365,
      spapi: clientFor(spapi, { maxRetries: 1, backoffBaseMs: 5 }),
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
    },
    log: () => undefined,
  });
  host.bus.onSettled((e) => {
    if (e.messageId.includes(":retry:")) retryDeliveries++;
  });

  // 210 orders across the three marketplaces, FBA and FBM, 1-3 lines, promotions; every 21st has an unknown SKU.
  for (let i = 0; i < ORDERS; i++) {
    const fba = i % 2 === 0;
    const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
    const lines = 1 + (i % 3);
    const items: ItemSpec[] = [];
    for (let l = 0; l < lines; l++) {
      items.push({
        sku: pool[(i + l) % pool.length].sku,
        quantity: 1 + ((i + l) % 3),
        shippingPrice: fba ? "0.00" : "4.99",
        ...(i % 4 === 1 && l === 0 ? { promotionDiscount: "2.00" } : {}),
      });
    }
    const unknown = i % 21 === 5;
    if (unknown) items.push({ sku: "UNMAPPED-GADGET-01", quantity: 1, shippingPrice: "0.00" });
    const o = spapi.sim.addOrder({
      marketplaceId: MARKETPLACES[i % 3],
      status: "Unshipped",
      fulfillmentChannel: fba ? "AFN" : "MFN",
      items,
    });
    created.push({ id: o.amazonOrderId, items, unknown });
  }

  // Faults: D365 throttling, outages and dropped connections; SP-API throttling and drops.
  d365Sim.injectFault({ kind: "throttle", target: "SalesOrderHeadersV4", method: "POST", times: 15, retryAfterSeconds: 0 });
  d365Sim.injectFault({ kind: "error", target: "$batch", status: 503, times: 15 });
  d365Sim.injectFault({ kind: "drop", target: "SalesOrderHeadersV4", method: "GET", times: 10 });
  d365Sim.injectFault({ kind: "drop", target: "$batch", times: 5, skip: 40 });
  spapi.sim.addFaults([
    { operation: "getOrder", status: 429, count: 20 },
    { operation: "getOrderItems", status: 429, count: 20 },
    { operation: "getOrderItems", drop: true, count: 5 },
  ]);

  // Notifications: every one twice, every fifth three times, as EventBridge events, raw SQS bodies and Pipe batches.
  const notifications = spapi.sim.notifications();
  expect(notifications.length).toBe(ORDERS);
  const sends: Promise<number>[] = [];
  notifications.forEach((n, i) => {
    sends.push(
      post(
        i % 2 === 0
          ? { version: "0", "detail-type": "ORDER_CHANGE", source: "aws.partner/sellingpartnerapi.amazon.com/e2e/app", detail: n }
          : n,
      ),
    );
  });
  for (let i = 0; i < notifications.length; i += 5)
    sends.push(post(notifications.slice(i, i + 5).map((n) => ({ messageId: `sqs-${i}`, body: JSON.stringify(n) }))));
  for (let i = 0; i < notifications.length; i += 5) sends.push(post(notifications[i]));
  const statuses = await Promise.all(sends);
  expect(statuses.every((s) => s === 202)).toBe(true);

  // The catch-up timer sees the same orders (lost-notification safety net) while the imports run.
  const timer = await host.runTimer("order-catchup");
  expect(timer.ok).toBe(true);
  await host.drain({ timeoutMs: 120_000 });

  // Redelivered messages: import messages for orders already done, under new message ids.
  await currentApp().bus.send(
    cfg.QUEUE_ORDER_IMPORT,
    created.slice(0, 30).map((c, i) => ({ messageId: `redelivered-${i}`, body: { amazonOrderId: c.id, source: "replay" } })),
  );
  summary = await host.drain({ timeoutMs: 60_000 });
}, 300_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

describe(`${ORDERS} Amazon orders through notifications, catch-up and faults`, () => {
  it("settles without timing out and without any message in the dead-letter queue", () => {
    expect(summary.timedOut).toBeFalsy();
    expect(summary.deadLettered).toEqual([]);
  });

  it("the faults really happened", () => {
    expect(d365.crashes).toBeGreaterThan(5);
    expect(spapi.sim.requestCounts().throttled.getOrder ?? 0).toBeGreaterThan(0);
    expect(retryDeliveries).toBeGreaterThan(10);
  });

  it("creates every importable order exactly once, with all its lines", () => {
    const headers = d365Sim.rows("SalesOrderHeadersV4", "usmf");
    const lines = d365Sim.rows("SalesOrderLinesV3", "usmf");
    const missing: string[] = [];
    for (const c of created.filter((x) => !x.unknown)) {
      const mine = headers.filter((h) => h.CustomersOrderReference === c.id);
      if (mine.length === 0) missing.push(c.id);
      expect(mine.length, c.id).toBeLessThanOrEqual(1);
      if (mine.length === 1) {
        const own = lines.filter((l) => l.SalesOrderNumber === mine[0].SalesOrderNumber);
        expect(own.length, c.id).toBe(c.items.length);
        expect(new Set(own.map((l) => l.OrderLineReference)).size, `${c.id}: duplicate lines`).toBe(c.items.length);
      }
    }
    expect(missing, "orders lost").toEqual([]);
    expect(headers.length).toBe(created.filter((x) => !x.unknown).length);
  });

  it("parks every unknown-SKU order for review, names the SKU, and creates nothing for it", async () => {
    const unknown = created.filter((x) => x.unknown);
    expect(unknown.length).toBeGreaterThanOrEqual(10);
    const parked = await listParked(currentApp().state, { queue: "order-import" });
    for (const u of unknown) {
      expect(d365Sim.rows("SalesOrderHeadersV4", "usmf").some((h) => h.CustomersOrderReference === u.id)).toBe(false);
      const record = parked.find((p) => (p.body as { amazonOrderId?: string }).amazonOrderId === u.id);
      expect(record, u.id).toBeDefined();
      expect(record!.reason).toBe("mapping-gap");
      expect(record!.description).toContain("UNMAPPED-GADGET-01");
    }
    const ledger = new StateOrderLedger(currentApp().state);
    expect((await ledger.get(unknown[0].id))?.status).toBe("needs-mapping");
  });

  it("records every imported order in the ledger as complete, without buyer PII", async () => {
    const ledger = new StateOrderLedger(currentApp().state);
    for (const c of created.filter((x) => !x.unknown).slice(0, 50)) {
      const e = await ledger.get(c.id);
      expect(e?.status, c.id).toBe("complete");
      expect(e?.salesOrderNumber).toBeTruthy();
      expect(JSON.stringify(e)).not.toMatch(/AddressLine|Name/);
    }
  });
});
