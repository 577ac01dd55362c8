/**
 * A 10-minute D365 outage while orders arrive, end to end through the local host: notifications come in before,
 * during and after the outage; every order import that meets the outage fails and is retried by scheduled copies
 * (the retry settings at their production defaults: 10 s doubling to 10 minutes, 30 attempts). Azure redelivers an
 * abandoned message at once, so retrying by abandoning would have dead-lettered every one of them within seconds.
 *
 * Time is scaled 100 times: the bus brings scheduled messages forward 100 times (LOCAL_QUEUE_TIME_SCALE) and the
 * D365 connector's own retry waits are 100 times shorter, so the 10 minutes of outage take 6 s of real time.
 * Proves: nothing is lost, nothing is dead-lettered or parked, every order is in D365 exactly once with its lines.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startLocalHost, type HostSummary, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import type { ItemSpec } from "../../../src/local/spapi-sim/data";
import { Mappings } from "../../../src/mapping/mappings";
import { listParked } from "../../../src/platform/parked-messages";
import type { SecretStore } from "../../../src/platform/ports";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../../integration/amazon/sim-client";

const SCALE = 100;
const OUTAGE_MS = (10 * 60_000) / SCALE;
const ORDERS = 36;
const KEY = "fake-outage-notification-key";
const MARKETPLACES = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
let summary: HostSummary;
const created: { id: string; items: ItemSpec[] }[] = [];
const attempts = new Map<string, number>();
let failedDuringOutage = 0;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
  d365Sim = await startD365Simulator({ port: 0, seed: 11 });
  spapi = await startSpApiSimulator({ port: 0, seed: 11, timeScale: 200, dataDir: mkdtempSync(join(tmpdir(), "outage-spapi-")) });
  spapi.sim.data.orders.length = 0;

  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: `out${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, ""),
    ORDERS_INITIAL_LOOKBACK_DAYS: "1",
  });
  expect(cfg.QUEUE_RETRY_BASE_DELAY_SECONDS).toBe(10);
  expect(cfg.QUEUE_RETRY_MAX_DELAY_SECONDS).toBe(600);
  // D365's own retries (5, backoff up to 30 s) at the same scale as the bus.
  const d365 = new D365Connector({
    baseUrl: d365Sim.url,
    credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "outage", "fake-secret"),
    company: "usmf",
    timeoutMs: 5000,
    sleep: (ms) => sleep(ms / SCALE),
  });
  const secrets: SecretStore = { get: async () => KEY, tryGet: async () => KEY };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "outage-host-")),
    busOptions: { timeScale: SCALE },
    config: cfg,
    app: {
      secrets,
      d365,
      spapi: clientFor(spapi, { maxRetries: 1, backoffBaseMs: 5 }),
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
    },
    log: () => undefined,
  });
  host.bus.onSettled((e) => {
    if (e.queue !== cfg.QUEUE_ORDER_IMPORT) return;
    const m = /:retry:(\d+)$/.exec(e.messageId);
    const base = m ? e.messageId.slice(0, m.index) : e.messageId;
    attempts.set(base, Math.max(attempts.get(base) ?? 1, m ? Number(m[1]) : 1));
  });

  for (let i = 0; i < ORDERS; i++) {
    const fba = i % 2 === 0;
    const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
    const items: ItemSpec[] = [];
    for (let l = 0; l < 1 + (i % 3); l++)
      items.push({ sku: pool[(i + l) % pool.length].sku, quantity: 1 + (l % 2), shippingPrice: "0.00" });
    const o = spapi.sim.addOrder({
      marketplaceId: MARKETPLACES[i % 3],
      status: "Unshipped",
      fulfillmentChannel: fba ? "AFN" : "MFN",
      items,
    });
    created.push({ id: o.amazonOrderId, items });
  }
  const notifications = spapi.sim.notifications();
  expect(notifications).toHaveLength(ORDERS);
  const third = ORDERS / 3;

  // A few orders before the outage, a third while D365 is down, the rest as it ends.
  for (const n of notifications.slice(0, 4)) expect(await post(n)).toBe(202);
  await host.drain({ timeoutMs: 30_000 });
  d365Sim.injectFault({ kind: "error", status: 503, times: 0 });
  const outageStarted = Date.now();
  for (const n of notifications.slice(4, 4 + third)) {
    expect(await post(n)).toBe(202);
    await sleep(OUTAGE_MS / third / 2);
  }
  await sleep(Math.max(0, OUTAGE_MS / 2 - (Date.now() - outageStarted)));
  for (const n of notifications.slice(4 + third, 4 + 2 * third)) expect(await post(n)).toBe(202);
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
  failedDuringOutage = d365Sim.requests().log.filter((r) => r.status === 503).length;
  d365Sim.clearFaults();
  for (const n of notifications.slice(4 + 2 * third)) expect(await post(n)).toBe(202);
  // The longest wait between two attempts is 10 minutes: 6 s here.
  summary = await host.drain({ timeoutMs: 120_000, horizonMs: (600_000 / SCALE) * 2 });
}, 240_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

describe("a 10-minute D365 outage while orders arrive", () => {
  it("really kept D365 down, and the imports that met it were retried later, several times each", () => {
    expect(failedDuringOutage).toBeGreaterThan(ORDERS / 3);
    const retried = [...attempts.values()].filter((n) => n > 1);
    expect(retried.length).toBeGreaterThanOrEqual(ORDERS / 3);
    // More attempts than an immediate redelivery would have had before the outage ended, fewer than the limit.
    expect(Math.max(...retried)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...retried)).toBeLessThan(currentApp().config.QUEUE_RETRY_MAX_ATTEMPTS);
  });

  it("dead-letters nothing and parks nothing", async () => {
    expect(summary.timedOut).toBeFalsy();
    expect(summary.deadLettered).toEqual([]);
    expect(await listParked(currentApp().state)).toEqual([]);
  });

  it("creates every order in D365 exactly once, with all its lines", () => {
    const headers = d365Sim.rows("SalesOrderHeadersV4", "usmf");
    const lines = d365Sim.rows("SalesOrderLinesV3", "usmf");
    const missing: string[] = [];
    for (const c of created) {
      const mine = headers.filter((h) => h.CustomersOrderReference === c.id);
      if (mine.length === 0) missing.push(c.id);
      expect(mine.length, c.id).toBeLessThanOrEqual(1);
      if (mine.length === 1) expect(lines.filter((l) => l.SalesOrderNumber === mine[0].SalesOrderNumber)).toHaveLength(c.items.length);
    }
    expect(missing, "orders lost").toEqual([]);
    expect(headers).toHaveLength(ORDERS);
  });
});
