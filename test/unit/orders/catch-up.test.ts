import { beforeEach, describe, expect, it } from "vitest";
import { AMAZON_CUTOFF_MS, CATCHUP_FLOW, catchUpOrders, type CatchUpDeps } from "../../../src/flows/orders/catch-up";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { getWatermark, setWatermark } from "../../../src/platform/run-records";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { anAmazonOrder, anOrderItem, FakeAmazon, spapiThrottled, UK, US } from "./builders";

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

const NOW = new Date("2026-11-20T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

let amazon: FakeAmazon;
let bus: RecordingBus;
let state: MemoryStateStore;
let clock: ManualClock;
let ledger: StateOrderLedger;
let deps: CatchUpDeps;
const opts = { marketplaceIds: [US, UK], overlapMinutes: 10, initialLookbackDays: 1 };

beforeEach(() => {
  amazon = new FakeAmazon();
  bus = new RecordingBus();
  state = new MemoryStateStore();
  clock = new ManualClock(NOW);
  ledger = new StateOrderLedger(state, "orderledger", () => clock.now());
  deps = { amazon, ledger, bus, queue: "order-import", state, clock, telemetry: new MemoryTelemetry() };
});

describe("order catch-up", () => {
  it("first run looks back ORDERS_INITIAL_LOOKBACK_DAYS and stops 2 minutes before now (Amazon's cutoff)", async () => {
    const old = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(60 * 25) }), [anOrderItem()]);
    const inWindow = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    const tooFresh = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(1) }), [anOrderItem()]);
    const uk = amazon.put(anAmazonOrder({ marketplaceId: UK, lastUpdate: minutesAgo(5) }), [anOrderItem()]);
    const results = await catchUpOrders(opts, deps);
    expect(results.map((r) => [r.marketplaceId, r.enqueued, r.ok])).toEqual([
      [US, 1, true],
      [UK, 1, true],
    ]);
    expect(results[0].to).toBe(new Date(NOW.getTime() - AMAZON_CUTOFF_MS).toISOString());
    const ids = bus.sent.map((m) => (m.body as { amazonOrderId: string }).amazonOrderId);
    expect(ids).toEqual([inWindow.amazonOrderId, uk.amazonOrderId]);
    expect(ids).not.toContain(old.amazonOrderId);
    expect(ids).not.toContain(tooFresh.amazonOrderId);
    // Never the id a notification of the same update has (`<order>@<time>`): duplicate detection must not drop it.
    expect(bus.sent[0].messageId).toBe(`${inWindow.amazonOrderId}@${inWindow.lastUpdate}#catch-up`);
    expect((await getWatermark(state, CATCHUP_FLOW, US))?.toISOString()).toBe(results[0].to);
  });

  it("the next run starts at the watermark minus the overlap and skips orders the ledger has applied", async () => {
    await catchUpOrders(opts, deps);
    const fresh = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(1) }), [anOrderItem()]);
    const done = amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(1) }), [anOrderItem()]);
    const s = await ledger.begin(done.amazonOrderId, clock.now(), 1000);
    await s.finish({ status: "complete", amazonLastUpdate: done.lastUpdate });
    clock.advance(5 * 60_000);
    bus.sent.length = 0;
    const [us] = await catchUpOrders({ ...opts, marketplaceIds: [US] }, deps);
    expect(us.from).toBe(new Date(NOW.getTime() - AMAZON_CUTOFF_MS - 10 * 60_000).toISOString());
    expect(us).toMatchObject({ seen: 2, enqueued: 1, skipped: 1 });
    expect(bus.sent.map((m) => (m.body as { amazonOrderId: string }).amazonOrderId)).toEqual([fresh.amazonOrderId]);
  });

  it("does not move the watermark when Amazon throttles, so the next run reads the same window again", async () => {
    amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    amazon.faults.fail("getOrders", spapiThrottled());
    const [us] = await catchUpOrders({ ...opts, marketplaceIds: [US] }, deps);
    expect(us.ok).toBe(false);
    expect(await getWatermark(state, CATCHUP_FLOW, US)).toBeUndefined();
    const [again] = await catchUpOrders({ ...opts, marketplaceIds: [US] }, deps);
    expect(again).toMatchObject({ ok: true, enqueued: 1 });
  });

  it("a manual sync from `since` leaves the watermark alone", async () => {
    amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(60 * 24 * 10) }), [anOrderItem()]);
    const [us] = await catchUpOrders({ ...opts, marketplaceIds: [US], since: new Date(minutesAgo(60 * 24 * 30)) }, deps);
    expect(us.enqueued).toBe(1);
    expect((bus.sent[0].body as { source: string }).source).toBe("sync");
    expect(await getWatermark(state, CATCHUP_FLOW, US)).toBeUndefined();
  });

  it("only enqueues: it never calls D365, so it cannot pile on when D365 is down", async () => {
    amazon.put(anAmazonOrder({ lastUpdate: minutesAgo(30) }), [anOrderItem()]);
    await catchUpOrders(opts, deps);
    expect(Object.keys(deps)).not.toContain("d365");
    expect(amazon.faults.count("getOrder") + amazon.faults.count("getOrderItems")).toBe(0);
  });
});

