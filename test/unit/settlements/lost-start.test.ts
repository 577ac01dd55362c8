/**
 * A settlement report whose start was lost (the process died after claiming the report id and before the
 * orchestration started): the poller takes it over once its claim stops beating (REPORT_CLAIM_STALE_MS), and only then, and only once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  claimReport,
  getSeenReport,
  getSettlementRecord,
  heartbeatReport,
  pendingReports,
  updateSettlementRecord,
} from "../../../src/flows/settlements/settlement-records";
import { fetchReportStep, reportImportStatus, requestReportImport } from "../../../src/flows/settlements/report-import";
import { summarizeSettlements } from "../../../src/flows/settlements/status-page";
import { UnavailableError } from "../../../src/platform/errors";
import { getRun } from "../../../src/platform/run-records";
import {
  pollSettlementReports,
  REPORT_CLAIM_STALE_MS,
  REPORT_HEARTBEAT_MS,
  startReportImportOnce,
  type OrchestrationStarter,
} from "../../../src/flows/settlements/import-settlement";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { silentTelemetry } from "../../../src/platform/telemetry";
import { FakeLedgerJournals, FakeSettlementReports, MemoryBlobStore } from "../../fixtures/settlements/fakes";

const uk = readFileSync(join(__dirname, "../../fixtures/settlements/uk-v2-24-columns.txt"));
const options = { requireApproval: false, journalName: "GenJrn" };
const MINUTE = 60_000;

function setup() {
  const started: string[] = [];
  const statuses = new Map<string, string>();
  const starter: OrchestrationStarter = {
    runtimeStatus: async (id) => statuses.get(id),
    startNew: async (_name, instanceId) => {
      started.push(instanceId);
      statuses.set(instanceId, "Running");
    },
    purge: async (id) => void statuses.delete(id),
    raiseEvent: async () => undefined,
  };
  const reports = new FakeSettlementReports();
  reports.add("R-1", uk);
  const clock = new ManualClock("2024-10-01T00:00:00Z");
  const deps = {
    state: new MemoryStateStore(),
    blobs: new MemoryBlobStore(),
    journals: new FakeLedgerJournals(),
    reports,
    accounts: () => SettlementAccounts.load(join(__dirname, "../../../mappings")),
    clock,
    log: silentTelemetry,
    sleep: async (_ms: number) => undefined,
  };
  return { started, statuses, starter, deps, reports, clock };
}

/** What a process that died right after claiming the report leaves behind. */
async function crashAfterClaim(deps: ReturnType<typeof setup>["deps"], reportId = "R-1") {
  expect(await claimReport(deps.state, reportId, deps.clock.now(), REPORT_CLAIM_STALE_MS)).toBeTruthy();
}

