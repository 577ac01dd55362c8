import { beforeEach, describe, expect, it } from "vitest";
import { AMAZON_CUTOFF_MS, CATCHUP_FLOW, catchUpOrders, type CatchUpDeps } from "../../../src/flows/orders/catch-up";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { getWatermark } from "../../../src/platform/run-records";
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
    const old = amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(60 * 25) }), [anOrderItem()]);
    const inWindow = amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(30) }), [anOrderItem()]);
    const tooFresh = amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(1) }), [anOrderItem()]);
    const uk = amazon.put(anAmazonOrder({ MarketplaceId: UK, LastUpdateDate: minutesAgo(5) }), [anOrderItem()]);
    const results = await catchUpOrders(opts, deps);
    expect(results.map((r) => [r.marketplaceId, r.enqueued, r.ok])).toEqual([
      [US, 1, true],
      [UK, 1, true],
    ]);
    expect(results[0].to).toBe(new Date(NOW.getTime() - AMAZON_CUTOFF_MS).toISOString());
    const ids = bus.sent.map((m) => (m.body as { amazonOrderId: string }).amazonOrderId);
    expect(ids).toEqual([inWindow.AmazonOrderId, uk.AmazonOrderId]);
    expect(ids).not.toContain(old.AmazonOrderId);
    expect(ids).not.toContain(tooFresh.AmazonOrderId);
    expect(bus.sent[0].messageId).toBe(`${inWindow.AmazonOrderId}@${inWindow.LastUpdateDate}`);
    expect((await getWatermark(state, CATCHUP_FLOW, US))?.toISOString()).toBe(results[0].to);
  });

  it("the next run starts at the watermark minus the overlap and skips orders the ledger has applied", async () => {
    await catchUpOrders(opts, deps);
    const fresh = amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(1) }), [anOrderItem()]);
    const done = amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(1) }), [anOrderItem()]);
    const s = await ledger.begin(done.AmazonOrderId, clock.now(), 1000);
    await s.finish({ status: "complete", amazonLastUpdate: done.LastUpdateDate });
    clock.advance(5 * 60_000);
    bus.sent.length = 0;
    const [us] = await catchUpOrders({ ...opts, marketplaceIds: [US] }, deps);
    expect(us.from).toBe(new Date(NOW.getTime() - AMAZON_CUTOFF_MS - 10 * 60_000).toISOString());
    expect(us).toMatchObject({ seen: 2, enqueued: 1, skipped: 1 });
    expect(bus.sent.map((m) => (m.body as { amazonOrderId: string }).amazonOrderId)).toEqual([fresh.AmazonOrderId]);
  });

  it("does not move the watermark when Amazon throttles, so the next run reads the same window again", async () => {
    amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(30) }), [anOrderItem()]);
    amazon.faults.fail("getOrders", spapiThrottled());
    const [us] = await catchUpOrders({ ...opts, marketplaceIds: [US] }, deps);
    expect(us.ok).toBe(false);
    expect(await getWatermark(state, CATCHUP_FLOW, US)).toBeUndefined();
    const [again] = await catchUpOrders({ ...opts, marketplaceIds: [US] }, deps);
    expect(again).toMatchObject({ ok: true, enqueued: 1 });
  });

  it("a manual sync from `since` leaves the watermark alone", async () => {
    amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(60 * 24 * 10) }), [anOrderItem()]);
    const [us] = await catchUpOrders({ ...opts, marketplaceIds: [US], since: new Date(minutesAgo(60 * 24 * 30)) }, deps);
    expect(us.enqueued).toBe(1);
    expect((bus.sent[0].body as { source: string }).source).toBe("sync");
    expect(await getWatermark(state, CATCHUP_FLOW, US)).toBeUndefined();
  });

  it("only enqueues: it never calls D365, so it cannot pile on when D365 is down", async () => {
    amazon.put(anAmazonOrder({ LastUpdateDate: minutesAgo(30) }), [anOrderItem()]);
    await catchUpOrders(opts, deps);
    expect(Object.keys(deps)).not.toContain("d365");
    expect(amazon.faults.count("getOrder") + amazon.faults.count("getOrderItems")).toBe(0);
  });
});
