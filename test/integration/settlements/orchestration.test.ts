/**
 * The settlement orchestration on the local host's durable driver and HTTP routes, with the journals port
 * as an in-memory fake (the same flow against the D365 simulator is in d365-sim.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimReport, getSeenReport, getSettlementRecord, instanceIdFor } from "../../../src/flows/settlements/settlement-records";
import { REPORT_CLAIM_STALE_MS } from "../../../src/flows/settlements/import-settlement";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { loadAppAsync } from "../../../src/local/registry";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { type AppConfig, loadConfig } from "../../../src/wiring/config";
import { createApp, currentApp, type PortOverrides, useApp } from "../../../src/wiring/app";
import { settlementDeps } from "../../../src/wiring/settlements";
import { UnavailableError } from "../../../src/platform/errors";
import { crashingAfter, FakeLedgerJournals, FakeSettlementReports, MemoryBlobStore } from "../../fixtures/settlements/fakes";

const fixtures = join(__dirname, "../../fixtures/settlements");
const file = (name: string) => readFileSync(join(fixtures, name));

let host: LocalHost;
let dir: string;
let state: MemoryStateStore;
let journals: FakeLedgerJournals;
let reports: FakeSettlementReports;
let blobs: MemoryBlobStore;

/** Installs the app with the in-memory fakes as the settlement ports (and any port given instead). */
function install(ports: PortOverrides["settlements"] = {}, config: AppConfig = loadConfig()): void {
  const settlements = { journals, reports, sleep: async () => undefined, ...ports };
  useApp(createApp(config, { state, blobs, bus: host.bus, ports: { settlements } }));
}

beforeAll(async () => {
  const registrations = (
    await loadAppAsync(async () => {
      await import("../../../src/functions/settlement-orchestration");
      await import("../../../src/functions/settlement-import");
      await import("../../../src/functions/settlement-get");
      await import("../../../src/functions/settlement-list");
      await import("../../../src/functions/settlement-approve");
      await import("../../../src/functions/settlement-poll");
      await import("../../../src/functions/settlement-report-import");
      await import("../../../src/functions/settlement-report-get");
      await import("../../../src/functions/settlement-resolve");
      await import("../../../src/functions/status");
    })
  ).filter((r) => r.name.startsWith("settlement") || r.name === "status");
  dir = mkdtempSync(join(tmpdir(), "settlement-host-"));
  host = await startLocalHost({
    port: 0,
    registrations,
    dataDir: dir,
    hubName: "SettlementTest",
    timeScale: 1000,
    schedules: false,
    log: () => undefined,
    app: false,
  });
});

afterAll(async () => {
  await host?.stop();
  useApp(undefined);
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await host.durable.purgeBy({});
  state = new MemoryStateStore();
  journals = new FakeLedgerJournals();
  reports = new FakeSettlementReports();
  blobs = new MemoryBlobStore();
  install();
});

async function importFile(name: string, contentType = "text/tab-separated-values") {
  return fetch(`${host.url}/api/settlements/import`, { method: "POST", headers: { "content-type": contentType }, body: file(name) });
}

async function waitDone(settlementId: string) {
  const status = await host.durable.waitForCompletion(instanceIdFor(settlementId), 20_000);
  expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
  return status!;
}

