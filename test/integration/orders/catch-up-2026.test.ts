/**
 * The order catch-up with SPAPI_ORDERS_API=2026-01-01 against the SP-API simulator: listing changed orders
 * with one Orders 2026-01-01 searchOrders call sequence for all three marketplaces enqueues exactly the
 * import messages the v0 catch-up (getOrders per marketplace) enqueues for the same seeded orders, ledger
 * and watermarks, moves the same watermarks, and makes no v0 getOrders call.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpApiOrders } from "../../../src/wiring/adapters/amazon-orders";
import { AMAZON_CUTOFF_MS, CATCHUP_FLOW, catchUpOrders, type CatchUpResult } from "../../../src/flows/orders/catch-up";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import type { Clock } from "../../../src/platform/clock";
import { loadConfig } from "../../../src/wiring/config";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { getWatermark, setWatermark } from "../../../src/platform/run-records";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { clientFor, startSim } from "../amazon/sim-client";

const MARKETPLACES = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
const DAY = 86_400_000;

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

interface Run {
  results: CatchUpResult[];
  sent: OutgoingMessage[];
  calls: Record<string, number>;
  watermarks: (string | undefined)[];
}

let spapi: SpApiSimulator;
let clock: Clock;
const runs: Record<"v0" | "v2026", Run> = {} as Record<"v0" | "v2026", Run>;
let applied: string[] = [];

/** One catch-up run on fresh state: same watermarks (US 10 days back, UK 20, DE none) and the same applied orders. */
async function catchUp(ordersApi: "v0" | "2026-01-01"): Promise<Run> {
  spapi.sim.reset();
  const state = new MemoryStateStore();
  const ledger = new StateOrderLedger(state, "orderledger", () => clock.now());
  const now = clock.now().getTime();
  await setWatermark(state, CATCHUP_FLOW, MARKETPLACES[0], new Date(now - 10 * DAY), clock);
  await setWatermark(state, CATCHUP_FLOW, MARKETPLACES[1], new Date(now - 20 * DAY), clock);
  for (const id of applied) {
    const o = spapi.sim.data.orders.find((x) => x.amazonOrderId === id)!;
    const s = await ledger.begin(id, clock.now(), 1000);
    await s.finish({ status: "complete", amazonLastUpdate: o.lastUpdateDate.toISOString() });
  }
  const bus = new RecordingBus();
  const amazon = new SpApiOrders(clientFor(spapi, { maxRetries: 6, backoffBaseMs: 5 }), ordersApi);
  const results = await catchUpOrders(
    { marketplaceIds: MARKETPLACES, overlapMinutes: 10, initialLookbackDays: 30, ordersApi },
    { amazon, ledger, bus, queue: "order-import", state, clock, telemetry: new MemoryTelemetry() },
  );
  const watermarks = await Promise.all(MARKETPLACES.map(async (mp) => (await getWatermark(state, CATCHUP_FLOW, mp))?.toISOString()));
  return { results, sent: bus.sent, calls: spapi.sim.requestCounts().counts, watermarks };
}

beforeAll(async () => {
  spapi = await startSim({ timeScale: 1000 });
  // 45 more orders (15 per marketplace), so that the 2026 listing needs a second page.
  for (let i = 0; i < 45; i++) {
    const mp = MARKETPLACES[i % 3];
    spapi.sim.addOrder({
      marketplaceId: mp,
      status: "Unshipped",
      items: [{ sku: DEMO_PRODUCTS.find((p) => !p.fba)!.sku, quantity: 1, shippingPrice: "0.00" }],
    });
  }
  spapi.sim.advance(10 * 60_000); // the new orders are now older than Amazon's 2-minute cutoff
  clock = { now: () => spapi.sim.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  // Every fifth seeded order is already imported at its current update: both runs must skip it.
  applied = spapi.sim.data.orders.filter((_, i) => i % 5 === 0).map((o) => o.amazonOrderId);
  runs.v0 = await catchUp("v0");
  runs.v2026 = await catchUp(loadConfig({ SPAPI_ORDERS_API: "2026-01-01" }).SPAPI_ORDERS_API);
}, 60_000);

afterAll(async () => {
  await spapi?.stop();
});

const byMessageId = (a: OutgoingMessage, b: OutgoingMessage) => String(a.messageId).localeCompare(String(b.messageId));

describe("order catch-up with SPAPI_ORDERS_API=2026-01-01 against the SP-API simulator", () => {
  it("enqueues exactly the messages the v0 catch-up enqueues for the seeded orders", () => {
    expect(runs.v0.sent.length).toBeGreaterThan(60);
    // The same messages (ids, orders, updates, marketplaces); each carries what its listing row knows.
    const key = (m: OutgoingMessage) => {
      const { known, ...rest } = m.body as { known?: { order: { status: string } } };
      return { messageId: m.messageId, body: rest, status: known?.order.status };
    };
    expect([...runs.v2026.sent].sort(byMessageId).map(key)).toEqual([...runs.v0.sent].sort(byMessageId).map(key));
    // A searchOrders row also carries the items, so the import of a 2026-listed order reads nothing more.
    for (const m of runs.v2026.sent) expect((m.body as { known?: { items?: unknown[] } }).known?.items?.length).toBeGreaterThan(0);
  });

  it("honours each marketplace's own window: UK orders from before its watermark are not enqueued", () => {
    const ukWindowStart = Date.parse(runs.v2026.results[1].from);
    const ukBefore = spapi.sim.data.orders.filter((o) => o.marketplaceId === MARKETPLACES[1] && o.lastUpdateDate.getTime() < ukWindowStart);
    expect(ukBefore.length).toBeGreaterThan(0);
    const sentIds = new Set(runs.v2026.sent.map((m) => (m.body as { amazonOrderId: string }).amazonOrderId));
    for (const o of ukBefore) expect(sentIds.has(o.amazonOrderId), o.amazonOrderId).toBe(false);
    expect(runs.v2026.results.map((r) => [r.marketplaceId, r.seen, r.enqueued, r.skipped, r.ok])).toEqual(
      runs.v0.results.map((r) => [r.marketplaceId, r.seen, r.enqueued, r.skipped, r.ok]),
    );
    expect(runs.v2026.results.reduce((s, r) => s + r.skipped, 0)).toBeGreaterThan(0);
  });

  it("lists with one searchOrders call sequence (two pages) and makes no v0 getOrders call", () => {
    expect(runs.v0.calls.getOrders).toBe(3);
    expect(runs.v2026.calls.getOrders ?? 0).toBe(0);
    expect(runs.v2026.calls.searchOrders).toBe(2);
    expect(runs.v2026.calls.getOrder ?? 0).toBe(0);
  });

  it("moves every marketplace's watermark to 2 minutes (plus skew) before now, as v0 does", () => {
    expect(runs.v0.watermarks).toEqual(runs.v0.results.map((r) => r.to));
    const to = runs.v2026.results[0].to;
    expect(runs.v2026.watermarks).toEqual([to, to, to]);
    expect(Date.parse(to)).toBeLessThanOrEqual(clock.now().getTime() - AMAZON_CUTOFF_MS);
  });
});
