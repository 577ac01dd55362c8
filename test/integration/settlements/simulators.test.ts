/**
 * End to end on the simulators: the poller lists the SP-API simulator's seeded settlement reports, the
 * orchestration (local durable host) creates their journals in the D365 simulator through the real
 * connectors; a second import changes nothing; a crash between line batches resumes without duplicates.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchSettlementReport, type StoredSettlementFile } from "../../../src/flows/settlements/import-steps";
import { getSettlementRecord, instanceIdFor, listSettlementRecords } from "../../../src/flows/settlements/settlement-records";
import { startSettlementImport } from "../../../src/flows/settlements/import-settlement";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { loadAppAsync } from "../../../src/local/registry";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { Dec } from "../../../src/platform/money";
import { d365LedgerJournals } from "../../../src/wiring/adapters/ledger-journals";
import { spApiSettlementReports } from "../../../src/wiring/adapters/settlement-reports";
import { createApp, currentApp, type PortOverrides, useApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { settlementDeps } from "../../../src/wiring/settlements";
import { clientFor, startSim } from "../amazon/sim-client";
import { startHarness, type Harness } from "../d365/harness";
import { crashingAfter, MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";

let host: LocalHost;
let dir: string;
let d365: Harness;
let amazon: SpApiSimulator;
const state = new MemoryStateStore();
const blobs = new MemoryBlobStore();

/** Installs the app with the simulators' connectors as the settlement ports (and any port given instead). */
function install(ports: PortOverrides["settlements"] = {}): void {
  const settlements = {
    journals: d365LedgerJournals(d365.client),
    reports: spApiSettlementReports(clientFor(amazon)),
    ...ports,
  };
  useApp(createApp(loadConfig(), { state, blobs, bus: host.bus, ports: { settlements } }));
}

beforeAll(async () => {
  const registrations = (
    await loadAppAsync(async () => {
      await import("../../../src/functions/settlement-orchestration");
      await import("../../../src/functions/settlement-poll");
    })
  ).filter((r) => r.name.startsWith("settlement"));
  dir = mkdtempSync(join(tmpdir(), "settlement-sims-"));
  [d365, amazon] = await Promise.all([startHarness(), startSim({ timeScale: 1000 })]);
  host = await startLocalHost({
    port: 0,
    registrations,
    dataDir: dir,
    hubName: "SettlementSims",
    timeScale: 1000,
    schedules: false,
    log: () => undefined,
    app: false,
  });
  install();
});