describe("order catch-up with SPAPI_ORDERS_API=2026-01-01 (searchOrders)", () => {
  const DE = "A1PA6795UKMFR9";
  const three = { ...opts, marketplaceIds: [US, UK, DE] };
  const to = new Date(NOW.getTime() - AMAZON_CUTOFF_MS).toISOString();

  /** Watermarks 60 / 20 / 40 minutes back, and orders in and just outside each marketplace's window. */
  async function seed(on: { state: MemoryStateStore; ledger: StateOrderLedger }) {
    await setWatermark(on.state, CATCHUP_FLOW, US, new Date(minutesAgo(60)), clock);
    await setWatermark(on.state, CATCHUP_FLOW, UK, new Date(minutesAgo(20)), clock);
    await setWatermark(on.state, CATCHUP_FLOW, DE, new Date(minutesAgo(40)), clock);
    const put = (mp: string, ago: number) =>
      amazon.orders.get(anOrderIdFor(mp, ago))?.order ??
      amazon.put(anAmazonOrder({ amazonOrderId: anOrderIdFor(mp, ago), marketplaceId: mp, lastUpdate: minutesAgo(ago) }), [anOrderItem()]);
    const o = {
      us: put(US, 65), // US window starts at -70 min
      usApplied: put(US, 50),
      ukBefore: put(UK, 45), // UK window starts at -30 min: read by UK's earlier run
      uk: put(UK, 25),
      deBefore: put(DE, 55), // DE window starts at -50 min
      de: put(DE, 45),
      deFresh: put(DE, 1), // inside Amazon's 2-minute cutoff
    };
    const s = await on.ledger.begin(o.usApplied.amazonOrderId, clock.now(), 1000);
    await s.finish({ status: "complete", amazonLastUpdate: o.usApplied.lastUpdate });
    return o;
  }
  const anOrderIdFor = (mp: string, ago: number) =>
    `${mp === US ? 111 : mp === UK ? 202 : 303}-${String(1000000 + ago).padStart(7, "0")}-0000001`;
  const ids = (sent: OutgoingMessage[]) => sent.map((m) => (m.body as { amazonOrderId: string }).amazonOrderId);

  it("lists three marketplaces with one searchOrders call sequence from the earliest window start to Amazon's cutoff", async () => {
    const o = await seed({ state, ledger });
    const results = await catchUpOrders({ ...three, ordersApi: "2026-01-01" }, deps);
    expect(amazon.searches).toEqual([{ marketplaceIds: [US, UK, DE], lastUpdatedAfter: minutesAgo(70), lastUpdatedBefore: to }]);
    expect(amazon.faults.count("getOrders")).toBe(0);
    expect(results.map((r) => [r.marketplaceId, r.from, r.to, r.seen, r.enqueued, r.skipped, r.ok])).toEqual([
      [US, minutesAgo(70), to, 2, 1, 1, true],
      [UK, minutesAgo(30), to, 1, 1, 0, true],
      [DE, minutesAgo(50), to, 1, 1, 0, true],
    ]);
    expect(ids(bus.sent).sort()).toEqual([o.us, o.uk, o.de].map((x) => x.amazonOrderId).sort());
  });

  it("moves each marketplace's watermark to the window end, and the next run starts from those", async () => {
    await seed({ state, ledger });
    await catchUpOrders({ ...three, ordersApi: "2026-01-01" }, deps);
    for (const mp of [US, UK, DE]) expect((await getWatermark(state, CATCHUP_FLOW, mp))?.toISOString(), mp).toBe(to);
    clock.advance(5 * 60_000);
    await catchUpOrders({ ...three, ordersApi: "2026-01-01" }, deps);
    expect(amazon.searches).toHaveLength(2);
    expect(amazon.searches[1].lastUpdatedAfter).toBe(new Date(Date.parse(to) - 10 * 60_000).toISOString());
  });

  it("enqueues the same messages as the v0 catch-up for the same orders and watermarks", async () => {
    await seed({ state, ledger });
    await catchUpOrders(three, deps);
    const v0 = [...bus.sent];
    expect(amazon.faults.count("getOrders")).toBe(3);

    const state2026 = new MemoryStateStore();
    const ledger2026 = new StateOrderLedger(state2026, "orderledger", () => clock.now());
    await seed({ state: state2026, ledger: ledger2026 });
    const bus2026 = new RecordingBus();
    await catchUpOrders({ ...three, ordersApi: "2026-01-01" }, { ...deps, state: state2026, ledger: ledger2026, bus: bus2026 });

    const byId = (a: OutgoingMessage, b: OutgoingMessage) => String(a.messageId).localeCompare(String(b.messageId));
    // The same messages, except that a searchOrders row also carries the order's items (no call to read them).
    const withoutItems = (m: OutgoingMessage) => {
      const body = structuredClone(m.body) as { known?: { items?: unknown } };
      delete body.known?.items;
      return { ...m, body };
    };
    expect(v0).toHaveLength(3);
    expect([...bus2026.sent].sort(byId).map(withoutItems)).toEqual([...v0].sort(byId));
    expect(bus2026.sent.every((m) => (m.body as { known?: { items?: unknown[] } }).known?.items?.length)).toBe(true);
    expect(amazon.searches).toHaveLength(1);
  });

  it("moves no watermark when searchOrders is throttled, so the next run reads the same windows again", async () => {
    await seed({ state, ledger });
    amazon.faults.fail("searchOrders", spapiThrottled());
    const failed = await catchUpOrders({ ...three, ordersApi: "2026-01-01" }, deps);
    expect(failed.map((r) => r.ok)).toEqual([false, false, false]);
    expect((await getWatermark(state, CATCHUP_FLOW, UK))?.toISOString()).toBe(minutesAgo(20));
    const again = await catchUpOrders({ ...three, ordersApi: "2026-01-01" }, deps);
    expect(again.map((r) => [r.ok, r.enqueued])).toEqual([
      [true, 1],
      [true, 1],
      [true, 1],
    ]);
  });

  it("a manual sync from `since` reads all marketplaces in one sequence and leaves the watermarks alone", async () => {
    await seed({ state, ledger });
    const since = new Date(minutesAgo(60 * 24));
    const results = await catchUpOrders({ ...three, since, ordersApi: "2026-01-01" }, deps);
    expect(amazon.searches).toEqual([{ marketplaceIds: [US, UK, DE], lastUpdatedAfter: since.toISOString(), lastUpdatedBefore: to }]);
    expect(results.map((r) => r.enqueued)).toEqual([1, 2, 2]);
    expect(new Set(bus.sent.map((m) => (m.body as { source: string }).source))).toEqual(new Set(["sync"]));
    expect((await getWatermark(state, CATCHUP_FLOW, US))?.toISOString()).toBe(minutesAgo(60));
  });

  it("splits more than 50 marketplaces into one sequence per 50 (Amazon's limit per call)", async () => {
    const many = Array.from({ length: 120 }, (_, i) => `AMP${String(i).padStart(4, "0")}`);
    const results = await catchUpOrders({ ...opts, marketplaceIds: many, ordersApi: "2026-01-01" }, deps);
    expect(amazon.searches.map((s) => s.marketplaceIds.length)).toEqual([50, 50, 20]);
    expect(amazon.searches.flatMap((s) => s.marketplaceIds)).toEqual(many);
    expect(results).toHaveLength(120);
  });
});
