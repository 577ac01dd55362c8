import { describe, expect, it } from "vitest";
import { median, percentile, type BenchRow } from "../../bench/bench-row";
import { checkRegistry, formatReport, parseArgs, rowResults, runBench } from "../../bench/run";
import { benchRows } from "../../bench/rows";

const row = (key: string, measure: BenchRow["measure"], over: Partial<BenchRow> = {}): BenchRow => ({
  key,
  title: `the ${key}`,
  unit: "s",
  decimals: 2,
  target: { op: "<=", value: 1 },
  measure,
  ...over,
});

describe("the benchmark table", () => {
  it("has a row for every measure of the performance issue, keyed for comparing runs", () => {
    checkRegistry(benchRows);
    expect(benchRows.map((r) => [r.key, r.target.op, r.target.value])).toEqual([
      ["spapiCallsPerOrder", "<=", 1.05],
      ["d365RequestsPerOrderBacklog", "<=", 0.05],
      ["settlementPreviewVsBareRead", ">=", 0.5],
      ["settlementPreviewPeakRssMb", "<=", 150],
      ["cliStartupSeconds", "<=", 0.5],
      ["notificationToOrderP95Seconds", "<", 2],
      ["spapiCallsPer1000ProductsPublished", "<=", 2200],
      ["spapiCallsPer1000PriceChanges", "<=", 2000],
      ["spapiCallsPer1000Returns", "<=", 100],
      ["d365RequestsPerReturn", "<=", 4],
    ]);
  });

  it("refuses a registry with a key used twice, named meta, or not camelCase", () => {
    const ok = row("a", async () => ({ value: 1 }));
    expect(() => checkRegistry([ok, ok])).toThrow(/used twice/);
    expect(() => checkRegistry([row("meta", ok.measure)])).toThrow(/used twice \(or is "meta"\)/);
    expect(() => checkRegistry([row("Not-camel", ok.measure)])).toThrow(/camelCase/);
  });

  it("measures a shared run once, judges each target, and reports a row that fails without stopping", async () => {
    let runs = 0;
    const shared = (ctx: Parameters<BenchRow["measure"]>[0]) => ctx.shared("both", async () => ++runs);
    const rows = [
      row("fast", async (ctx) => ({ value: (await shared(ctx)) * 0.5, note: "half" })),
      row("slow", async (ctx) => ({ value: (await shared(ctx)) * 3, details: { n: 3 } }), { target: { op: ">=", value: 2 } }),
      row("words", async () => ({ value: 0.1, met: false }), { targetText: "≤ 1 s and flat" }),
      row("broken", async () => {
        throw new Error("simulator did not start");
      }),
    ];
    const report = await runBench(rows, { quick: true });
    expect(runs).toBe(1);
    expect(Object.keys(report)).toEqual(["meta", "fast", "slow", "words", "broken"]);
    expect(report.meta).toMatchObject({ quick: true, cpus: expect.any(Number), node: process.version });
    const r = Object.fromEntries(rowResults(report));
    expect(r.fast).toMatchObject({ value: 0.5, met: true, note: "half", target: { op: "<=", value: 1, text: "≤ 1 s" } });
    expect(r.slow).toMatchObject({ value: 3, met: true, details: { n: 3 } });
    expect(r.words).toMatchObject({ met: false, target: { text: "≤ 1 s and flat" } });
    expect(r.broken).toMatchObject({ value: null, met: false, error: "simulator did not start" });
    const text = formatReport(report, rows);
    expect(text).toMatch(/the fast\s+0\.50 s\s+≤ 1 s\s+yes/);
    expect(text).toMatch(/the broken\s+—\s+≤ 1 s\s+error/);
    expect(text).toMatch(/broken: ERROR simulator did not start/);
    expect(JSON.parse(JSON.stringify(report)).slow.value).toBe(3);
  });

  it("runs only the rows asked for, and names an unknown one", async () => {
    const rows = [row("one", async () => ({ value: 1 })), row("two", async () => ({ value: 2 }))];
    expect(Object.keys(await runBench(rows, { quick: true, only: ["two"] }))).toEqual(["meta", "two"]);
    await expect(runBench(rows, { quick: true, only: ["three"] })).rejects.toThrow(/no benchmark row three/);
  });

  it("reads its options", () => {
    expect(parseArgs(["--json", "--only", "a,b", "--quick", "--check"])).toMatchObject({
      json: true,
      only: ["a", "b"],
      quick: true,
      check: true,
    });
    expect(parseArgs(["--only=a"]).only).toEqual(["a"]);
    expect(parseArgs(["--out", "run.json"]).out).toBe("run.json");
    expect(() => parseArgs(["--fast"])).toThrow(/unknown option --fast/);
  });

  it("takes medians and nearest-rank percentiles of what was measured", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile([0.2, 0.1], 95)).toBe(0.2);
  });
});
