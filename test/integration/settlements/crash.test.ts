/**
 * Crashes in the middle of a settlement import, on the local host (durable history, activity retries) against
 * the D365 simulator: the worker dies right before or right after each call that changes D365 (or just learns
 * that D365 changed), on the OData path and on the DMF path. After the retry the settlement has exactly one
 * complete journal in D365, which the posting job posts (every voucher balances), and nothing else.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { forgetJournalNameChecks, storeSettlementFile } from "../../../src/flows/settlements/import-steps";
import { startSettlementImport } from "../../../src/flows/settlements/import-settlement";
import type { LedgerJournalsPort } from "../../../src/flows/settlements/ports";
import { getSettlementRecord, instanceIdFor } from "../../../src/flows/settlements/settlement-records";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { loadAppAsync } from "../../../src/local/registry";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { Dec } from "../../../src/platform/money";
import { d365LedgerJournals } from "../../../src/wiring/adapters/ledger-journals";
import { createApp, currentApp, useApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { settlementDeps } from "../../../src/wiring/settlements";
import { anOrder, type FileSpec, settlementFile } from "../../fixtures/settlements/builder";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { type Harness, startHarness } from "../d365/harness";

const shipped = SettlementAccounts.load(join(__dirname, "../../../mappings"));
let host: LocalHost;
let dir: string;
let d365: Harness;

const SETTLEMENT = "7400";
const spec: FileSpec = {
  settlementId: SETTLEMENT,
  start: "2026-01-25T08:00:00Z",
  end: "2026-02-08T08:00:00Z",
  deposit: "2026-02-10T08:00:00Z",
  currency: "USD",
  rows: [
    ...anOrder("111-1", "2026-01-27T18:00:00Z", { principal: "100.00", commission: "-15.00", fbaFee: "-5.00", marketplace: "Amazon.com" }),
    ...anOrder("111-2", "2026-02-03T18:00:00Z", { principal: "50.00", commission: "-7.50", fbaFee: "-3.00", marketplace: "Amazon.com" }),
    ...anOrder("111-3", "2026-02-05T18:00:00Z", { principal: "25.00", commission: "-3.75", fbaFee: "-2.00", marketplace: "Amazon.com" }),
  ],
};

beforeAll(async () => {
  const registrations = (await loadAppAsync(async () => void (await import("../../../src/functions/settlement-orchestration")))).filter(
    (r) => r.name.startsWith("settlement"),
  );
  dir = mkdtempSync(join(tmpdir(), "settlement-crash-"));
  d365 = await startHarness();
  host = await startLocalHost({
    port: 0,
    registrations,
    dataDir: dir,
    hubName: "SettlementCrash",
    timeScale: 1000,
    schedules: false,
    log: () => undefined,
    app: false,
  });
});

afterAll(async () => {
  useApp(undefined);
  await host?.stop();
  await d365?.sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  fired.length = 0;
  d365.sim.reset();
  forgetJournalNameChecks();
  await host.durable.purgeBy({});
});

type Point = { method: string; dmf?: boolean; when: "before" | "after"; nth?: number };

/** Crashes injected by `dying` (a test fails when its crash point is never reached). */
const fired: string[] = [];

/** The D365 port, with the worker dying once at a point: right before or right after the nth call of a method. */
function dying(real: LedgerJournalsPort, point: Point): LedgerJournalsPort {
  let calls = 0;
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const hit = ++calls === (point.nth ?? 1);
      if (hit) fired.push(point.method);
      if (hit && point.when === "before") throw new Error(`worker killed before ${point.method}`);
      const r = await fn(...args);
      if (hit && point.when === "after") throw new Error(`worker killed after ${point.method}`);
      return r;
    };
  if (point.dmf) {
    const dmf = real.dmf!;
    const method = point.method as keyof typeof dmf;
    return Object.assign(Object.create(real) as LedgerJournalsPort, {
      dmf: { ...dmf, [method]: wrap(dmf[method] as (...a: unknown[]) => Promise<unknown>) },
    });
  }
  const method = point.method as keyof LedgerJournalsPort;
  const fn = (real[method] as (...a: unknown[]) => Promise<unknown>).bind(real);
  return Object.assign(Object.create(real) as LedgerJournalsPort, { [method]: wrap(fn) });
}

