import { describe, expect, it } from "vitest";
import { BUCKETS, BucketStore, bucketOf } from "../../../src/flows/inventory/bucket-store";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { StateOperation } from "../../../src/platform/ports";

describe("per-SKU records in bucket rows", () => {
  it("keeps 10,000 SKUs in at most 256 rows, and reads back exactly what was written", async () => {
    const state = new MemoryStateStore();
    const store = new BucketStore<{ q: number }>(state, "t");
    const changes = new Map(Array.from({ length: 10_000 }, (_, i) => [`SKU-${i}`, { q: i }] as const));
    await store.write("US", changes);
    let rows = 0;
    for await (const _ of state.query("t", { partitionKey: "US" })) rows++;
    expect(rows).toBeLessThanOrEqual(BUCKETS);
    const all = await store.readAll("US");
    expect(all.size).toBe(10_000);
    expect(all.get("SKU-4242")).toEqual({ q: 4242 });
    expect(await store.readSome("US", ["SKU-7", "NOPE"])).toEqual(new Map([["SKU-7", { q: 7 }]]));
    await store.write("US", new Map([["SKU-7", undefined]]));
    expect((await store.readSome("US", ["SKU-7"])).size).toBe(0);
  });

  it("places a key in the same bucket in every process (the hash is fixed)", () => {
    expect([bucketOf("DEMO-SPEAKER-BLK"), bucketOf("")]).toEqual([bucketOf("DEMO-SPEAKER-BLK"), "b197"]);
  });

  it("loses no update when another writer changes the same bucket between the read and the write", async () => {
    const state = new MemoryStateStore();
    const store = new BucketStore<number>(state, "t");
    const other = new BucketStore<number>(state, "t");
    // Two SKUs in one bucket.
    const a = "A-1";
    const b = Array.from({ length: 5000 }, (_, i) => `B-${i}`).find((k) => bucketOf(k) === bucketOf(a))!;
    let interfered = false;
    const batch = state.batch.bind(state);
    state.batch = async (table: string, ops: StateOperation[]) => {
      if (!interfered) {
        interfered = true;
        await other.write("US", new Map([[b, 2]]));
      }
      return batch(table, ops);
    };
    await store.write("US", new Map([[a, 1]]));
    expect(await store.readAll("US")).toEqual(
      new Map([
        [b, 2],
        [a, 1],
      ]),
    );
  });
});
