/**
 * The settlement journal against the D365 simulator through the real connector (OData, $batch, DMF): the
 * recurring posting job running between line batches, closed ledger periods, the journal name's set-up, the
 * DMF placeholder, the legal entity per settlement, and a second journal of the same settlement.
 */
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  forgetJournalNameChecks,
  refreshPostedStatus,
  registerSettlementRun,
  storeSettlementFile,
  verifyStep,
} from "../../../src/flows/settlements/import-steps";
import type { SettlementDeps } from "../../../src/flows/settlements/ports";
import { getSettlementRecord } from "../../../src/flows/settlements/settlement-records";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { Dec } from "../../../src/platform/money";
import { d365LedgerJournals } from "../../../src/wiring/adapters/ledger-journals";
import { anOrder, type FileSpec, settlementFile } from "../../fixtures/settlements/builder";
import { MemoryBlobStore, recordingTelemetry } from "../../fixtures/settlements/fakes";
import { type RunOptions, runOrchestration } from "../../fixtures/settlements/run-orchestration";
import { type Harness, startHarness } from "../d365/harness";

const shipped = SettlementAccounts.load(join(__dirname, "../../../mappings"));
let d365: Harness;
let deps: SettlementDeps & { log: ReturnType<typeof recordingTelemetry> };
let accounts: SettlementAccounts;

/** A US settlement over the January month end: voucher 1 (January) has 4 lines, voucher 2 (February) 5. */
const spec = (over: Partial<FileSpec> = {}): FileSpec => ({
  settlementId: "7200",
  start: "2026-01-25T08:00:00Z",
  end: "2026-02-08T08:00:00Z",
  deposit: "2026-02-10T08:00:00Z",
  currency: "USD",
  rows: [
    ...anOrder("111-1", "2026-01-27T18:00:00Z", { principal: "100.00", commission: "-15.00", fbaFee: "-5.00", marketplace: "Amazon.com" }),
    ...anOrder("111-2", "2026-02-03T18:00:00Z", { principal: "50.00", commission: "-7.50", fbaFee: "-3.00", marketplace: "Amazon.com" }),
  ],
  ...over,
});

beforeAll(async () => {
  d365 = await startHarness();
});

afterAll(async () => {
  await d365?.sim.stop();
});

beforeEach(() => {
  d365.sim.reset();
  forgetJournalNameChecks();
  accounts = shipped;
  deps = {
    state: new MemoryStateStore(),
    blobs: new MemoryBlobStore(),
    journals: d365LedgerJournals(d365.client),
    accounts: () => accounts,
    clock: new ManualClock("2026-02-12T08:00:00Z"),
    log: recordingTelemetry(),
    defaultCompany: "usmf",
  };
});

async function run(s: FileSpec, options: RunOptions & { linesPerActivity?: number; journalName?: string } = {}) {
  const file = await storeSettlementFile(Buffer.from(settlementFile(s)), deps);
  await registerSettlementRun(file, deps);
  return runOrchestration({ settlementId: file.settlementId, blobName: file.blobName, sha256: file.sha256, ...options }, deps, options);
}

const headers = (company = "usmf") => d365.sim.rows("LedgerJournalHeaders", company);
const linesOf = (jbn: string, company = "usmf") => d365.sim.rows("LedgerJournalLines", company).filter((l) => l.JournalBatchNumber === jbn);
const sum = (xs: unknown[]) => xs.reduce<Dec>((a, b) => a.plus(new Dec(String(b ?? 0))), new Dec(0));
/** The recurring "Post journals" batch job as docs/settlements.md sets it up. */
const postingJob = () => d365.sim.runPostingJob({ journalName: "GenJrn", description: "Amazon settlement*" });

