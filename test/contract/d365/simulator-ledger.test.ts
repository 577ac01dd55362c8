/**
 * The simulator's ledger as settlement journals meet it: ledger periods that can be closed (a line dated in a
 * closed or on-hold period is refused, and so is posting it), the recurring "Post journals" batch job with its
 * query, an empty journal that is not posted, and a journal's description that can change until it is posted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { tokenFor, wire } from "./wire";

let sim: D365Simulator;
let d: ReturnType<typeof wire>;
beforeAll(async () => {
  sim = await startD365Simulator({ port: 0, seed: 3 });
});
afterAll(async () => sim.stop());
beforeEach(async () => {
  sim.reset();
  d = wire(sim, await tokenFor(sim));
});

async function journal(description: string, name = "GenJrn"): Promise<string> {
  const r = await d.post("LedgerJournalHeaders", { dataAreaId: "usmf", JournalName: name, Description: description });
  expect(r.status, r.message).toBe(201);
  return String(r.json.JournalBatchNumber);
}

const line = (jbn: string, n: number, account: string, side: "DebitAmount" | "CreditAmount", amount: number, date = "2026-01-31") => ({
  dataAreaId: "usmf",
  JournalBatchNumber: jbn,
  LineNumber: n,
  AccountDisplayValue: account,
  [side]: amount,
  CurrencyCode: "USD",
  TransDate: `${date}T12:00:00Z`,
  Voucher: `V-${date}`,
});

const control = (path: string, body: unknown) =>
  fetch(`${sim.url}/_control/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("ledger periods", () => {
  it("serves the demo calendar's periods and each ledger's status through FiscalPeriods and LedgerFiscalPeriodsV2", async () => {
    const periods = await d.get(
      "FiscalPeriods?$filter=Calendar eq 'Fiscal' and EndDate ge 2026-01-15T00:00:00Z and StartDate le 2026-02-15T00:00:00Z",
    );
    expect(periods.status, periods.message).toBe(200);
    expect(periods.json.value!.map((p) => [p.PeriodName, p.StartDate, p.EndDate])).toEqual([
      ["Period 1", "2026-01-01T12:00:00Z", "2026-01-31T12:00:00Z"],
      ["Period 2", "2026-02-01T12:00:00Z", "2026-02-28T12:00:00Z"],
    ]);
    const status = await d.get("LedgerFiscalPeriodsV2?$filter=LedgerName eq 'USMF' and YearName eq '2026' and PeriodName eq 'Period 1'");
    expect(status.json.value).toEqual([expect.objectContaining({ Calendar: "Fiscal", PeriodStatus: "Open" })]);
  });

  it("refuses a journal line dated in a closed period, and posting a journal with one; on hold is refused alike", async () => {
    const jbn = await journal("closing");
    expect((await d.post("LedgerJournalLines", line(jbn, 1, "401100", "CreditAmount", 10))).status).toBe(201);
    expect((await d.post("LedgerJournalLines", line(jbn, 2, "110180", "DebitAmount", 10))).status).toBe(201);
    expect((await control("periods", { period: "2026-01", status: "Closed", dataAreaId: "usmf" })).status).toBe(204);
    const refused = await d.post("LedgerJournalLines", line(jbn, 3, "605100", "DebitAmount", 1));
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(/The accounting date 2026-01-31 is in period Period 1 2026, which is closed for ledger USMF/);
    expect(sim.runPostingJob({ journalName: "GenJrn" }).failed).toEqual([
      { journalBatchNumber: jbn, error: expect.stringMatching(/is closed for ledger USMF/) },
    ]);
    sim.setPeriodStatus("2026-01", "OnHold");
    expect((await d.post("LedgerJournalLines", line(jbn, 3, "605100", "DebitAmount", 1))).message).toMatch(/which is on hold/);
    sim.setPeriodStatus("2026-01", "Open");
    expect(sim.runPostingJob({ journalName: "GenJrn" })).toEqual({ posted: [jbn], failed: [] });
    // Another legal entity's ledger is not affected.
    sim.setPeriodStatus("2026-01", "Closed", "demf");
    const other = await journal("usmf still open");
    expect((await d.post("LedgerJournalLines", line(other, 1, "401100", "CreditAmount", 10))).status).toBe(201);
  });
});

describe("the recurring Post journals batch job", () => {
  it("posts only the unposted journals its query selects (journal name, description with wildcards), balanced ones only", async () => {
    const held = await journal("HOLD Amazon settlement 1 USD (importing)");
    const released = await journal("Amazon settlement 2 USD");
    const unbalanced = await journal("Amazon settlement 3 USD");
    const empty = await journal("Amazon settlement 4 USD");
    for (const jbn of [held, released]) {
      await d.post("LedgerJournalLines", line(jbn, 1, "401100", "CreditAmount", 10));
      await d.post("LedgerJournalLines", line(jbn, 2, "110180", "DebitAmount", 10));
    }
    await d.post("LedgerJournalLines", line(unbalanced, 1, "401100", "CreditAmount", 10));
    const res = await control("journals/posting-job", { JournalName: "GenJrn", Description: "Amazon settlement*", dataAreaId: "usmf" });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { posted: string[]; failed: { journalBatchNumber: string; error: string }[] };
    expect(result.posted).toEqual([released]);
    expect(result.failed).toEqual([
      { journalBatchNumber: unbalanced, error: expect.stringMatching(/do not balance/) },
      { journalBatchNumber: empty, error: expect.stringMatching(/has no lines to post/) },
    ]);
    const headers = sim.rows("LedgerJournalHeaders", "usmf");
    expect(headers.find((h) => h.JournalBatchNumber === held)!.IsPosted).toBe("No");
  });

  it("lets a journal's description change until it is posted, then refuses the change", async () => {
    const jbn = await journal("HOLD Amazon settlement 5 USD (importing)");
    await d.post("LedgerJournalLines", line(jbn, 1, "401100", "CreditAmount", 10));
    await d.post("LedgerJournalLines", line(jbn, 2, "110180", "DebitAmount", 10));
    const key = `LedgerJournalHeaders(dataAreaId='usmf',JournalBatchNumber='${jbn}')`;
    expect((await d.patch(key, { Description: "Amazon settlement 5 USD" })).status).toBe(204);
    expect(sim.runPostingJob({ description: "Amazon settlement*" }).posted).toEqual([jbn]);
    const refused = await d.patch(key, { Description: "changed" });
    expect(refused.message).toMatch(/has already been posted and cannot be changed/);
  });
});