describe("a settlement report whose start was lost in a crash", () => {
  it("records on the report's row which settlement and instance a normal start started", async () => {
    const { starter, deps, started } = setup();
    const out = await pollSettlementReports(starter, deps, options);
    expect(out).toMatchObject({ listed: 1, started: ["11111111111"], resumed: [], failed: [] });
    expect(started).toEqual(["settlement-11111111111"]);
    expect(await getSeenReport(deps.state, "R-1")).toMatchObject({
      settlementId: "11111111111",
      instanceId: "settlement-11111111111",
      outcome: "started",
      startedAt: "2024-10-01T00:00:00.000Z",
      attempts: 1,
    });
    // The poll is a run on the status page, like every other flow's timer.
    expect(await getRun(deps.state, "settlements")).toMatchObject({
      lastRun: { outcome: "succeeded" },
      runs: { succeeded: 1 },
      totals: { listed: 1, started: 1, failed: 0 },
    });
  });

  it("is left alone while its claim is younger than the grace period", async () => {
    const { starter, deps, started, reports, clock } = setup();
    await crashAfterClaim(deps);
    clock.advance(REPORT_CLAIM_STALE_MS - MINUTE);
    const out = await pollSettlementReports(starter, deps, options);
    expect(out).toMatchObject({ listed: 1, started: [], resumed: [], failed: [] });
    expect(started).toEqual([]);
    expect(reports.downloads).toBe(0);
    expect((await getSeenReport(deps.state, "R-1"))!.startedAt).toBeUndefined();
  });

  it("is started by the next poll once the grace period is over, even when Amazon no longer lists it", async () => {
    const { starter, deps, started, reports, clock } = setup();
    await crashAfterClaim(deps);
    reports.listSettlementReports = async () => []; // outside the poll's listing window by now
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    const out = await pollSettlementReports(starter, deps, options);
    expect(out).toMatchObject({ listed: 0, started: ["11111111111"], resumed: ["R-1"], failed: [] });
    expect(started).toEqual(["settlement-11111111111"]);
    expect(await getSeenReport(deps.state, "R-1")).toMatchObject({ settlementId: "11111111111", outcome: "started", attempts: 2 });
    expect((await getSettlementRecord(deps.state, "11111111111"))!.status).toBe("pending");
  });

  it("is never started again once its start is recorded, whatever became of the import", async () => {
    const { starter, deps, started, statuses, reports, clock } = setup();
    await pollSettlementReports(starter, deps, options);
    statuses.set("settlement-11111111111", "Completed"); // e.g. needs-mapping: a re-import is a person's decision
    for (let i = 0; i < 3; i++) {
      clock.advance(2 * REPORT_CLAIM_STALE_MS);
      expect(await pollSettlementReports(starter, deps, options)).toMatchObject({ started: [], resumed: [], failed: [] });
      expect(await startReportImportOnce("R-1", starter, deps, options)).toBeUndefined(); // the notification's path
    }
    expect(started).toEqual(["settlement-11111111111"]);
    expect(reports.downloads).toBe(1);
  });

  it("records a takeover that finds the settlement posted already, and does not start it", async () => {
    const { starter, deps, started, clock } = setup();
    await crashAfterClaim(deps);
    await updateSettlementRecord(deps.state, "11111111111", () => ({
      settlementId: "11111111111",
      instanceId: "settlement-11111111111",
      status: "posted",
      anomalies: [],
      unmapped: [],
      reasons: [],
      createdAt: "",
      updatedAt: "",
    }));
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    expect(await pollSettlementReports(starter, deps, options)).toMatchObject({ started: [], resumed: ["R-1"], failed: [] });
    expect(started).toEqual([]);
    expect(await getSeenReport(deps.state, "R-1")).toMatchObject({ outcome: "posted", settlementId: "11111111111" });
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    expect(await pollSettlementReports(starter, deps, options)).toMatchObject({ resumed: [] });
  });

  it("is taken over by one of two concurrent pollers only", async () => {
    const { starter, deps, started, reports, clock } = setup();
    await crashAfterClaim(deps);
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    const [a, b] = await Promise.all([pollSettlementReports(starter, deps, options), pollSettlementReports(starter, deps, options)]);
    expect([...a.started, ...b.started]).toEqual(["11111111111"]);
    expect(started).toEqual(["settlement-11111111111"]);
    expect(reports.downloads).toBe(1);
  });

  it("keeps a stalled first attempt that resumes after the takeover from starting it again or forgetting it", async () => {
    const { starter, deps, started, statuses, reports, clock } = setup();
    const download = reports.downloadReport.bind(reports);
    const stalled: { release: (ok: boolean) => void }[] = [];
    let calls = 0;
    reports.downloadReport = async (id) => {
      if (calls++ < 2)
        await new Promise<void>((resolve, reject) =>
          stalled.push({ release: (ok) => (ok ? resolve() : reject(new Error("connection reset"))) }),
        );
      return download(id);
    };
    // Two first attempts (the router's and the poller's view of two reports) stall in their downloads.
    reports.add("R-2", readFileSync(join(__dirname, "../../fixtures/settlements/negative-total.txt")));
    const first = startReportImportOnce("R-1", starter, deps, options);
    const second = startReportImportOnce("R-2", starter, deps, options);
    await new Promise((r) => setTimeout(r, 10));
    expect(stalled).toHaveLength(2);
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    const poll = await pollSettlementReports(starter, deps, options);
    expect(poll).toMatchObject({ started: ["11111111111", "66666666666"], failed: [] });
    expect(poll.resumed.sort()).toEqual(["R-1", "R-2"]);
    statuses.set("settlement-11111111111", "Completed"); // the taken-over import finished (not posted) meanwhile
    stalled[0]!.release(true); // resumes: sees that its claim was taken over and stops
    stalled[1]!.release(false); // fails, downloads again: must neither start nor forget the report the takeover started
    expect(await first).toBeUndefined();
    expect(await second).toBeUndefined();
    expect(started.sort()).toEqual(["settlement-11111111111", "settlement-66666666666"]);
    expect(await getSeenReport(deps.state, "R-2")).toMatchObject({ outcome: "started", settlementId: "66666666666" });
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    expect(await pollSettlementReports(starter, deps, options)).toMatchObject({ started: [], resumed: [] });
    expect(started).toHaveLength(2);
  });

  it("leaves alone rows written before starts were recorded (their outcome is unknown)", async () => {
    const { starter, deps, started, reports, clock } = setup();
    await deps.state.insert("settlementreports", { partitionKey: "report", rowKey: "R-1", seenAt: "2024-09-01T00:00:00.000Z" });
    clock.advance(REPORT_CLAIM_STALE_MS + MINUTE);
    expect(await pollSettlementReports(starter, deps, options)).toMatchObject({ started: [], resumed: [] });
    expect(started).toEqual([]);
    expect(reports.downloads).toBe(0);
  });
});

