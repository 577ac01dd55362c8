import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { countParked, getParked, listParked, parkMessage, removeParked } from "../../../src/platform/parked-messages";
import { getRun, getWatermark, listRuns, recordRun, setWatermark, startRun } from "../../../src/platform/run-records";

const t = (iso: string) => new Date(iso);

describe("run records", () => {
  it("keeps the last run per flow and scope and adds up the counters", async () => {
    const state = new MemoryStateStore();
    await recordRun(state, {
      flow: "orders-catchup",
      scope: "ATVPDKIKX0DER",
      startedAt: t("2026-01-01T00:00:00Z"),
      finishedAt: t("2026-01-01T00:00:05Z"),
      outcome: "succeeded",
      counts: { orders: 3, created: 2 },
    });
    await recordRun(state, {
      flow: "orders-catchup",
      scope: "ATVPDKIKX0DER",
      startedAt: t("2026-01-01T00:05:00Z"),
      finishedAt: t("2026-01-01T00:05:01Z"),
      outcome: "failed",
      counts: { orders: 1 },
      error: new Error("D365 answered 503"),
    });
    await recordRun(state, {
      flow: "orders-catchup",
      scope: "A1F83G8C2ARO7P",
      startedAt: t("2026-01-01T00:00:00Z"),
      finishedAt: t("2026-01-01T00:00:01Z"),
      outcome: "skipped",
    });

    const us = await getRun(state, "orders-catchup", "ATVPDKIKX0DER");
    expect(us?.lastRun).toMatchObject({ outcome: "failed", durationMs: 1000, counts: { orders: 1 }, error: "Error: D365 answered 503" });
    expect(us?.runs).toEqual({ succeeded: 1, partial: 0, failed: 1, skipped: 0 });
    expect(us?.totals).toEqual({ orders: 4, created: 2 });
    expect(us?.lastSuccessAt?.toISOString()).toBe("2026-01-01T00:00:05.000Z");
    expect(us?.lastFailureAt?.toISOString()).toBe("2026-01-01T00:05:01.000Z");
    expect((await listRuns(state, "orders-catchup")).map((r) => r.scope).sort()).toEqual(["A1F83G8C2ARO7P", "ATVPDKIKX0DER"]);
  });

  it("shows a started run as running until it finishes", async () => {
    const state = new MemoryStateStore();
    const clock = new ManualClock("2026-01-01T00:00:00Z");
    const run = await startRun(state, { flow: "settlements" }, clock);
    expect((await getRun(state, "settlements"))?.runningSince?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    clock.advance(90_000);
    const summary = await run.finish({ outcome: "partial", counts: { lines: 120 } });
    expect(summary.runningSince).toBeUndefined();
    expect(summary.scope).toBe("all");
    expect(summary.lastRun).toMatchObject({ outcome: "partial", durationMs: 90_000 });
  });

  it("redacts tokens in recorded errors", async () => {
    const state = new MemoryStateStore();
    await recordRun(state, {
      flow: "f",
      startedAt: t("2026-01-01T00:00:00Z"),
      finishedAt: t("2026-01-01T00:00:00Z"),
      outcome: "failed",
      error: "LWA refused Atzr|IwEBIFakeRefresh-token_1",
    });
    expect((await getRun(state, "f"))?.lastRun?.error).not.toContain("IwEBIFakeRefresh");
  });

  it("counts every one of many concurrent runs", async () => {
    const state = new MemoryStateStore();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordRun(state, {
          flow: "f",
          startedAt: t("2026-01-01T00:00:00Z"),
          finishedAt: t("2026-01-01T00:00:01Z"),
          outcome: "succeeded",
          counts: { n: i },
        }),
      ),
    );
    const r = await getRun(state, "f");
    expect(r?.runs.succeeded).toBe(20);
    expect(r?.totals.n).toBe(190);
  });
});