describe("the recurring posting job running between line batches", () => {
  it("never selects a journal on hold: the journal is posted only after the app verified and released it", async () => {
    const ran: { posted: string[]; failed: unknown[] }[] = [];
    const out = await run(spec(), {
      linesPerActivity: 2,
      before: (activity) => {
        if (activity === "settlementCreateLines" || activity === "settlementVerify") ran.push(postingJob());
      },
    });
    expect(out.status).toBe("created");
    expect(ran.length).toBe(6);
    expect(ran.every((r) => r.posted.length === 0 && r.failed.length === 0)).toBe(true);
    const jbn = out.journalBatchNumber!;
    expect(headers().find((h) => h.JournalBatchNumber === jbn)).toMatchObject({
      Description: "Amazon settlement 7200 USD",
      IsPosted: "No",
    });

    // The next run of the posting job posts it: each month's voucher balances and gets a number of the series.
    expect(postingJob()).toEqual({ posted: [jbn], failed: [] });
    const lines = linesOf(jbn);
    expect(new Set(lines.map((l) => String(l.Voucher)))).toEqual(new Set(["GNJL000001", "GNJL000002"]));
    expect(sum(lines.map((l) => l.DebitAmount)).eq(sum(lines.map((l) => l.CreditAmount)))).toBe(true);
    const records = [(await getSettlementRecord(deps.state, "7200"))!];
    expect(await refreshPostedStatus(deps, records)).toEqual(["7200"]);
    expect((await getSettlementRecord(deps.state, "7200"))!.status).toBe("posted");
  });

  it("ends as a clear conflict when a job that selects every journal posts part of it, and adds nothing to it afterwards", async () => {
    const everything = () => d365.sim.runPostingJob({ journalName: "GenJrn" });
    const ran: string[][] = [];
    // 4 lines per batch: after the first batch the January voucher is complete and balances on its own.
    const out = await run(spec(), {
      linesPerActivity: 4,
      before: (activity) => {
        if (activity === "settlementCreateLines") ran.push(everything().posted);
      },
    });
    expect(out.status).toBe("conflict");
    const jbn = out.journalBatchNumber!;
    expect(ran).toEqual([[], [jbn]]);
    expect(linesOf(jbn)).toHaveLength(4);
    const r = (await getSettlementRecord(deps.state, "7200"))!;
    expect(r.conflict).toMatchObject({ kind: "posted-before-verified", journals: [jbn] });
    expect(r.conflict!.detail).toMatch(/it has 4 of the 9 lines/);
    expect(deps.log.events.some((e) => e.name === "settlement.conflict" && e.level === "error")).toBe(true);
  });

  it("ends correct when such a job meets a voucher that does not balance yet: D365 refuses to post it and the import completes", async () => {
    const everything = () => d365.sim.runPostingJob({ journalName: "GenJrn" });
    const failures: unknown[] = [];
    const out = await run(spec(), {
      linesPerActivity: 3,
      before: (activity) => {
        if (activity === "settlementCreateLines") failures.push(...everything().failed);
      },
    });
    expect(out.status).toBe("created");
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(failures)).toMatch(/do not balance/);
    expect(linesOf(out.journalBatchNumber!)).toHaveLength(9);
  });
});

describe("closed ledger periods at month end", () => {
  it("stops as needs-attention before writing when January is closed, and dates it in February when configured", async () => {
    d365.sim.setPeriodStatus("2026-01", "Closed");
    const stopped = await run(spec());
    expect(stopped.status).toBe("needs-attention");
    expect((await getSettlementRecord(deps.state, "7200"))!.reasons.join("\n")).toMatch(
      /The January 2026 voucher is dated 2026-01-31, but ledger period Period 1 2026 \(2026-01-01 to 2026-01-31\) is closed in usmf/,
    );
    expect(headers()).toHaveLength(0);

    deps.closedPeriod = "next-open-period";
    const moved = await run(spec());
    expect(moved.status).toBe("created");
    const lines = linesOf(moved.journalBatchNumber!);
    expect(lines.filter((l) => String(l.Text).endsWith("(for 2026-01-31)")).map((l) => String(l.TransDate).slice(0, 10))).toEqual([
      "2026-02-01",
      "2026-02-01",
      "2026-02-01",
      "2026-02-01",
    ]);
    expect(postingJob().posted).toEqual([moved.journalBatchNumber]);
  });

  it("treats a period on hold like a closed one", async () => {
    d365.sim.setPeriodStatus("2026-01", "OnHold");
    expect((await run(spec())).status).toBe("needs-attention");
    expect((await getSettlementRecord(deps.state, "7200"))!.reasons.join("\n")).toMatch(/is on hold in usmf/);
  });
});

