/**
 * The journal steps of a settlement import with in-memory D365 journals: the journal is created on hold and
 * released only after a line-by-line verification; lines are found by key, never by position; a journal D365
 * posted early, or a second journal, is a conflict for a person; the journal name and the ledger periods are
 * checked before anything is written; a large journal is one DMF execution whatever happens to the worker.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  dmfExecutionId,
  forgetJournalNameChecks,
  refreshPostedStatus,
  registerSettlementRun,
  resolveConflict,
  storeSettlementFile,
  type StoredSettlementFile,
} from "../../../src/flows/settlements/import-steps";
import { heldDescription } from "../../../src/flows/settlements/journal";
import type { SettlementDeps } from "../../../src/flows/settlements/ports";
import { getSettlementRecord, updateSettlementRecord } from "../../../src/flows/settlements/settlement-records";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { ManualClock } from "../../../src/platform/clock";
import { ValidationError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { Dec } from "../../../src/platform/money";
import { FakeDmf, FakeLedgerJournals, MemoryBlobStore, recordingTelemetry } from "../../fixtures/settlements/fakes";
import { runOrchestration, type RunOptions } from "../../fixtures/settlements/run-orchestration";

const fixtures = join(__dirname, "../../fixtures/settlements");
const shipped = SettlementAccounts.load(join(__dirname, "../../../mappings"));
const UK = "11111111111"; // 15 lines, GBP
const DE = "22222222222"; // 12 lines, September and October 2024

let journals: FakeLedgerJournals;
let deps: SettlementDeps & { log: ReturnType<typeof recordingTelemetry> };
let accounts: SettlementAccounts;

beforeEach(() => {
  forgetJournalNameChecks();
  journals = new FakeLedgerJournals();
  accounts = shipped;
  deps = {
    state: new MemoryStateStore(),
    blobs: new MemoryBlobStore(),
    journals,
    accounts: () => accounts,
    clock: new ManualClock("2024-10-15T08:00:00Z"),
    log: recordingTelemetry(),
    defaultCompany: "usmf",
  };
});

async function stored(name: string): Promise<StoredSettlementFile> {
  const file = await storeSettlementFile(readFileSync(join(fixtures, name)), deps);
  await registerSettlementRun(file, deps);
  return file;
}

async function run(name: string, options: RunOptions & { linesPerActivity?: number } = {}) {
  const file = await stored(name);
  return runOrchestration({ settlementId: file.settlementId, blobName: file.blobName, sha256: file.sha256, ...options }, deps, options);
}

const record = (id: string) => getSettlementRecord(deps.state, id);
const linesOf = (jbn: string) => journals.lines.get(jbn) ?? [];
const sum = (xs: string[]) => xs.reduce((a, b) => a.plus(new Dec(b)), new Dec(0));

describe("a settlement journal on hold until it is verified", () => {
  it("is created on hold, filled, verified line by line, then released to the posting job and recorded as created", async () => {
    const descriptions: string[] = [];
    const out = await run("uk-v2-24-columns.txt", {
      linesPerActivity: 5,
      before: (activity) => {
        const h = journals.headers[0];
        if (h && activity === "settlementCreateLines") descriptions.push(h.description!);
      },
    });
    expect(out).toMatchObject({ status: "created", journalBatchNumber: "00500", lineCount: 15 });
    expect(descriptions).toEqual([heldDescription(UK, "GBP"), heldDescription(UK, "GBP"), heldDescription(UK, "GBP")]);
    expect(journals.headers).toMatchObject([{ journalBatchNumber: "00500", description: `Amazon settlement ${UK} GBP`, isPosted: false }]);
    expect(await record(UK)).toMatchObject({
      status: "created",
      journalBatchNumber: "00500",
      company: "usmf",
      totalDebit: "131.49",
      totalCredit: "131.49",
      linesCreated: 15,
    });
    expect(deps.log.events.map((e) => e.name)).toContain("settlement.created");
  });

  it("records the journal batch number as soon as D365 gives it, and finds the journal by it after a user renamed it", async () => {
    await run("uk-v2-24-columns.txt");
    const h = journals.headers[0]!;
    h.description = "Amazon UK payout (checked by Anna)";
    await updateSettlementRecord(deps.state, UK, (c) => ({ ...c!, status: "running" }));
    const again = await run("uk-v2-24-columns.txt");
    expect(again.status).toBe("created");
    expect(journals.headers).toHaveLength(1);
    expect(linesOf("00500")).toHaveLength(15);
  });

  it("finds its journal by the settlement id in the lines' Document when neither the number nor the description are known", async () => {
    await run("uk-v2-24-columns.txt");
    journals.headers[0]!.description = "renamed by a user";
    await updateSettlementRecord(deps.state, UK, (c) => ({ ...c!, status: "running", journalBatchNumber: undefined }));
    expect((await run("uk-v2-24-columns.txt")).status).toBe("created");
    expect(journals.headers).toHaveLength(1);
  });
});

describe("journal lines keyed by account, dimensions, date and text", () => {
  it("replaces lines of an earlier mapping instead of mixing them in, and verifies line by line", async () => {
    // A first run created 6 lines, then failed; the admin changed the mapping (fees to another account).
    const failing = Object.assign(Object.create(journals) as FakeLedgerJournals, {
      createLines: async (company: string, jbn: string, lines: Parameters<FakeLedgerJournals["createLines"]>[2]) => {
        if (linesOf(jbn).length >= 6) throw new Error("D365 is unavailable (503)");
        return journals.createLines(company, jbn, lines);
      },
    });
    deps.journals = failing;
    await expect(run("uk-v2-24-columns.txt", { linesPerActivity: 6, maxAttempts: 1 })).rejects.toThrow(/503/);
    expect(linesOf("00500")).toHaveLength(6);
    const oldKeys = linesOf("00500").map((l) => l.key);

    accounts = SettlementAccounts.parse({
      ...shipped.file,
      rules: shipped.file.rules.map((r) => (r.account === "605100" ? { ...r, account: "605900" } : r)),
    });
    deps.journals = journals;
    await updateSettlementRecord(deps.state, UK, (c) => ({ ...c!, status: "pending" }));
    const out = await run("uk-v2-24-columns.txt", { linesPerActivity: 6 });
    expect(out.status).toBe("created");
    const lines = linesOf("00500");
    expect(lines.some((l) => l.accountDisplayValue === "605100")).toBe(false);
    expect(lines.some((l) => l.accountDisplayValue === "605900")).toBe(true);
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
    expect(sum(lines.map((l) => l.debit)).eq(sum(lines.map((l) => l.credit)))).toBe(true);
    expect(oldKeys.filter((k) => k.includes("|605100|")).every((k) => !lines.some((l) => l.key === k))).toBe(true);
  });

  it("fails verification naming the line when a line in D365 differs from the settlement's", async () => {
    const file = await stored("uk-v2-24-columns.txt");
    const tampering = Object.assign(Object.create(journals) as FakeLedgerJournals, {
      createLines: async (company: string, jbn: string, lines: Parameters<FakeLedgerJournals["createLines"]>[2]) => {
        const r = await journals.createLines(company, jbn, lines);
        const deposit = linesOf(jbn).find((l) => l.kind === "deposit");
        if (deposit) deposit.debit = "41.80";
        return r;
      },
    });
    deps.journals = tampering;
    const out = await runOrchestration({ settlementId: file.settlementId, blobName: file.blobName, sha256: file.sha256 }, deps);
    expect(out.status).toBe("failed");
    const r = (await record(UK))!;
    expect(r.reasons.join("\n")).toMatch(
      /line \d+ \(110180 "Amazon deposit 11111111111 2024-09-29"\) has 41\.80\/0\.00 GBP, expected 41\.85\/0\.00 GBP/,
    );
    expect(journals.headers[0]!.description).toBe(heldDescription(UK, "GBP"));
  });
});

describe("a journal D365 posts before the app verified it", () => {
  it("is a conflict for a person when it lacks lines: never filled further, never half-booked silently", async () => {
    const out = await run("uk-v2-24-columns.txt", {
      linesPerActivity: 5,
      before: (activity, input) => {
        // The recurring posting job runs between the first and the second line batch.
        if (activity === "settlementCreateLines" && (input as { from: number }).from === 5) journals.post("00500");
      },
    });
    expect(out.status).toBe("conflict");
    expect(linesOf("00500")).toHaveLength(5);
    const r = (await record(UK))!;
    expect(r.conflict).toMatchObject({ kind: "posted-before-verified", journals: ["00500"] });
    expect(r.conflict!.detail).toMatch(/posted in D365 before the app had verified it: it has 5 of the 15 lines/);
    expect(r.conflict!.suggestion).toMatch(/resolve/);
    expect(deps.log.events.find((e) => e.name === "settlement.conflict")?.level).toBe("error");

    // A second import changes nothing: the posted journal is never the journal to fill.
    await updateSettlementRecord(deps.state, UK, (c) => ({ ...c!, status: "pending" }));
    expect((await run("uk-v2-24-columns.txt")).status).toBe("conflict");
    expect(linesOf("00500")).toHaveLength(5);
  });

  it("after the person reversed it, new-journal creates the whole journal again; accept keeps the one in D365", async () => {
    await run("uk-v2-24-columns.txt", {
      linesPerActivity: 5,
      before: (activity, input) => {
        if (activity === "settlementCreateLines" && (input as { from: number }).from === 5) journals.post("00500");
      },
    });
    await resolveConflict(UK, "new-journal", { resolvedBy: "finance@example.test" }, deps);
    const again = await run("uk-v2-24-columns.txt");
    expect(again).toMatchObject({ status: "created", journalBatchNumber: "00501" });
    expect(linesOf("00501")).toHaveLength(15);
    expect((await record(UK))!.supersededJournals).toEqual(["00500"]);
    await expect(resolveConflict(UK, "accept", {}, deps)).rejects.toThrow(/not in conflict/);
  });

  it("is recorded as posted when it is complete (the posting job ran after the last line, before the release)", async () => {
    const out = await run("uk-v2-24-columns.txt", {
      before: (activity) => {
        if (activity === "settlementVerify") journals.post("00500");
      },
    });
    expect(out.status).toBe("posted");
    expect((await record(UK))!.reasons.join(" ")).toMatch(/posted the journal before the app released it; it is complete/);
  });
});

describe("more than one journal carrying the settlement", () => {
  it("fails verification with an alert and a conflict naming both", async () => {
    const out = await run("uk-v2-24-columns.txt", {
      before: async (activity) => {
        if (activity === "settlementVerify" && journals.headers.length === 1) {
          // A copy, e.g. from an import that ran twice.
          const copy = await journals.createHeader("usmf", { journalName: "GenJrn", description: heldDescription(UK, "GBP") });
          journals.lines
            .get(copy.journalBatchNumber)!
            .push(...linesOf("00500").map((l) => ({ ...l, journalBatchNumber: copy.journalBatchNumber })));
        }
      },
    });
    expect(out.status).toBe("conflict");
    expect((await record(UK))!.conflict).toMatchObject({ kind: "duplicate-journals", journals: ["00500", "00501"] });
    expect(deps.log.events.find((e) => e.name === "settlement.duplicateJournal")).toMatchObject({
      level: "error",
      properties: { alert: true },
    });
    expect(journals.headers.every((h) => h.description === heldDescription(UK, "GBP"))).toBe(true);
  });
});

describe("the journal name's set-up, checked before anything is written", () => {
  it.each([
    [{ exists: false }, /journal name GenJrn in usmf .* does not exist/],
    [
      { allocationAtPosting: false, newVoucher: "BalanceSheet" },
      /allocates vouchers when lines are entered .* "Number allocation at posting" = Yes/,
    ],
    [{ offsetAccount: "110110" }, /has the offset account 110110: clear it/],
    [{ amountsIncludeSalesTax: true }, /"Amounts include sales tax" = Yes: set it to No/],
    [{ type: "Vendor disbursement" }, /settlement journals need a Daily journal name/],
  ])("stops as needs-attention when the journal name is %o", async (setup, message) => {
    journals.setup = { ...journals.setup, name: "GenJrn", ...setup };
    const out = await run("uk-v2-24-columns.txt");
    expect(out.status).toBe("needs-attention");
    expect((await record(UK))!.reasons.join("\n")).toMatch(message);
    expect(journals.headers).toHaveLength(0);
  });

  it("accepts manual vouchers (the app's labels are then the voucher numbers)", async () => {
    journals.setup = { name: "GenJrn", exists: true, type: "Daily", allocationAtPosting: false, newVoucher: "Manually" };
    expect((await run("uk-v2-24-columns.txt")).status).toBe("created");
  });
});

describe("a voucher dated in a closed ledger period", () => {
  const periods = (september: "Open" | "OnHold" | "Closed") => [
    { name: "Period 9 2024", start: "2024-09-01", end: "2024-09-30", status: september },
    { name: "Period 10 2024", start: "2024-10-01", end: "2024-10-31", status: "Open" as const },
  ];

  it("stops the import as needs-attention before anything is written, saying which period and what to do", async () => {
    journals.periods = periods("Closed");
    const out = await run("de-v2-23-columns-cp1252.txt");
    expect(out.status).toBe("needs-attention");
    expect((await record(DE))!.reasons.join("\n")).toMatch(
      /The September 2024 voucher is dated 2024-09-30, but ledger period Period 9 2024 \(2024-09-01 to 2024-09-30\) is closed in usmf: D365 cannot post it\. Open the period .* SETTLEMENT_CLOSED_PERIOD=next-open-period/,
    );
    expect(journals.headers).toHaveLength(0);
  });

  it("with next-open-period dates it on the first day of the next open period, the original date in each line's text", async () => {
    journals.periods = periods("OnHold");
    deps.closedPeriod = "next-open-period";
    const out = await run("de-v2-23-columns-cp1252.txt");
    expect(out.status).toBe("created");
    const lines = linesOf(out.journalBatchNumber!);
    const september = lines.filter((l) => l.voucher === 1);
    expect(new Set(september.map((l) => l.date))).toEqual(new Set(["2024-10-01"]));
    expect(september.every((l) => l.text.endsWith("(for 2024-09-30)"))).toBe(true);
    expect(sum(september.map((l) => l.debit)).eq(sum(september.map((l) => l.credit)))).toBe(true);
    expect((await record(DE))!.reasons.join("\n")).toMatch(/the September 2024 voucher \(2024-09-30\) is dated 2024-10-01/);
  });

  it("stops, never loops, when D365 itself refuses a line in a closed period", async () => {
    deps.journals = Object.assign(Object.create(journals) as FakeLedgerJournals, {
      createLines: async () => {
        throw new ValidationError(
          "d365.write",
          "Error: The accounting date 2024-09-30 is in period Period 9 2024, which is closed for ledger USMF.",
        );
      },
    });
    let calls = 0;
    const out = await run("de-v2-23-columns-cp1252.txt", { before: (a) => void (a === "settlementCreateLines" && calls++) });
    expect(out.status).toBe("needs-attention");
    expect(calls).toBe(1);
    expect((await record(DE))!.reasons.join("\n")).toMatch(/D365 refused a line in a closed ledger period/);
  });
});

describe("a large journal through DMF, exactly once", () => {
  beforeEach(() => {
    accounts = SettlementAccounts.parse({ ...shipped.file, journal: { ...shipped.file.journal, dmfFromLines: 5 } });
  });

  it("records a deterministic execution id before ImportFromPackage, and polls it through 'not found' until it ends", async () => {
    const dmf = new FakeDmf(journals);
    journals.dmf = dmf;
    const seen: unknown[] = [];
    dmf.onSubmit = async (executionId) => void seen.push([executionId, (await record(UK))!.dmf]);
    const file = await stored("uk-v2-24-columns.txt");
    const out = await runOrchestration({ settlementId: UK, blobName: file.blobName, sha256: file.sha256 }, deps);
    expect(out.status).toBe("created");
    const id = dmfExecutionId(UK, "GBP", file.sha256, 1);
    expect(seen).toEqual([[id, expect.objectContaining({ executionId: id, phase: "prepared", attempt: 1 })]]);
    expect(dmf.executions.get(id)!.polls).toBe(3);
    expect(journals.headers).toHaveLength(1);
    expect(linesOf(out.journalBatchNumber!)).toHaveLength(15);
  });

  it("imports once when the worker dies during ImportFromPackage (the retry calls again with the same id)", async () => {
    const dmf = new FakeDmf(journals);
    journals.dmf = dmf;
    dmf.loseNextAnswer = true;
    const out = await run("uk-v2-24-columns.txt");
    expect(out.status).toBe("created");
    expect(dmf.submitCalls).toBe(2);
    expect(dmf.executions.size).toBe(1);
    expect(journals.headers).toHaveLength(1);
    expect(linesOf(out.journalBatchNumber!)).toHaveLength(15);
  });

  it("imports once when the worker dies after the call or while it waits: a re-import polls the recorded execution", async () => {
    const dmf = new FakeDmf(journals);
    journals.dmf = dmf;
    let polls = 0;
    await expect(
      run("uk-v2-24-columns.txt", {
        maxAttempts: 1,
        before: (activity) => {
          if (activity === "settlementDmfPoll" && ++polls === 2) throw new Error("worker killed while waiting for the execution");
        },
      }),
    ).rejects.toThrow(/killed/);
    expect((await record(UK))!.dmf).toMatchObject({ phase: "submitted" });
    await updateSettlementRecord(deps.state, UK, (c) => ({ ...c!, status: "pending" }));
    expect((await run("uk-v2-24-columns.txt")).status).toBe("created");
    expect(dmf.submitCalls).toBe(1);
    expect(journals.headers).toHaveLength(1);
  });

  it("stops as failed with D365's errors when the execution ends without a journal; a re-import makes the next attempt", async () => {
    const dmf = new FakeDmf(journals);
    journals.dmf = dmf;
    dmf.failNext = "Row 3: main account 605100 does not exist.";
    const first = await run("uk-v2-24-columns.txt");
    expect(first.status).toBe("failed");
    expect((await record(UK))!.reasons.join("\n")).toMatch(/ended Failed without a journal: Row 3: main account 605100 does not exist/);
    await updateSettlementRecord(deps.state, UK, (c) => ({ ...c!, status: "pending" }));
    expect((await run("uk-v2-24-columns.txt")).status).toBe("created");
    expect([...dmf.executions.keys()].map((k) => k.slice(-2))).toEqual(["-1", "-2"]);
    expect(journals.headers).toHaveLength(1);
  });

  it("never uses a JOURNALBATCHNUMBER placeholder that is an existing journal's number", async () => {
    const dmf = new FakeDmf(journals);
    journals.dmf = dmf;
    const file = await stored("uk-v2-24-columns.txt");
    const first = `AMZ${file.sha256.slice(0, 7).toUpperCase()}`;
    journals.headers.push({
      journalBatchNumber: first,
      description: "someone's journal",
      isPosted: false,
      journalName: "GenJrn",
      company: "usmf",
    });
    journals.lines.set(first, []);
    const out = await runOrchestration({ settlementId: UK, blobName: file.blobName, sha256: file.sha256 }, deps);
    expect(out.status).toBe("created");
    expect(linesOf(first)).toHaveLength(0);
    expect((await record(UK))!.dmf!.placeholder).toBe(`AMZ${file.sha256.slice(7, 14).toUpperCase()}`);
  });
});

describe("after the import", () => {
  it("reads IsPosted back: a created journal D365 has posted becomes posted", async () => {
    await run("uk-v2-24-columns.txt");
    const records = [(await record(UK))!];
    expect(await refreshPostedStatus(deps, records)).toEqual([]);
    journals.post("00500");
    expect(await refreshPostedStatus(deps, records)).toEqual([UK]);
    expect(await record(UK)).toMatchObject({ status: "posted", postedAt: expect.any(String) });
  });

  it("reads a record written before 'created' existed (status posted, no postedAt) as created", async () => {
    await deps.state.insert("settlements", {
      partitionKey: "settlement",
      rowKey: "123",
      settlementId: "123",
      status: "posted",
      instanceId: "settlement-123",
      anomalies: "[]",
      unmapped: "[]",
      reasons: "[]",
      createdAt: "2024-01-01T00:00:00Z",
      updatedAt: "2024-01-01T00:00:00Z",
    });
    expect((await record("123"))!.status).toBe("created");
  });

  it("creates the journal in the legal entity the mapping names for the settlement", async () => {
    accounts = SettlementAccounts.parse({ ...shipped.file, legalEntities: [{ currency: "GBP", dataAreaId: "GBSI" }] });
    const out = await run("uk-v2-24-columns.txt");
    expect(out.status).toBe("created");
    expect(journals.headers[0]).toMatchObject({ company: "gbsi" });
    expect((await record(UK))!.company).toBe("gbsi");
  });
});
