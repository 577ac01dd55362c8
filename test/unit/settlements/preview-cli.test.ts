import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSettlementPreview } from "../../../src/flows/settlements/preview-cli";

const fixtures = join(__dirname, "../../fixtures/settlements");
const mapping = join(__dirname, "../../../mappings/settlement-accounts.json");

async function preview(file: string, ...flags: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSettlementPreview([join(fixtures, file), "--mapping", mapping, ...flags], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("d365-amazon settlement preview", () => {
  it("prints the JSON document finance and scripts rely on, and exits 0 for a reconciled file", async () => {
    const { code, out } = await preview("uk-v2-24-columns.txt", "--json");
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({
      settlementId: "11111111111",
      currency: "GBP",
      startDate: "2024-09-13T08:59:52Z",
      endDate: "2024-09-27T08:59:52Z",
      depositDate: "2024-09-29T10:12:01Z",
      totalAmount: "41.85",
      sumOfAmounts: "41.85",
      rowCount: 20,
      reconciled: true,
      postable: true,
      unmapped: [],
      anomalies: [],
    });
    expect(doc.journal.lines[0]).toEqual(
      expect.objectContaining({
        account: expect.any(String),
        debit: expect.stringMatching(/^\d+\.\d{2}$/),
        credit: expect.stringMatching(/^\d+\.\d{2}$/),
        currency: "GBP",
        date: "2024-09-27",
        text: expect.any(String),
      }),
    );
    expect(doc.journal.totalDebit).toBe(doc.journal.totalCredit);
  });

  it("prints a readable table without --json", async () => {
    const { code, out } = await preview("de-v2-23-columns-cp1252.txt");
    expect(code).toBe(0);
    expect(out).toMatch(/Settlement 22222222222 {2}EUR/);
    expect(out).toMatch(/Carried forward to 2024-10/);
    expect(out).toMatch(/Totals: debit 2525\.74 {2}credit 2525\.74 {2}balanced/);
    expect(out).toMatch(/Postable: yes/);
  });

  it("lists unmapped combinations with a suggested rule but still exits 0 (read and reconciled)", async () => {
    const { code, out } = await preview("unmapped-combination.txt", "--json");
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.postable).toBe(false);
    expect(doc.unmapped).toEqual([
      expect.objectContaining({
        combination: "other-transaction / other-transaction / Brand New Programme Fee",
        total: "-9.99",
        rowCount: 1,
        suggestedRule: expect.objectContaining({ amountDescription: "Brand New Programme Fee" }),
      }),
    ]);
  });

  it("exits non-zero with the reason for files that do not reconcile or cannot be read", async () => {
    const cases: [string, RegExp][] = [
      ["malformed-not-balancing.txt", /add up to 41\.85 but total-amount is 41\.86/],
      ["malformed-truncated.txt", /line 13: has only 15 of 24 fields/],
      ["malformed-utf16.txt", /UTF-16/],
      ["v1-flat-file.txt", /retired V1/],
      ["settlement.xml", /XML settlement report/],
    ];
    for (const [file, reason] of cases) {
      const { code, err } = await preview(file);
      expect(code, file).toBe(1);
      expect(err, file).toMatch(reason);
    }
  });

  it("exits 2 with usage for a missing argument or file", async () => {
    expect(await runSettlementPreview([], { out: () => undefined, err: () => undefined })).toBe(2);
    expect((await preview("no-such-file.txt")).code).toBe(2);
  });
});
