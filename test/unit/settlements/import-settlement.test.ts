import { describe, expect, it } from "vitest";
import { importSettlement, isFinishedSettlementReport, type OrchestrationStarter } from "../../../src/flows/settlements/import-settlement";
import { getSettlementRecord, updateSettlementRecord } from "../../../src/flows/settlements/settlement-records";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { silentTelemetry } from "../../../src/platform/telemetry";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { FakeLedgerJournals, FakeSettlementReports, MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const uk = readFileSync(join(__dirname, "../../fixtures/settlements/uk-v2-24-columns.txt"));

function setup() {
  const started: { name: string; instanceId: string; input: unknown }[] = [];
  const statuses = new Map<string, string>();
  const starter: OrchestrationStarter = {
    runtimeStatus: async (id) => statuses.get(id),
    startNew: async (name, instanceId, input) => void started.push({ name, instanceId, input }),
    purge: async (id) => void statuses.delete(id),
    raiseEvent: async () => undefined,
  };
  const reports = new FakeSettlementReports();
  const deps = {
    state: new MemoryStateStore(),
    blobs: new MemoryBlobStore(),
    journals: new FakeLedgerJournals(),
    reports,
    accounts: () => SettlementAccounts.load(join(__dirname, "../../../mappings")),
    clock: new ManualClock("2024-10-01T00:00:00Z"),
    log: silentTelemetry,
  };
  return { started, statuses, starter, deps, reports };
}
const options = { requireApproval: false, journalName: "GenJrn" };

describe("starting settlement imports", () => {
  it("starts one instance per settlement id, derived from the id, with the stored file", async () => {
    const { started, starter, deps } = setup();
    const out = await importSettlement({ kind: "file", content: uk }, starter, deps, options);
    expect(out).toMatchObject({ settlementId: "11111111111", instanceId: "settlement-11111111111", started: true });
    expect(started[0]).toMatchObject({
      name: "settlementOrchestrator",
      instanceId: "settlement-11111111111",
      input: { settlementId: "11111111111", requireApproval: false },
    });
    expect((await getSettlementRecord(deps.state, "11111111111"))!.status).toBe("pending");
  });

  it("leaves a running import alone and never re-imports a posted settlement", async () => {
    const { started, statuses, starter, deps } = setup();
    statuses.set("settlement-11111111111", "Running");
    expect((await importSettlement({ kind: "file", content: uk }, starter, deps, options)).started).toBe(false);
    statuses.set("settlement-11111111111", "Completed");
    await updateSettlementRecord(deps.state, "11111111111", (c) => ({
      ...(c ?? { settlementId: "11111111111", instanceId: "x", anomalies: [], unmapped: [], reasons: [], createdAt: "", updatedAt: "" }),
      status: "posted",
    }));
    expect((await importSettlement({ kind: "file", content: uk }, starter, deps, options)).started).toBe(false);
    expect(started).toHaveLength(0);
  });

  it("downloads a report by id and refuses an unknown settlement id with a hint", async () => {
    const { starter, deps, reports } = setup();
    reports.add("R-9", uk);
    expect((await importSettlement({ kind: "report", reportId: "R-9" }, starter, deps, options)).settlementId).toBe("11111111111");
    await expect(importSettlement({ kind: "settlement", settlementId: "999" }, starter, deps, options)).rejects.toThrow(
      /import it by reportId or upload/,
    );
  });

  it("recognizes a finished settlement report in a REPORT_PROCESSING_FINISHED notification", () => {
    const report = (reportType: string, processingStatus = "DONE") => ({ reportId: "54517018502", reportType, processingStatus });
    expect(isFinishedSettlementReport(report("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"))).toBe(true);
    expect(isFinishedSettlementReport(report("GET_FLAT_FILE_ACTIONABLE_ORDER_DATA"))).toBe(false);
    expect(isFinishedSettlementReport(report("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "CANCELLED"))).toBe(false);
    expect(isFinishedSettlementReport(report("", ""))).toBe(false);
  });
});
