import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { runSettlementBench } from "../../bench/settlement-bench";

describe("the settlement benchmark (small smoke run)", () => {
  it("generates a file that reconciles, parses every row and reports speed and memory", async () => {
    const accounts = SettlementAccounts.load(join(__dirname, "../../../mappings"));
    const r = await runSettlementBench(20_000, accounts);
    expect(r.rows).toBe(20_000);
    expect(r.full.reconciled).toBe(true);
    expect(r.full.journalLines).toBeGreaterThan(5);
    expect(r.full.rowsPerSecond).toBeGreaterThan(0);
    expect(r.ratio).toBeGreaterThan(0);
    expect(r.full.peakHeapMb).toBeGreaterThan(0);
  });
});