describe("watermarks", () => {
  it("moves forward and never backwards", async () => {
    const state = new MemoryStateStore();
    expect(await getWatermark(state, "orders-catchup", "ATVPDKIKX0DER")).toBeUndefined();
    expect(await setWatermark(state, "orders-catchup", "ATVPDKIKX0DER", t("2026-01-01T10:00:00Z"))).toEqual({
      value: t("2026-01-01T10:00:00Z"),
      moved: true,
    });
    expect(await setWatermark(state, "orders-catchup", "ATVPDKIKX0DER", t("2026-01-01T09:00:00Z"))).toEqual({
      value: t("2026-01-01T10:00:00Z"),
      moved: false,
    });
    await setWatermark(state, "orders-catchup", "ATVPDKIKX0DER", t("2026-01-01T11:00:00Z"));
    expect((await getWatermark(state, "orders-catchup", "ATVPDKIKX0DER"))?.toISOString()).toBe("2026-01-01T11:00:00.000Z");
    expect(await getWatermark(state, "orders-catchup", "A1F83G8C2ARO7P")).toBeUndefined();
  });

  it("ends at the latest value when writers race", async () => {
    const state = new MemoryStateStore();
    const values = Array.from({ length: 15 }, (_, i) => t(`2026-01-01T00:${String(i).padStart(2, "0")}:00Z`)).reverse();
    await Promise.all(values.map((v) => setWatermark(state, "f", "s", v)));
    expect((await getWatermark(state, "f", "s"))?.toISOString()).toBe("2026-01-01T00:14:00.000Z");
  });
});

describe("parked messages", () => {
  it("parks, lists, counts and removes messages per queue", async () => {
    const state = new MemoryStateStore();
    const clock = new ManualClock("2026-01-01T00:00:00Z");
    await parkMessage(
      state,
      {
        queue: "order-import",
        messageId: "111-2223333-4444444@1",
        body: { amazonOrderId: "111-2223333-4444444" },
        reason: "mapping-gap",
        description: "SKU ABC-1 has no ItemNumber",
        code: "mapping.skuUnknown",
      },
      clock,
    );
    await parkMessage(
      state,
      { queue: "d365-events", messageId: "evt/1?x", body: { eventId: "evt/1?x" }, reason: "validation", description: "no company" },
      clock,
    );
    expect(await countParked(state)).toBe(2);
    expect(await countParked(state, "order-import")).toBe(1);
    const parked = await getParked(state, "d365-events", "evt/1?x");
    expect(parked).toMatchObject({ messageId: "evt/1?x", body: { eventId: "evt/1?x" }, timesParked: 1 });
    await removeParked(state, "d365-events", "evt/1?x");
    expect((await listParked(state)).map((p) => p.queue)).toEqual(["order-import"]);
  });

  it("keeps bodies larger than one Table property intact", async () => {
    const state = new MemoryStateStore();
    const body = { ids: Array.from({ length: 8000 }, (_, i) => `111-${String(i).padStart(7, "0")}-4444444`) };
    await parkMessage(state, { queue: "q", messageId: "big", body, reason: "validation", description: "too many" });
    const row = await state.get("review", "q", "big");
    expect(Number(row?.entity.bodyParts)).toBeGreaterThan(1);
    for (const [k, v] of Object.entries(row!.entity)) if (typeof v === "string") expect(v.length, k).toBeLessThanOrEqual(32_000);
    expect((await getParked(state, "q", "big"))?.body).toEqual(body);
  });

  it("keeps the first parking time and counts repeats", async () => {
    const state = new MemoryStateStore();
    const clock = new ManualClock("2026-01-01T00:00:00Z");
    const input = { queue: "q", messageId: "m", body: {}, reason: "mapping-gap", description: "gap" };
    await parkMessage(state, input, clock);
    clock.advance(3_600_000);
    const again = await parkMessage(state, input, clock);
    expect(again.timesParked).toBe(2);
    expect(again.firstParkedAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(again.parkedAt.toISOString()).toBe("2026-01-01T01:00:00.000Z");
  });
});