describe("a settlement report whose download fails", () => {
  it("is downloaded again with backoff when the document URL answers 503 for a while", async () => {
    const { starter, deps, reports, started } = setup();
    const waits: number[] = [];
    deps.sleep = async (ms: number) => void waits.push(ms);
    const download = reports.downloadReport.bind(reports);
    let calls = 0;
    reports.downloadReport = async (id) => {
      if (++calls <= 2) throw new UnavailableError("spapi.document", "GET report document: 503 Service Unavailable");
      return download(id);
    };
    const out = await pollSettlementReports(starter, deps, options);
    expect(out).toMatchObject({ started: ["11111111111"], failed: [] });
    expect(waits).toEqual([2_000, 8_000]);
    expect(started).toEqual(["settlement-11111111111"]);
  });

  it("is listed with its reason and tried again by the next poll, even when Amazon no longer lists it", async () => {
    const { starter, deps, reports, started, clock } = setup();
    const download = reports.downloadReport.bind(reports);
    let down = true;
    reports.downloadReport = async (id) => {
      if (down) throw new UnavailableError("spapi.document", "GET report document: 503 Service Unavailable");
      return download(id);
    };
    const first = await pollSettlementReports(starter, deps, options);
    expect(first.failed).toEqual([{ reportId: "R-1", error: "GET report document: 503 Service Unavailable" }]);
    expect(await pendingReports(deps.state)).toMatchObject([
      { reportId: "R-1", lastError: "GET report document: 503 Service Unavailable", claim: undefined, attempts: 1 },
    ]);
    const section = await summarizeSettlements(deps.state);
    expect(section.reports).toEqual([
      { reportId: "R-1", status: "failed", error: "GET report document: 503 Service Unavailable", attempts: 1 },
    ]);

    down = false;
    reports.listSettlementReports = async () => [];
    clock.advance(MINUTE);
    const second = await pollSettlementReports(starter, deps, options);
    expect(second).toMatchObject({ listed: 0, started: ["11111111111"], resumed: ["R-1"], failed: [] });
    expect(started).toEqual(["settlement-11111111111"]);
    expect(await pendingReports(deps.state)).toEqual([]);
    expect(await getSeenReport(deps.state, "R-1")).toMatchObject({ outcome: "started", attempts: 2, lastError: undefined });
  });

  it("keeps its claim while the attempt beats, and is taken over only once the beat stops", async () => {
    const { deps, clock } = setup();
    const claim = (await claimReport(deps.state, "R-1", clock.now(), REPORT_CLAIM_STALE_MS))!;
    for (let i = 0; i < 5; i++) {
      clock.advance(REPORT_HEARTBEAT_MS);
      expect(await heartbeatReport(deps.state, "R-1", claim, clock.now())).toBe(true);
    }
    clock.advance(REPORT_CLAIM_STALE_MS - MINUTE);
    expect(await claimReport(deps.state, "R-1", clock.now(), REPORT_CLAIM_STALE_MS)).toBeUndefined();
    clock.advance(2 * MINUTE);
    const takeover = await claimReport(deps.state, "R-1", clock.now(), REPORT_CLAIM_STALE_MS);
    expect(takeover).toBeTruthy();
    expect(await heartbeatReport(deps.state, "R-1", claim, clock.now())).toBe(false);
  });
});

describe("POST /api/settlements/import {reportId}", () => {
  it("answers at once: it starts a small orchestration for the download, and points at the settlement once it is known", async () => {
    const { starter, deps, started } = setup();
    expect(await requestReportImport("R-1", starter, deps)).toEqual({ reportId: "R-1", fetching: true });
    expect(started).toEqual(["settlement-report-R-1"]);
    expect(await reportImportStatus("R-1", starter, deps)).toMatchObject({ status: 202, body: { status: "fetching" } });
    // The orchestration's activity does the download and the start.
    expect(await fetchReportStep("R-1", starter, deps, options)).toEqual({
      reportId: "R-1",
      state: "started",
      settlementId: "11111111111",
    });
    expect(await reportImportStatus("R-1", starter, deps)).toMatchObject({ status: 202, body: { settlementId: "11111111111" } });
    expect(await requestReportImport("R-1", starter, deps)).toMatchObject({ settlementId: "11111111111", record: { status: "pending" } });
  });

  it("reports a download that failed with its reason", async () => {
    const { starter, deps, reports, statuses } = setup();
    reports.downloadReport = async () => {
      throw new Error("report R-1 has no document (status CANCELLED)");
    };
    await requestReportImport("R-1", starter, deps);
    expect(await fetchReportStep("R-1", starter, deps, options)).toMatchObject({ state: "failed", error: /no document/ });
    statuses.set("settlement-report-R-1", "Completed");
    expect(await reportImportStatus("R-1", starter, deps)).toMatchObject({
      status: 200,
      body: { status: "failed", error: expect.stringMatching(/no document/), attempts: 1 },
    });
  });
});
