import { describe, expect, it } from "vitest";
import { SharedRateLimiter } from "../../../src/amazon/rate-limiter";
import { ThrottledError } from "../../../src/platform/errors";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { StateEntity, StateStore } from "../../../src/platform/ports";

const key = { sellerId: "A2DEMOSELLER01", region: "na", operation: "getOrderItems" };
const plan = { rate: 0.5, burst: 30 };

function limiter(state: StateStore = new MemoryStateStore(), clock = new ManualClock()) {
  return { l: new SharedRateLimiter({ state, clock, random: () => 0 }), clock, state };
}

describe("SharedRateLimiter", () => {
  it("lets the burst (minus one token of reserve) through at once, then one call per 1/rate seconds", async () => {
    const { l, clock } = limiter();
    const start = clock.now().getTime();
    for (let i = 0; i < 29; i++) expect((await l.acquire(key, plan)).waitedMs).toBe(0);
    expect(clock.now().getTime()).toBe(start);
    await l.acquire(key, plan);
    expect(clock.now().getTime() - start).toBe(2000); // 0.5 rps
    await l.acquire(key, plan);
    expect(clock.now().getTime() - start).toBe(4000);
  });

  it("refills while idle but never beyond the burst", async () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 29; i++) await l.acquire(key, plan);
    clock.advance(3_600_000);
    const before = clock.now().getTime();
    for (let i = 0; i < 29; i++) await l.acquire(key, plan);
    expect(clock.now().getTime()).toBe(before);
    await l.acquire(key, plan);
    expect(clock.now().getTime() - before).toBe(2000);
  });

  it("adopts the rate from x-amzn-RateLimit-Limit", async () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 29; i++) await l.acquire(key, plan);
    l.observeRate(key, 5);
    const before = clock.now().getTime();
    await l.acquire(key, plan);
    expect(clock.now().getTime() - before).toBe(200);
    expect((await l.inspect(key))?.rate).toBe(5);
  });

  it("shares one bucket between instances that share the state store", async () => {
    const state = new MemoryStateStore();
    const clock = new ManualClock();
    const a = new SharedRateLimiter({ state, clock, random: () => 0 });
    const b = new SharedRateLimiter({ state, clock, random: () => 0 });
    for (let i = 0; i < 15; i++) {
      await a.acquire(key, plan);
      await b.acquire(key, plan);
    }
    // 29 immediate tokens between them; the 30th call had to wait.
    expect(clock.now().getTime()).toBe(new ManualClock().now().getTime() + 2000);
  });

  it("keeps separate buckets per seller, region and operation", async () => {
    const { l, clock } = limiter();
    const start = clock.now().getTime();
    for (let i = 0; i < 29; i++) await l.acquire(key, plan);
    await l.acquire({ ...key, operation: "getOrder" }, plan);
    await l.acquire({ ...key, sellerId: "OTHER" }, plan);
    await l.acquire({ ...key, region: "eu" }, plan);
    expect(clock.now().getTime()).toBe(start);
  });

  it("retries when another instance changed the bucket between read and write (ETag race)", async () => {
    const inner = new MemoryStateStore();
    let raced = 0;
    const racing: StateStore = {
      get: (t, pk, rk) => inner.get(t, pk, rk),
      insert: (t, e) => inner.insert(t, e),
      upsert: (t, e) => inner.upsert(t, e),
      delete: (t, pk, rk, etag) => inner.delete(t, pk, rk, etag),
      query: (t, q) => inner.query(t, q),
      batch: (t, ops) => inner.batch(t, ops),
      replace: async (table: string, entity: StateEntity, etag: string) => {
        if (raced < 2) {
          raced++;
          const current = await inner.get(table, entity.partitionKey, entity.rowKey);
          await inner.replace(table, { ...current!.entity }, current!.etag); // someone else wrote
        }
        return inner.replace(table, entity, etag);
      },
    } as StateStore;
    const { l } = limiter(racing);
    await l.acquire(key, plan); // insert
    const r = await l.acquire(key, plan);
    expect(r.conflicts).toBe(2);
    expect((await l.inspect(key))?.tokens).toBeCloseTo(27, 5);
  });

  it("empties the bucket for every instance after Amazon answered 429", async () => {
    const { l, clock } = limiter();
    await l.acquire(key, plan);
    await l.drain(key, plan);
    const before = clock.now().getTime();
    await l.acquire(key, plan);
    expect(clock.now().getTime() - before).toBe(2000);
  });

  it("gives up with a retryable ThrottledError instead of waiting longer than allowed", async () => {
    const { l, clock } = limiter();
    const getOrders = { rate: 0.0167, burst: 20 };
    for (let i = 0; i < 19; i++) await l.acquire(key, getOrders, 10_000);
    const before = clock.now().getTime();
    const err = await l.acquire(key, getOrders, 10_000).catch((e) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeGreaterThan(50_000);
    expect(clock.now().getTime()).toBe(before); // it did not sleep in vain
  });
});