afterAll(async () => {
  useApp(undefined);
  await host?.stop();
  await Promise.all([d365?.sim.stop(), amazon?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const seeded = () => amazon.sim.data.settlements;
const sumOf = (xs: unknown[]) => xs.reduce<Dec>((a, b) => a.plus(new Dec(String(b ?? 0))), new Dec(0));

describe("settlements against the D365 and SP-API simulators", () => {
  it("imports every seeded settlement report: balanced journals whose deposit line equals the deposit", async () => {
    const run = await host.runTimer("settlement-poll");
    expect(run.ok, run.error).toBe(true);
    for (const s of seeded()) {
      const status = await host.durable.waitForCompletion(instanceIdFor(s.settlementId), 30_000);
      expect(status?.runtimeStatus, `${s.settlementId}: ${JSON.stringify(status?.output)}`).toBe("Completed");
      const record = (await getSettlementRecord(state, s.settlementId))!;
      expect(record.status, record.reasons.join("; ")).toBe("created");
      const lines = d365.sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === record.journalBatchNumber);
      expect(lines).toHaveLength(record.lineCount!);
      expect(sumOf(lines.map((l) => l.DebitAmount)).eq(sumOf(lines.map((l) => l.CreditAmount)))).toBe(true);
      const deposit = lines.filter((l) => String(l.Text).startsWith("Amazon deposit"));
      const total = new Dec(s.totalAmount);
      expect(deposit).toHaveLength(total.isZero() ? 0 : 1);
      if (!total.isZero())
        expect(new Dec(String(total.isNegative() ? deposit[0]!.CreditAmount : deposit[0]!.DebitAmount)).eq(total.abs())).toBe(true);
      const header = d365.sim.rows("LedgerJournalHeaders").find((h) => h.JournalBatchNumber === record.journalBatchNumber)!;
      expect(header.Description).toBe(`Amazon settlement ${s.settlementId} ${s.currency}`);
    }
    expect((await listSettlementRecords(state)).filter((r) => r.status === "created")).toHaveLength(seeded().length);
  });

  it("changes nothing on a second poll or a second import", async () => {
    const headers = d365.sim.rows("LedgerJournalHeaders").length;
    const lines = d365.sim.rows("LedgerJournalLines").length;
    expect((await host.runTimer("settlement-poll")).ok).toBe(true);
    const s = seeded()[0]!;
    const deps = settlementDeps(currentApp());
    const file = await fetchSettlementReport(String((await deps.reports!.listSettlementReports(new Date(0)))[0]!.reportId), deps);
    const starter = {
      runtimeStatus: async (id: string) => host.durable.getStatus(id)?.runtimeStatus,
      startNew: async (name: string, instanceId: string, input: unknown) => void (await host.durable.startNew(name, { instanceId, input })),
      purge: async (id: string) => void (await host.durable.purge(id)),
      raiseEvent: async () => undefined,
    };
    const again = await startSettlementImport(file, starter, deps, { requireApproval: false, journalName: "GenJrn" });
    expect(again.started).toBe(false);
    await host.drain({ timeoutMs: 10_000 });
    expect(d365.sim.rows("LedgerJournalHeaders")).toHaveLength(headers);
    expect(d365.sim.rows("LedgerJournalLines")).toHaveLength(lines);
    expect((await getSettlementRecord(state, s.settlementId))!.status).toBe("created");
  });

  it("resumes after a crash between line batches without duplicating a line in D365", async () => {
    // A fresh settlement state and journal: forget what the first test posted for one settlement.
    const s = seeded()[1]!;
    const record = (await getSettlementRecord(state, s.settlementId))!;
    await d365.client.ledgerJournals.deleteJournal(record.journalBatchNumber!);
    await state.delete("settlements", "settlement", s.settlementId);
    await host.durable.purge(instanceIdFor(s.settlementId));

    const crashing = crashingAfter(d365LedgerJournals(d365.client), 2);
    install({ journals: crashing });
    try {
      const deps = settlementDeps(currentApp());
      const reportId = (await deps.reports!.listSettlementReports(new Date(0))).map((r) => r.reportId);
      let file: StoredSettlementFile | undefined;
      for (const id of reportId) {
        const f = await fetchSettlementReport(id, deps);
        if (f.settlementId === s.settlementId) file = f;
      }
      const starter = {
        runtimeStatus: async (id: string) => host.durable.getStatus(id)?.runtimeStatus,
        startNew: async (name: string, instanceId: string, input: unknown) =>
          void (await host.durable.startNew(name, { instanceId, input })),
        purge: async (id: string) => void (await host.durable.purge(id)),
        raiseEvent: async () => undefined,
      };
      await startSettlementImport(file!, starter, deps, { requireApproval: false, journalName: "GenJrn", linesPerActivity: 4 });
      const status = await host.durable.waitForCompletion(instanceIdFor(s.settlementId), 30_000);
      expect(status?.runtimeStatus).toBe("Completed");
      const after = (await getSettlementRecord(state, s.settlementId))!;
      expect(after.status, after.reasons.join("; ")).toBe("created");
      const lines = d365.sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === after.journalBatchNumber);
      expect(lines.map((l) => Number(l.LineNumber)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: after.lineCount! }, (_, i) => i + 1),
      );
      // The retry of the crashed batch finds its lines in D365 by key and sends nothing.
      expect(crashing.calls()).toBe(Math.ceil(after.lineCount! / 4));
    } finally {
      install();
    }
  });

  it("sends a large journal as one DMF package, once, even when the worker dies right after the import", async () => {
    const s = seeded()[2]!;
    const record = (await getSettlementRecord(state, s.settlementId))!;
    await d365.client.ledgerJournals.deleteJournal(record.journalBatchNumber!);
    await state.delete("settlements", "settlement", s.settlementId);
    await host.durable.purge(instanceIdFor(s.settlementId));
    const base = SettlementAccounts.load(join(__dirname, "../../../mappings"));
    const accounts = new SettlementAccounts({ ...base.file, journal: { ...base.file.journal, dmfFromLines: 5 } });
    const real = d365LedgerJournals(d365.client);
    let imports = 0;
    const dying = Object.assign(Object.create(real) as typeof real, {
      dmf: {
        ...real.dmf!,
        async submit(input: Parameters<NonNullable<typeof real.dmf>["submit"]>[0]) {
          imports++;
          const r = await real.dmf!.submit(input);
          if (imports === 1) throw new Error("injected crash after the DMF import was submitted");
          return r;
        },
      },
    });
    install({ journals: dying, accounts: () => accounts });
    try {
      const deps = settlementDeps(currentApp());
      let file: StoredSettlementFile | undefined;
      for (const r of await deps.reports!.listSettlementReports(new Date(0))) {
        const f = await fetchSettlementReport(r.reportId, deps);
        if (f.settlementId === s.settlementId) file = f;
      }
      const starter = {
        runtimeStatus: async (id: string) => host.durable.getStatus(id)?.runtimeStatus,
        startNew: async (name: string, instanceId: string, input: unknown) =>
          void (await host.durable.startNew(name, { instanceId, input })),
        purge: async (id: string) => void (await host.durable.purge(id)),
        raiseEvent: async () => undefined,
      };
      const before = d365.sim.rows("LedgerJournalHeaders").length;
      await startSettlementImport(file!, starter, deps, { requireApproval: false, journalName: "GenJrn" });
      const status = await host.durable.waitForCompletion(instanceIdFor(s.settlementId), 30_000);
      expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
      const after = (await getSettlementRecord(state, s.settlementId))!;
      expect(after.status, after.reasons.join("; ")).toBe("created");
      // The retry called ImportFromPackage again with the recorded execution id; D365 refused a second execution.
      expect(imports).toBe(2);
      expect(d365.sim.dmfExecutions().filter((e) => e.id.startsWith(`AMZ-${s.settlementId}-`))).toHaveLength(1);
      expect(d365.sim.rows("LedgerJournalHeaders").length).toBe(before + 1);
      const lines = d365.sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === after.journalBatchNumber);
      expect(lines.map((l) => Number(l.LineNumber)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: after.lineCount! }, (_, i) => i + 1),
      );
    } finally {
      install();
    }
  });
});
