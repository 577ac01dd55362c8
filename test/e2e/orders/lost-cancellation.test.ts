/**
 * The lost cancellation (reliability issue, lease contention): Amazon cancels an order while the app imports
 * it. Whatever the timing — before the import starts, while the importing worker waits for SP-API, after it
 * created the header and before the lines, after it finished — and whether the cancellation's notification
 * arrives (and meets the lease) or is lost, the cancellation reaches D365 within one catch-up period.
 *
 * End to end on the local host: notifications are POSTed to /api/amazon/notifications, the catch-up timer is
 * run as its schedule would (ORDERS_CATCHUP_OVERLAP_MINUTES = 5, below the 7 minutes at which the old
 * message ids made the catch-up's copy a duplicate of the notification forever), the app's clock is the
 * SP-API simulator's, moved on by one catch-up period (5 minutes) before that run.
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
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import type { SecretStore } from "../../../src/platform/ports";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../../integration/amazon/sim-client";

const KEY = "fake-e2e-notification-key";
const CATCHUP_PERIOD_MS = 5 * 60_000;
/** How long the importing worker is held (quota wait, slow D365): longer than the cancellation message's retries last. */
const HOLD_MS = 4000;

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;

async function post(notification: unknown): Promise<void> {
  const res = await fetch(`${host.url}/api/amazon/notifications`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify(notification),
  });
  await res.text();
  expect(res.status).toBe(202);
}

const lastNotification = () => spapi.sim.notifications().at(-1);
const headersOf = (id: string) => d365Sim.rows("SalesOrderHeadersV4", "usmf").filter((h) => h.CustomersOrderReference === id);
const ledger = () => new StateOrderLedger(currentApp().state);

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting until ${what}`);
}

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 11 });
  spapi = await startSpApiSimulator({ port: 0, seed: 11, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "cancel-e2e-")) });
  spapi.sim.data.orders.length = 0;
  const prefix = `cancel${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, "");
  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: prefix,
    ORDERS_INITIAL_LOOKBACK_DAYS: "1",
    ORDERS_CATCHUP_OVERLAP_MINUTES: "5",
  });
  const secrets: SecretStore = { get: async () => KEY, tryGet: async () => KEY };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "cancel-e2e-host-")),
    // Redelivery as fast as Service Bus redelivers an abandoned message: a message that meets the lease is tried
    // QUEUE_MAX_DELIVERY_COUNT times within about 2 s and dead-lettered while the worker still holds the order.
    busOptions: { timeScale: 1000, concurrency: 8 },
    config: cfg,
    app: {
      clock: { now: () => spapi.sim.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) },
      secrets,
      d365: new D365Connector({
        baseUrl: d365Sim.url,
        credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "e2e", "fake-secret"),
        company: "usmf",
        maxRetries: 2,
        baseBackoffMs: 5,
        timeoutMs: 10_000,
      }),
      spapi: clientFor(spapi, { maxRetries: 2, backoffBaseMs: 5 }),
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
    },
    log: () => undefined,
  });
  // A first catch-up sets the watermarks, as the timer's earlier runs would have.
  expect((await host.runTimer("order-catchup")).ok).toBe(true);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

type Timing =
  | "before the import starts"
  | "while the importing worker waits for SP-API"
  | "after the header, before the lines"
  | "after the import finished";

/** Creates an order, lets its notification import it, and cancels it on Amazon at `timing`. */
async function cancelDuringImport(timing: Timing, notifyCancellation: boolean): Promise<string> {
  const sku = DEMO_PRODUCTS.find((p) => !p.fba)!.sku;
  const order = spapi.sim.addOrder({
    marketplaceId: "ATVPDKIKX0DER",
    status: "Unshipped",
    fulfillmentChannel: "MFN",
    items: [{ sku, quantity: 2 }],
  });
  const id = order.amazonOrderId;
  const created = lastNotification();
  const cancel = async () => {
    spapi.sim.setOrderStatus(id, "Canceled");
    if (notifyCancellation) await post(lastNotification());
  };
  if (timing === "before the import starts") {
    await cancel();
    await post(created);
  } else if (timing === "while the importing worker waits for SP-API") {
    spapi.sim.addFaults([{ operation: "getOrderItems", latencyMs: HOLD_MS, count: 1 }]);
    await post(created);
    await until("the worker holds the order", async () => !!(await ledger().get(id))?.leaseUntil);
    await new Promise((r) => setTimeout(r, 200));
    expect(headersOf(id)).toHaveLength(0);
    await cancel();
  } else if (timing === "after the header, before the lines") {
    d365Sim.injectFault({ kind: "latency", target: "$batch", latencyMs: HOLD_MS, times: 1 });
    await post(created);
    await until("the header exists", () => headersOf(id).length === 1);
    await cancel();
  } else {
    await post(created);
    await host.drain({ timeoutMs: 30_000 });
    expect(headersOf(id)).toHaveLength(1);
    await cancel();
  }
  await host.drain({ timeoutMs: 30_000 });
  return id;
}

/** One catch-up period later: the timer runs once, and its work settles. */
async function nextCatchUp(): Promise<void> {
  spapi.sim.advance(CATCHUP_PERIOD_MS);
  expect((await host.runTimer("order-catchup")).ok).toBe(true);
  await host.drain({ timeoutMs: 30_000 });
}

const TIMINGS: Timing[] = [
  "before the import starts",
  "while the importing worker waits for SP-API",
  "after the header, before the lines",
  "after the import finished",
];

describe("an Amazon cancellation reaches D365 within one catch-up period, whatever the timing", () => {
  for (const timing of TIMINGS) {
    for (const notified of [true, false]) {
      it(`cancelled ${timing}, its notification ${notified ? "delivered" : "lost"}`, async () => {
        const id = await cancelDuringImport(timing, notified);
        if (notified) {
          // Delivered: applied at once (by the worker that held the order, which re-read it, or by the message).
          expect(headersOf(id), "open in D365 before the catch-up").toHaveLength(0);
        }
        await nextCatchUp();
        expect(headersOf(id), "open in D365 after one catch-up period").toHaveLength(0);
        const e = await ledger().get(id);
        expect(e?.status).toBe("canceled");
        expect(e?.amazonStatus).toBe("Canceled");
      }, 60_000);
    }
  }

  it("dead-letters nothing but cancellation messages retried while the worker held the order, and leaves nothing open", async () => {
    const summary = await host.drain({ timeoutMs: 30_000 });
    // Those are the lost messages (an abandon is redelivered at once); their cancellations are in D365
    // all the same (the holder re-read the order). A retry scheduled after the lease would not dead-letter them.
    for (const d of summary.deadLettered) expect(d.description ?? "").toMatch(/being imported by another worker/);
    const open = [];
    for await (const o of ledger().openHandOvers()) if (o.entry?.status !== "canceled") open.push(o);
    expect(open).toEqual([]);
  });
});