describe("importing a settlement through POST /api/settlements/import", () => {
  it("answers 202 with a Location that answers 200 with the posted journal when done", async () => {
    const res = await importFile("uk-v2-24-columns.txt");
    expect(res.status).toBe(202);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/\/api\/settlements\/11111111111$/);
    await waitDone("11111111111");
    const done = await fetch(location);
    expect(done.status).toBe(200);
    const record = await done.json();
    expect(record).toMatchObject({
      settlementId: "11111111111",
      status: "created",
      journalBatchNumber: "00500",
      reconciled: true,
      totalAmount: "41.85",
      lineCount: 15,
      linesCreated: 15,
      totalDebit: "131.49",
      totalCredit: "131.49",
    });
    const lines = journals.lines.get("00500")!;
    expect(lines.map((l) => l.lineNumber)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const deposit = lines.find((l) => l.text.startsWith("Amazon deposit"))!;
    expect(deposit).toMatchObject({ accountDisplayValue: "110180", debit: "41.85", credit: "0.00", currency: "GBP", date: "2024-09-27" });
    const list = (await (await fetch(`${host.url}/api/settlements`)).json()) as { settlements: { settlementId: string; status: string }[] };
    expect(list.settlements.map((s) => [s.settlementId, s.status])).toEqual([["11111111111", "created"]]);
    // The analysis streamed the stored file once (one pass: summary row and transactions); it never loaded it whole.
    expect(blobs.streamed).toBe(1);
    expect(blobs.gets.filter((name) => name.endsWith(".txt"))).toEqual([]);
  });

  it("changes nothing on a second import of the same settlement", async () => {
    await importFile("uk-v2-24-columns.txt");
    await waitDone("11111111111");
    const again = await importFile("uk-v2-24-columns.txt");
    expect(again.status).toBe(200);
    // The same body as the settlement's status URL at the end of polling (Power Automate's async pattern).
    expect(await again.json()).toMatchObject({ settlementId: "11111111111", status: "created", journalBatchNumber: "00500" });
    const byId = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ settlementId: "11111111111" }),
    });
    expect(byId.status).toBe(200);
    expect(journals.headers).toHaveLength(1);
    expect(journals.lines.get("00500")).toHaveLength(15);
  });

  it("resumes after a crash between line batches without duplicating a line", async () => {
    const crashing = crashingAfter(journals, 1);
    install({ journals: crashing });
    // 12 lines, 5 per activity: three createLines activities; the first dies after D365 took its lines.
    const { startSettlementImport } = await import("../../../src/flows/settlements/import-settlement");
    const { storeSettlementFile } = await import("../../../src/flows/settlements/import-steps");
    const deps = settlementDeps(currentApp());
    const stored = await storeSettlementFile(file("de-v2-23-columns-cp1252.txt"), deps);
    const starter = {
      runtimeStatus: async (id: string) => host.durable.getStatus(id)?.runtimeStatus,
      startNew: async (name: string, instanceId: string, input: unknown) => void (await host.durable.startNew(name, { instanceId, input })),
      raiseEvent: async () => undefined,
      purge: async (id: string) => void (await host.durable.purge(id)),
    } satisfies Parameters<typeof startSettlementImport>[1];
    await startSettlementImport(stored, starter, deps, { requireApproval: false, journalName: "GenJrn", linesPerActivity: 5 });
    await waitDone("22222222222");
    const record = await getSettlementRecord(state, "22222222222");
    expect(record).toMatchObject({ status: "created", lineCount: 12, linesCreated: 12 });
    // 3 batches; the retry of the crashed one finds its lines in D365 by key and sends nothing.
    expect(crashing.calls()).toBe(3);
    const lines = journals.lines.get(record!.journalBatchNumber!)!;
    expect(lines.map((l) => l.lineNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("stops as needs-mapping with a suggested rule and creates no journal", async () => {
    const res = await importFile("unmapped-combination.txt");
    expect(res.status).toBe(202);
    await waitDone("77777777777");
    const record = (await (await fetch(`${host.url}/api/settlements/77777777777`)).json()) as { unmapped: { suggestedRule: unknown }[] };
    expect(record).toMatchObject({
      status: "needs-mapping",
      unmapped: [
        expect.objectContaining({
          combination: "other-transaction / other-transaction / Brand New Programme Fee",
          total: "-9.99",
          rowCount: 1,
        }),
      ],
    });
    expect(record.unmapped[0].suggestedRule).toMatchObject({ amountDescription: "Brand New Programme Fee" });
    expect(journals.headers).toHaveLength(0);
  });

  it("refuses an uploaded file that does not add up (truncated) with 400 before anything starts", async () => {
    const res = await importFile("malformed-not-balancing.txt");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/add up to 41\.85 but total-amount is 41\.86: the file looks truncated or incomplete after line \d+/);
    expect(await getSettlementRecord(state, "11111111111")).toBeUndefined();
    expect(host.durable.getStatus(instanceIdFor("11111111111"))).toBeUndefined();
    expect(journals.headers).toHaveLength(0);
  });

  it("refuses an uploaded file with a row it cannot read with 400 naming the line", async () => {
    const res = await importFile("malformed-bad-rows.txt");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^line \d+: /);
  });

  it("records a downloaded report that does not reconcile as failed, with the reason, and creates nothing", async () => {
    reports.add("R-9", file("malformed-not-balancing.txt"));
    expect((await host.runTimer("settlement-poll")).ok).toBe(true);
    await waitDone("11111111111");
    const record = await getSettlementRecord(state, "11111111111");
    expect(record).toMatchObject({ status: "failed", reconciled: false });
    expect(record!.reasons.join(" ")).toMatch(/add up to 41\.85 but total-amount is 41\.86/);
    expect(journals.headers).toHaveLength(0);
  });

  it("refuses files that are not settlement flat files V2 with 400 and the explanation", async () => {
    const res = await importFile("v1-flat-file.txt", "text/plain");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/retired V1/);
    const bad = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reportId: "" }),
    });
    expect(bad.status).toBe(400);
  });

  it("waits for approval when required, then posts after POST /api/settlements/{id}/approve", async () => {
    install({}, loadConfig({ ...process.env, SETTLEMENT_REQUIRE_APPROVAL: "true" }));
    try {
      const res = await importFile("zero-total-reserve.txt");
      expect(res.status).toBe(202);
      const url = `${host.url}/api/settlements/55555555555`;
      let record: { status: string } | undefined;
      for (let i = 0; i < 100; i++) {
        const r = await fetch(url);
        record = (await r.json()) as { status: string };
        if (record!.status === "awaiting-approval") {
          expect(r.status).toBe(200);
          break;
        }
        await new Promise((r2) => setTimeout(r2, 50));
      }
      expect(record!.status).toBe("awaiting-approval");
      expect(journals.headers).toHaveLength(0);
      const approve = await fetch(`${url}/approve`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ approvedBy: "finance@example.test" }),
      });
      expect(approve.status).toBe(202);
      // Polled at once, its Location does not answer awaiting-approval any more (Power Automate would stop there).
      const polled = await fetch(approve.headers.get("location")!);
      if (polled.status === 200) expect(((await polled.json()) as { status: string }).status).not.toBe("awaiting-approval");
      else expect(polled.status).toBe(202);
      await waitDone("55555555555");
      expect(await (await fetch(url)).json()).toMatchObject({ status: "created", approvedBy: "finance@example.test" });
      const again = await fetch(`${url}/approve`, { method: "POST" });
      expect(again.status).toBe(409);
    } finally {
      install();
    }
  });

  it("imports each new settlement report once from the poller", async () => {
    reports.add("R-1", file("uk-v2-24-columns.txt"));
    reports.add("R-2", file("negative-total.txt"));
    const first = await host.runTimer("settlement-poll");
    expect(first.ok, first.error).toBe(true);
    await waitDone("11111111111");
    await waitDone("66666666666");
    const second = await host.runTimer("settlement-poll");
    expect(second.ok).toBe(true);
    expect(reports.downloads).toBe(2);
    expect((await getSettlementRecord(state, "66666666666"))!.status).toBe("created");
  });

  it("starts a report whose start died after the report was marked seen on the first poll after the grace period, and posts it once", async () => {
    const clock = new ManualClock("2024-10-01T00:00:00Z");
    install({ clock });
    reports.add("R-7", file("uk-v2-24-columns.txt"));
    // The crash: the report id was claimed (marked seen), then the process died before anything started.
    expect(await claimReport(state, "R-7", clock.now(), REPORT_CLAIM_STALE_MS)).toBeTruthy();

    clock.advance(REPORT_CLAIM_STALE_MS - 60_000);
    expect((await host.runTimer("settlement-poll")).ok).toBe(true);
    expect(reports.downloads).toBe(0); // still within the grace period: the first attempt may be alive
    expect(host.durable.getStatus(instanceIdFor("11111111111"))).toBeUndefined();

    clock.advance(2 * 60_000);
    expect((await host.runTimer("settlement-poll")).ok).toBe(true);
    await waitDone("11111111111");
    expect(await getSettlementRecord(state, "11111111111")).toMatchObject({
      status: "created",
      reportId: "R-7",
      lineCount: 15,
      linesCreated: 15,
    });
    expect(await getSeenReport(state, "R-7")).toMatchObject({
      settlementId: "11111111111",
      instanceId: "settlement-11111111111",
      outcome: "started",
    });

    for (let i = 0; i < 2; i++) {
      clock.advance(2 * REPORT_CLAIM_STALE_MS);
      expect((await host.runTimer("settlement-poll")).ok).toBe(true);
    }
    expect(reports.downloads).toBe(1);
    expect(journals.headers).toHaveLength(1);
    expect(journals.lines.get("00500")).toHaveLength(15);
  });

  it("records a D365 outage as failed after the retries, and a later import by settlement id posts it", async () => {
    const down = Object.assign(Object.create(journals) as FakeLedgerJournals, {
      createHeader: async () => {
        throw new Error("D365 is unavailable (503)");
      },
    });
    install({ journals: down });
    await importFile("negative-total.txt");
    const status = await host.durable.waitForCompletion(instanceIdFor("66666666666"), 20_000);
    expect(status?.runtimeStatus).toBe("Failed");
    const failed = await fetch(`${host.url}/api/settlements/66666666666`);
    expect(failed.status).toBe(200);
    const record = (await failed.json()) as { status: string; reasons: string[] };
    expect(record.status).toBe("failed");
    expect(record.reasons.join(" ")).toMatch(/D365 is unavailable/);

    install();
    const retry = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ settlementId: "66666666666" }),
    });
    expect(retry.status).toBe(202);
    await waitDone("66666666666");
    expect((await getSettlementRecord(state, "66666666666"))!.status).toBe("created");
    expect(journals.headers).toHaveLength(1);
  });

  it("needs ?replace=true for a different file of an unfinished settlement, and refuses one for a created journal (409)", async () => {
    const uk = file("uk-v2-24-columns.txt").toString("utf8");
    const corrected = Buffer.from(uk.replace("\t41.85\t", "\t42.85\t").replace("\t39.99\t", "\t40.99\t"));
    const upload = (body: Buffer, query = "") =>
      fetch(`${host.url}/api/settlements/import${query}`, {
        method: "POST",
        headers: { "content-type": "text/tab-separated-values" },
        body,
      });
    const down = Object.assign(Object.create(journals) as FakeLedgerJournals, {
      createHeader: async () => {
        throw new Error("D365 is unavailable (503)");
      },
    });
    install({ journals: down });
    await upload(Buffer.from(uk));
    expect((await host.durable.waitForCompletion(instanceIdFor("11111111111"), 20_000))?.runtimeStatus).toBe("Failed");
    install();
    const refused = await upload(corrected);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /settlement 11111111111 was imported from another file \(failed, .*\); send this one with \?replace=true/,
    );
    const replaced = await upload(corrected, "?replace=true");
    expect(replaced.status).toBe(202);
    await waitDone("11111111111");
    expect(journals.lines.get("00500")!.find((l) => l.account === "401100")!.credit).toBe("60.49"); // 59.49 in the first file
    const again = await upload(Buffer.from(uk), "?replace=true");
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toMatch(
      /journal 00500 is created in D365: a different file cannot replace it/,
    );
    expect((await upload(corrected)).status).toBe(200);
  });

  it("answers an import by report id at once with 202 and a Location that answers 200 with the settlement once done", async () => {
    reports.add("R-5", file("uk-v2-24-columns.txt"));
    const res = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reportId: "R-5" }),
    });
    expect(res.status).toBe(202);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/\/api\/settlements\/reports\/R-5$/);
    let last: Response | undefined;
    for (let i = 0; i < 200; i++) {
      last = await fetch(location);
      if (last.status === 200) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(last!.status).toBe(200);
    expect(await last!.json()).toMatchObject({ reportId: "R-5", settlementId: "11111111111", status: "created" });
    const again = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reportId: "R-5" }),
    });
    expect(again.status).toBe(200);
    expect(again.headers.get("location")).toMatch(/\/api\/settlements\/11111111111$/);
    expect(reports.downloads).toBe(1);
  });

  it("lists a report that could not be downloaded with its reason in /api/settlements and /api/status", async () => {
    reports.add("R-6", file("uk-v2-24-columns.txt"));
    reports.downloadReport = async () => {
      throw new UnavailableError("spapi.document", "GET report document: 503 Service Unavailable");
    };
    expect((await host.runTimer("settlement-poll")).ok).toBe(true);
    const list = (await (await fetch(`${host.url}/api/settlements`)).json()) as { reports: unknown[] };
    expect(list.reports).toEqual([
      expect.objectContaining({ reportId: "R-6", status: "failed", error: "GET report document: 503 Service Unavailable", attempts: 1 }),
    ]);
    const status = (await (await fetch(`${host.url}/api/status`)).json()) as { sections: { settlements: { reports: unknown[] } } };
    expect(status.sections.settlements.reports).toEqual([
      { reportId: "R-6", status: "failed", error: "GET report document: 503 Service Unavailable", attempts: 1 },
    ]);
  });

  it("stops as a conflict when D365 posts the journal between line batches, and POST .../resolve new-journal imports it again", async () => {
    let batches = 0;
    const racing = Object.assign(Object.create(journals) as FakeLedgerJournals, {
      async createLines(company: string, jbn: string, lines: Parameters<FakeLedgerJournals["createLines"]>[2]) {
        const r = await journals.createLines(company, jbn, lines);
        if (++batches === 1) journals.post(jbn); // the recurring posting job, right after the first batch
        return r;
      },
    });
    install({ journals: racing });
    const { startSettlementImport } = await import("../../../src/flows/settlements/import-settlement");
    const { storeSettlementFile } = await import("../../../src/flows/settlements/import-steps");
    const deps = settlementDeps(currentApp());
    const stored = await storeSettlementFile(file("uk-v2-24-columns.txt"), deps);
    const starter = {
      runtimeStatus: async (id: string) => host.durable.getStatus(id)?.runtimeStatus,
      startNew: async (name: string, instanceId: string, input: unknown) => void (await host.durable.startNew(name, { instanceId, input })),
      raiseEvent: async () => undefined,
      purge: async (id: string) => void (await host.durable.purge(id)),
    };
    await startSettlementImport(stored, starter, deps, { requireApproval: false, journalName: "GenJrn", linesPerActivity: 5 });
    await waitDone("11111111111");
    const conflict = (await (await fetch(`${host.url}/api/settlements/11111111111`)).json()) as {
      status: string;
      conflict: { kind: string; suggestion: string };
    };
    expect(conflict).toMatchObject({ status: "conflict", conflict: { kind: "posted-before-verified", journals: ["00500"] } });
    expect(journals.lines.get("00500")).toHaveLength(5);

    install();
    const resolve = await fetch(`${host.url}/api/settlements/11111111111/resolve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "new-journal", resolvedBy: "finance@example.test" }),
    });
    expect(resolve.status).toBe(202);
    await waitDone("11111111111");
    expect(await getSettlementRecord(state, "11111111111")).toMatchObject({
      status: "created",
      journalBatchNumber: "00501",
      supersededJournals: ["00500"],
      resolvedBy: "finance@example.test",
    });
    expect(journals.lines.get("00501")).toHaveLength(15);
    const bad = await fetch(`${host.url}/api/settlements/11111111111/resolve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "undo" }),
    });
    expect(bad.status).toBe(400);
  });
});