async function importWith(journals: LedgerJournalsPort, dmfFromLines: number) {
  const accounts = new SettlementAccounts({ ...shipped.file, journal: { ...shipped.file.journal, dmfFromLines } });
  const state = new MemoryStateStore();
  useApp(
    createApp(loadConfig(), {
      state,
      blobs: new MemoryBlobStore(),
      bus: host.bus,
      ports: { settlements: { journals, accounts: () => accounts } },
    }),
  );
  const deps = settlementDeps(currentApp());
  const file = await storeSettlementFile(Buffer.from(settlementFile(spec)), deps);
  const starter = {
    runtimeStatus: async (id: string) => host.durable.getStatus(id)?.runtimeStatus,
    startNew: async (name: string, instanceId: string, input: unknown) => void (await host.durable.startNew(name, { instanceId, input })),
    purge: async (id: string) => void (await host.durable.purge(id)),
    raiseEvent: async () => undefined,
  };
  await startSettlementImport(file, starter, deps, { requireApproval: false, journalName: "GenJrn", linesPerActivity: 4 });
  const status = await host.durable.waitForCompletion(instanceIdFor(SETTLEMENT), 30_000);
  return { status, record: await getSettlementRecord(state, SETTLEMENT) };
}

/** What D365 holds for the settlement: journals with a line of it, or its description (held or released). */
function journalsOfSettlement(): string[] {
  const byLine = d365.sim.rows("LedgerJournalLines").filter((l) => l.Document === SETTLEMENT);
  const byDescription = d365.sim.rows("LedgerJournalHeaders").filter((h) => String(h.Description).includes(`settlement ${SETTLEMENT} `));
  return [...new Set([...byLine.map((l) => String(l.JournalBatchNumber)), ...byDescription.map((h) => String(h.JournalBatchNumber))])];
}

async function expectExactlyOneCompleteJournal(outcome: Awaited<ReturnType<typeof importWith>>, point: Point) {
  const label = `${point.dmf ? "dmf." : ""}${point.method} ${point.when} #${point.nth ?? 1}`;
  expect(fired, `${label}: the crash point was never reached`).toEqual([point.method]);
  expect(outcome.status?.runtimeStatus, label).toBe("Completed");
  expect(outcome.record?.status, `${label}: ${outcome.record?.reasons.join("; ")}`).toBe("created");
  const journals = journalsOfSettlement();
  expect(journals, label).toEqual([outcome.record!.journalBatchNumber]);
  const lines = d365.sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === journals[0]);
  expect(lines, label).toHaveLength(outcome.record!.lineCount!);
  expect(new Set(lines.map((l) => `${String(l.TransDate)}|${String(l.AccountDisplayValue)}|${String(l.Text)}`)).size, label).toBe(
    lines.length,
  );
  const sum = (k: string) => lines.reduce((s, l) => s.plus(new Dec(String(l[k] ?? 0))), new Dec(0));
  expect(sum("DebitAmount").eq(sum("CreditAmount")), label).toBe(true);
  // The posting job posts it: every voucher balances on its date.
  expect(d365.sim.runPostingJob({ journalName: "GenJrn", description: "Amazon settlement*" }), label).toEqual({
    posted: journals,
    failed: [],
  });
}

describe("a crash during a settlement import on the OData path", () => {
  const points: Point[] = [
    { method: "createHeader", when: "after", nth: 1 },
    { method: "createLines", when: "after", nth: 1 },
    { method: "createLines", when: "before", nth: 2 },
    { method: "createLines", when: "after", nth: 3 },
    { method: "setDescription", when: "after", nth: 1 },
    { method: "setDescription", when: "before", nth: 1 },
    { method: "listLines", when: "before", nth: 3 },
    { method: "getHeader", when: "after", nth: 1 },
  ];
  it.each(points)("leaves exactly one complete, balanced journal: killed $when $method #$nth", async (point) => {
    await expectExactlyOneCompleteJournal(await importWith(dying(d365LedgerJournals(d365.client), point), 0), point);
  });
});

describe("a crash during a settlement import on the DMF path", () => {
  const points: Point[] = [
    { method: "submit", dmf: true, when: "before", nth: 1 },
    { method: "submit", dmf: true, when: "after", nth: 1 },
    { method: "status", dmf: true, when: "after", nth: 1 },
    { method: "status", dmf: true, when: "after", nth: 3 },
    { method: "getHeader", when: "before", nth: 2 },
    { method: "setDescription", when: "after", nth: 1 },
  ];
  it.each(points)("imports one package and leaves one complete, balanced journal: killed $when $method #$nth", async (point) => {
    const outcome = await importWith(dying(d365LedgerJournals(d365.client), point), 5);
    await expectExactlyOneCompleteJournal(outcome, point);
    expect(d365.sim.dmfExecutions().filter((e) => e.id.startsWith(`AMZ-${SETTLEMENT}-`))).toHaveLength(1);
    expect(outcome.record!.dmf).toMatchObject({ phase: "finished", status: "Succeeded", attempt: 1 });
  });
});
