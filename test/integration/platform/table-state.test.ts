import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TableStateStore, physicalTableName, prefixUpperBound } from "../../../src/platform/azure/table-state";
import { ConcurrencyError, ConflictError } from "../../../src/platform/errors";
import { withEtagRetry } from "../../../src/platform/etag-retry";
import type { StateEntity, StateOperation, StateStore } from "../../../src/platform/ports";

function store(): StateStore {
  const connectionString = process.env.TEST_STORAGE_CONNECTION_STRING;
  if (!connectionString) throw new Error("TEST_STORAGE_CONNECTION_STRING is not set (test/setup/global.ts starts Azurite)");
  // A fresh prefix per store keeps test files independent inside the one shared Azurite.
  return new TableStateStore({ target: { connectionString }, prefix: `t${randomBytes(4).toString("hex")}` });
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("TableStateStore on Azurite", () => {
  it("inserts a row, reads it back and refuses a second insert of the same key", async () => {
    const s = store();
    const etag = await s.insert("ledger", { partitionKey: "US", rowKey: "111-1", status: "created", attempts: 1 });
    expect(etag).toMatch(/W\/"datetime/);
    const got = await s.get("ledger", "US", "111-1");
    expect(got?.entity).toEqual({ partitionKey: "US", rowKey: "111-1", status: "created", attempts: 1 });
    expect(got?.etag).toBe(etag);
    await expect(s.insert("ledger", { partitionKey: "US", rowKey: "111-1" })).rejects.toBeInstanceOf(ConflictError);
    expect(await s.get("ledger", "US", "missing")).toBeUndefined();
  });

  it("rejects a replace with a stale etag, and withEtagRetry re-reads and succeeds", async () => {
    const s = store();
    const first = await s.insert("counters", { partitionKey: "p", rowKey: "r", n: 1 });
    await s.replace("counters", { partitionKey: "p", rowKey: "r", n: 2 }, first);
    await expect(s.replace("counters", { partitionKey: "p", rowKey: "r", n: 99 }, first)).rejects.toBeInstanceOf(ConcurrencyError);

    let attempts = 0;
    await withEtagRetry(async () => {
      attempts++;
      const row = await s.get("counters", "p", "r");
      // The first attempt uses the stale etag on purpose, as a writer that read before someone else wrote.
      const etag = attempts === 1 ? first : row!.etag;
      return s.replace("counters", { partitionKey: "p", rowKey: "r", n: Number(row!.entity.n) + 1 }, etag);
    });
    expect(attempts).toBe(2);
    expect((await s.get("counters", "p", "r"))?.entity.n).toBe(3);
  });

  it("loses no increment when two writers race on the same row", async () => {
    const s = store();
    const increment = () =>
      withEtagRetry(
        async () => {
          const row = await s.get("counters", "race", "r");
          const next: StateEntity = { partitionKey: "race", rowKey: "r", n: Number(row?.entity.n ?? 0) + 1 };
          return row ? s.replace("counters", next, row.etag) : s.insert("counters", next);
        },
        { attempts: 50 },
      );
    await Promise.all([...Array.from({ length: 10 }, increment), ...Array.from({ length: 10 }, increment)]);
    expect((await s.get("counters", "race", "r"))?.entity.n).toBe(20);
  });

  it("writes a batch of 250 operations in one partition (split into transactions of at most 100)", async () => {
    const s = store();
    const ops: StateOperation[] = Array.from({ length: 250 }, (_, i) => ({
      kind: "insert",
      entity: { partitionKey: "bulk", rowKey: `r${String(i).padStart(4, "0")}`, i },
    }));
    await s.batch("bulk", ops);
    const rows = await all(s.query("bulk", { partitionKey: "bulk" }));
    expect(rows).toHaveLength(250);
    expect(rows[249]!.entity.i).toBe(249);
  });

  it("keeps a failed transaction's chunk atomic: the 101st operation starts a new transaction", async () => {
    const s = store();
    await s.insert("split", { partitionKey: "p", rowKey: "r0100" });
    // Ops 0..99 are one transaction and succeed; op 100 collides with the existing row and fails on its own.
    const ops: StateOperation[] = Array.from({ length: 101 }, (_, i) => ({
      kind: "insert",
      entity: { partitionKey: "p", rowKey: `r${String(i).padStart(4, "0")}` },
    }));
    await expect(s.batch("split", ops)).rejects.toBeInstanceOf(ConflictError);
    const rows = await all(s.query("split", { partitionKey: "p" }));
    expect(rows).toHaveLength(101);

    // Inside one transaction a failure rolls back everything.
    await expect(
      s.batch("split", [
        { kind: "insert", entity: { partitionKey: "q", rowKey: "new" } },
        { kind: "insert", entity: { partitionKey: "q", rowKey: "new2" } },
        { kind: "replace", entity: { partitionKey: "q", rowKey: "new3" }, etag: "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"" },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await all(s.query("split", { partitionKey: "q" }))).toHaveLength(0);
  });

  it("treats deleting a missing row inside a batch as done, like a single delete", async () => {
    const s = store();
    await s.insert("del", { partitionKey: "p", rowKey: "a" });
    await s.batch("del", [
      { kind: "delete", partitionKey: "p", rowKey: "a" },
      { kind: "delete", partitionKey: "p", rowKey: "gone" },
      { kind: "upsert", entity: { partitionKey: "p", rowKey: "b", v: "x" } },
    ]);
    expect(await s.get("del", "p", "a")).toBeUndefined();
    expect((await s.get("del", "p", "b"))?.entity.v).toBe("x");
    await s.delete("del", "p", "never-existed");
  });

  it("queries by partition and row-key prefix, and honours top", async () => {
    const s = store();
    await s.batch(
      "q",
      ["run|2026-01", "run|2026-02", "run|2026-03", "runx", "wm|US"].map((rk) => ({
        kind: "insert",
        entity: { partitionKey: "orders", rowKey: rk },
      })),
    );
    await s.insert("q", { partitionKey: "other", rowKey: "run|2026-01" });
    const runs = await all(s.query("q", { partitionKey: "orders", rowKeyPrefix: "run|" }));
    expect(runs.map((r) => r.entity.rowKey)).toEqual(["run|2026-01", "run|2026-02", "run|2026-03"]);
    expect(await all(s.query("q", { rowKeyPrefix: "run|2026-01" }))).toHaveLength(2);
    expect(await all(s.query("q", { partitionKey: "orders", top: 2 }))).toHaveLength(2);
    expect(await all(s.query("q", { partitionKey: "orders", rowKeyPrefix: "it's" }))).toHaveLength(0);
  });

  it("round-trips Dates, booleans, large and fractional numbers, and drops null values", async () => {
    const s = store();
    const when = new Date("2026-03-31T23:59:59.123Z");
    await s.upsert("types", {
      partitionKey: "p",
      rowKey: "r",
      when,
      ok: true,
      big: 5_000_000_000,
      frac: 12.5,
      neg: -3,
      text: "€ ü",
      none: null,
    });
    const got = (await s.get("types", "p", "r"))!.entity;
    expect(got.when).toBeInstanceOf(Date);
    expect((got.when as Date).toISOString()).toBe(when.toISOString());
    expect(got).toMatchObject({ ok: true, big: 5_000_000_000, frac: 12.5, neg: -3, text: "€ ü" });
    expect("none" in got).toBe(false);
  });

  it("deletes only when the etag still matches", async () => {
    const s = store();
    const e1 = await s.insert("del2", { partitionKey: "p", rowKey: "r", v: 1 });
    await s.upsert("del2", { partitionKey: "p", rowKey: "r", v: 2 });
    await expect(s.delete("del2", "p", "r", e1)).rejects.toBeInstanceOf(ConcurrencyError);
    const now = await s.get("del2", "p", "r");
    await s.delete("del2", "p", "r", now!.etag);
    expect(await s.get("del2", "p", "r")).toBeUndefined();
  });
});

describe("table naming and range filters", () => {
  it("builds table names from the prefix and the logical name", () => {
    expect(physicalTableName("amz", "order-ledger")).toBe("amzorderledger");
    expect(() => physicalTableName("amz", "bad name")).toThrow(/not a valid table name/);
  });
  it("computes the exclusive upper bound of a prefix range", () => {
    expect(prefixUpperBound("run|")).toBe("run}");
    expect(prefixUpperBound("a")).toBe("b");
  });
});