describe("the journal name's set-up, read from JournalNames", () => {
  it.each([
    ["GenJrnOne", /allocates vouchers when lines are entered \(New voucher = OneVoucher\)/],
    ["NoSuchName", /journal name NoSuchName in usmf .* does not exist/],
  ])("stops as needs-attention with %s", async (journalName, message) => {
    expect((await run(spec(), { journalName })).status).toBe("needs-attention");
    expect((await getSettlementRecord(deps.state, "7200"))!.reasons.join("\n")).toMatch(message);
    expect(headers()).toHaveLength(0);
  });

  it("creates the journal with a manual-voucher journal name: the app's labels are the voucher numbers", async () => {
    const out = await run(spec(), { journalName: "GenJrnMan" });
    expect(out.status).toBe("created");
    expect(new Set(linesOf(out.journalBatchNumber!).map((l) => l.Voucher))).toEqual(new Set(["AMZ-7200-1", "AMZ-7200-2"]));
  });
});

describe("a large journal as one DMF package", () => {
  beforeEach(() => {
    accounts = SettlementAccounts.parse({ ...shipped.file, journal: { ...shipped.file.journal, dmfFromLines: 5 } });
  });

  it("imports into a new journal on hold, never into an unposted journal whose number equals the placeholder", async () => {
    const file = await storeSettlementFile(Buffer.from(settlementFile(spec())), deps);
    const placeholder = `AMZ${file.sha256.slice(0, 7).toUpperCase()}`;
    d365.sim.seedRows("LedgerJournalHeaders", [
      { dataAreaId: "usmf", JournalBatchNumber: placeholder, JournalName: "GenJrn", Description: "someone's journal", IsPosted: "No" },
    ]);
    const out = await run(spec());
    expect(out.status).toBe("created");
    expect(linesOf(placeholder)).toHaveLength(0);
    expect(linesOf(out.journalBatchNumber!)).toHaveLength(9);
    expect(d365.sim.dmfExecutions().map((e) => e.id)).toEqual([`AMZ-7200-USD-${file.sha256.slice(0, 12)}-1`]);
    expect(postingJob().posted).toEqual([out.journalBatchNumber]);
  });
});

describe("the legal entity of a settlement", () => {
  it("creates a EUR settlement's journal in the entity the mapping names (demf), checking its journal name and periods there", async () => {
    accounts = SettlementAccounts.parse({ ...shipped.file, legalEntities: [{ currency: "EUR", dataAreaId: "demf" }] });
    const eur = spec({
      settlementId: "7300",
      currency: "EUR",
      rows: anOrder("302-1", "2026-02-03T10:00:00Z", {
        principal: "40.00",
        commission: "-6.00",
        fbaFee: "-2.00",
        marketplace: "Amazon.de",
      }),
    });
    const out = await run(eur);
    expect(out.status).toBe("created");
    expect(headers("demf").map((h) => h.JournalBatchNumber)).toEqual([out.journalBatchNumber]);
    expect(headers("usmf")).toHaveLength(0);
    expect((await getSettlementRecord(deps.state, "7300"))!.company).toBe("demf");
  });
});

describe("a second journal carrying the settlement", () => {
  it("turns the verification into a conflict with an alert", async () => {
    const out = await run(spec());
    const copy = await d365.client.ledgerJournals.createHeader({ JournalName: "GenJrn", Description: "copy" });
    await d365.client.ledgerJournals.createLines(copy.JournalBatchNumber, [
      {
        LineNumber: 1,
        AccountDisplayValue: "401100",
        CreditAmount: "1.00",
        CurrencyCode: "USD",
        TransDate: "2026-02-08",
        Document: "7200",
      },
    ]);
    const r = await verifyStep({ settlementId: "7200", journalBatchNumber: out.journalBatchNumber! }, deps);
    expect(r.status).toBe("conflict");
    expect(r.conflict).toMatchObject({ kind: "duplicate-journals", journals: [out.journalBatchNumber, copy.JournalBatchNumber] });
    expect(deps.log.events.find((e) => e.name === "settlement.duplicateJournal")).toMatchObject({ level: "error" });
  });
});
