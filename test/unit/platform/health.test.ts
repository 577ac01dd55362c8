import { describe, expect, it } from "vitest";
import { HealthCache, probeState, publicHealth } from "../../../src/platform/health";
import { MemoryStateStore } from "../../../src/platform/memory-state";

describe("the health cache", () => {
  it("runs the probes once for every caller within its period, and again after it", async () => {
    let now = 0;
    let runs = 0;
    const cache = new HealthCache(30_000, () => now);
    const probes = () => ({
      d365: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 20));
        return "token ok";
      },
    });
    const together = await Promise.all(Array.from({ length: 10 }, () => cache.get(probes)));
    expect(runs).toBe(1);
    expect(new Set(together).size).toBe(1);
    now = 29_999;
    await cache.get(probes);
    expect(runs).toBe(1);
    now = 30_000;
    await cache.get(probes);
    expect(runs).toBe(2);
  });

  it("shows anonymous callers names and outcomes, never the texts", async () => {
    const report = await new HealthCache(1000).get(() => ({
      d365: async () => {
        throw new Error("AADSTS7000215: Invalid client secret provided for app 1234");
      },
    }));
    expect(report.checks[0]!.detail).toContain("AADSTS7000215");
    expect(publicHealth(report)).toEqual({ ok: false, checkedAt: report.checkedAt, checks: [{ name: "d365", ok: false }] });
  });

  it("probes state with a read, never a write", async () => {
    const state = new MemoryStateStore();
    expect(await probeState(state)).toBe("table read ok");
    const rows = [];
    for await (const r of state.query("health")) rows.push(r);
    expect(rows).toEqual([]);
  });
});
