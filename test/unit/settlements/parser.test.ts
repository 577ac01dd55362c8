import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { AmountFormat, parseDate } from "../../../src/flows/settlements/formats";
import { bytesSource, fileSource, parseSettlement, readSettlementSummary, type SettlementRow } from "../../../src/flows/settlements/parser";
import type { Dec } from "../../../src/platform/money";
import { anOrder, formatAmount, reserveRows, settlementFile, type FileSpec } from "../../fixtures/settlements/builder";
import { fixtureFiles } from "../../fixtures/settlements/write-fixtures";

const dir = join(__dirname, "../../fixtures/settlements");

async function read(source: Parameters<typeof parseSettlement>[0]) {
  const rows: SettlementRow[] = [];
  const outcome = await parseSettlement(source, (r) => rows.push(r));
  return { outcome, rows };
}

const base: FileSpec = {
  settlementId: "1000",
  start: "2024-09-13T08:59:52Z",
  end: "2024-09-27T08:59:52Z",
  deposit: "2024-09-29T08:59:52Z",
  currency: "GBP",
  rows: [...anOrder("026-1", "2024-09-14T10:00:00Z"), ...reserveRows("2024-09-13T08:59:52Z", "2024-09-27T08:59:52Z", "10.00", "-12.00")],
};

describe("the settlement flat-file parser", () => {
  it("reads a 24-column UK file with EU dates, carrying the currency of the summary row to every row", async () => {
    const { outcome, rows } = await read(fileSource(join(dir, "uk-v2-24-columns.txt")));
    expect(outcome.ok).toBe(true);
    expect(outcome.format).toMatchObject({
      variant: "v2-24",
      columns: 24,
      encoding: "utf-8",
      decimalSeparator: ".",
      dateStyles: ["dmy-dots"],
    });
    expect(outcome.summary).toMatchObject({
      settlementId: "11111111111",
      currency: "GBP",
      startDate: "2024-09-13T08:59:52Z",
      endDate: "2024-09-27T08:59:52Z",
      depositDate: "2024-09-29T10:12:01Z",
    });
    expect(outcome.summary!.totalAmount.toFixed(2)).toBe("41.85");
    expect(outcome.rowCount).toBe(20);
    expect(outcome.sumOfAmounts.toFixed(2)).toBe("41.85");
    expect(rows[0]).toMatchObject({
      line: 3,
      transactionType: "Order",
      amountType: "ItemPrice",
      amountDescription: "Principal",
      postedDate: "2024-09-14",
      orderId: "026-1111111-1111111",
      sku: "DEMO-MUG-01",
      quantity: 2,
    });
    const mcf = rows.find((r) => r.orderId.startsWith("S02-"))!;
    expect(mcf).toMatchObject({ merchantOrderId: "#1095", marketplaceName: "Non-Amazon UK" });
    expect(rows.find((r) => r.transactionType === "Refund")!.quantity).toBeUndefined();
  });

  it("reads a 23-column German file in windows-1252 with decimal commas, thousands separators and CRLF", async () => {
    const { outcome, rows } = await read(fileSource(join(dir, "de-v2-23-columns-cp1252.txt")));
    expect(outcome.ok).toBe(true);
    expect(outcome.format).toMatchObject({ variant: "v2-23", columns: 23, encoding: "windows-1252", decimalSeparator: "," });
    expect(rows[0]!.amount.toFixed(2)).toBe("1234.56");
    expect(rows[0]!.sku).toBe("DEMO-MÜSLI-01");
    expect(rows.find((r) => r.transactionType === "Refund")!.amount.toFixed(2)).toBe("-182.01");
    expect(outcome.summary!.totalAmount.toFixed(2)).toBe("877.94");
  });

  it("reads US files with MM/dd/yy posted dates and yyyy-MM-dd HH:mm:ss UTC times, currency on every row", async () => {
    const { outcome, rows } = await read(fileSource(join(dir, "us-v2-slash-dates.txt")));
    expect(outcome.ok).toBe(true);
    expect(outcome.summary!.startDate).toBe("2025-06-01T05:00:00Z");
    expect(rows[0]!.postedDate).toBe("2025-06-09");
  });

  it("reads dd/MM/yy posted dates by checking both readings against the settlement period", async () => {
    const { outcome, rows } = await read(fileSource(join(dir, "us-v2-day-first-slash-dates.txt")));
    expect(outcome.ok).toBe(true);
    expect(outcome.format!.slashDates).toBe("dd/MM");
    expect(rows.map((r) => r.postedDate)).toContain("2025-06-09");
    expect(rows.every((r) => r.postedDate >= "2025-06-01" && r.postedDate <= "2025-06-15")).toBe(true);
  });

  it("reads ISO 8601 dates with offsets", async () => {
    const { outcome, rows } = await read(fileSource(join(dir, "iso-dates.txt")));
    expect(outcome.ok).toBe(true);
    expect(outcome.format!.dateStyles).toEqual(["iso"]);
    expect(rows[0]!.postedDate).toBe("2024-09-14");
  });

  it("accepts a zero total (everything held in reserve) and a negative total", async () => {
    const zero = await read(fileSource(join(dir, "zero-total-reserve.txt")));
    expect(zero.outcome.ok).toBe(true);
    expect(zero.outcome.summary!.totalAmount.isZero()).toBe(true);
    const negative = await read(fileSource(join(dir, "negative-total.txt")));
    expect(negative.outcome.ok).toBe(true);
    expect(negative.outcome.summary!.totalAmount.toFixed(2)).toBe("-36.76");
  });

  it("reads the same rows whatever the chunk boundaries (multi-byte characters split across chunks)", async () => {
    const bytes = Buffer.from(settlementFile({ ...base, rows: base.rows.map((r) => ({ ...r, sku: "MÜSLI-Ø-€" })) }), "utf8");
    const whole = await read(bytesSource(bytes));
    for (const size of [1, 7, 64]) {
      const split = await read(bytesSource(bytes, size));
      expect(split.outcome.ok).toBe(true);
      expect(split.rows.map((r) => [r.line, r.sku, r.amount.toFixed(2)])).toEqual(
        whole.rows.map((r) => [r.line, r.sku, r.amount.toFixed(2)]),
      );
    }
    expect(whole.rows[0]!.sku).toBe("MÜSLI-Ø-€");
  });

  it("reads a file whose first non-ASCII byte is windows-1252 after many ASCII chunks", async () => {
    const rows = Array.from({ length: 200 }, (_, i) => anOrder(`026-${i}`, "2024-09-14T10:00:00Z")).flat();
    rows[rows.length - 1] = { ...rows[rows.length - 1]!, sku: "CAFÉ" };
    const bytes = iconv.encode(settlementFile({ ...base, rows }), "win1252");
    for (const size of [1, 2, 1024]) {
      const { outcome, rows: read1 } = await read(bytesSource(bytes, size));
      expect(outcome.ok).toBe(true);
      expect(outcome.format!.encoding).toBe("windows-1252");
      expect(read1[read1.length - 1]!.sku, `chunks of ${size}`).toBe("CAFÉ");
    }
  });

  it("ignores unknown columns Amazon may add, and says so", async () => {
    const text = settlementFile(base)
      .split("\n")
      .map((l, i) => (l === "" ? l : `${l}\t${i === 0 ? "new-column" : ""}`))
      .join("\n");
    const { outcome } = await read(bytesSource(text));
    expect(outcome.ok).toBe(true);
    expect(outcome.format).toMatchObject({ variant: "v2", unknownColumns: ["new-column"] });
  });

  it("reads synthetic files that repeat the settlement fields on every row and have no separate summary row", async () => {
    const lines = settlementFile({ ...base, currencyOnEveryRow: true }).split("\n");
    const summary = lines[1]!.split("\t");
    const rows = lines
      .slice(2)
      .filter((l) => l !== "")
      .map((l) => {
        const f = l.split("\t");
        for (const i of [1, 2, 3, 4, 5]) f[i] = summary[i]!;
        return f.join("\t");
      });
    const { outcome, rows: read1 } = await read(bytesSource([lines[0], ...rows].join("\n") + "\n"));
    expect(outcome.ok).toBe(true);
    expect(outcome.rowCount).toBe(base.rows.length);
    expect(read1[0]!.line).toBe(2);
  });

  it("finds the settlement id from the summary row without reading the rest", async () => {
    const { summary } = await readSettlementSummary(fileSource(join(dir, "uk-v2-24-columns.txt")));
    expect(summary!.settlementId).toBe("11111111111");
  });
});

describe("the parser refuses files it cannot read, with a reason", () => {
  const cases: [string, string, RegExp][] = [
    ["malformed-utf16.txt", "settlement.utf16", /UTF-16/],
    ["malformed-mixed-encoding.txt", "settlement.mixed-encoding", /mixes encodings/],
    ["v1-flat-file.txt", "settlement.v1", /retired V1 settlement flat file/],
    ["settlement.xml", "settlement.xml", /XML settlement report/],
    ["malformed-comma-separated.csv", "settlement.not-tab-separated", /separated by commas/],
  ];
  for (const [file, code, message] of cases) {
    it(`explains ${file} (${code}) instead of misreading it`, async () => {
      const { outcome, rows } = await read(fileSource(join(dir, file)));
      expect(outcome.ok).toBe(false);
      expect(outcome.fatal?.code).toBe(code);
      expect(outcome.fatal?.message).toMatch(message);
      expect(rows).toHaveLength(0);
    });
  }

  it("explains an empty file, a header without rows, and another report", async () => {
    expect((await read(bytesSource(""))).outcome.fatal?.code).toBe("settlement.empty");
    expect((await read(bytesSource(settlementFile(base).split("\n")[0] + "\n"))).outcome.fatal?.code).toBe("settlement.no-summary");
    const other = await read(bytesSource("amazon-order-id\tpurchase-date\tsku\n1\t2\t3\n"));
    expect(other.outcome.fatal?.code).toBe("settlement.not-v2");
    expect(other.outcome.fatal?.message).toMatch(/lacks settlement-id/);
  });

  it("reports a truncated file: the cut line by number and the missing total", async () => {
    const { outcome } = await read(fileSource(join(dir, "malformed-truncated.txt")));
    expect(outcome.ok).toBe(false);
    expect(outcome.reconciled).toBe(false);
    expect(outcome.problems).toEqual([{ line: 13, message: "has only 15 of 24 fields (truncated line?)" }]);
  });

  it("reports a file whose rows do not add up to total-amount", async () => {
    const { outcome } = await read(fileSource(join(dir, "malformed-not-balancing.txt")));
    expect(outcome.problemCount).toBe(0);
    expect(outcome.reconciled).toBe(false);
    expect(outcome.ok).toBe(false);
    expect(outcome.summary!.totalAmount.minus(outcome.sumOfAmounts).toFixed(2)).toBe("0.01");
  });

  it("reports rows with extra columns by line number", async () => {
    const { outcome } = await read(fileSource(join(dir, "malformed-extra-columns.txt")));
    expect(outcome.ok).toBe(false);
    expect(outcome.problems.map((p) => p.line)).toEqual([6, 10]);
    expect(outcome.problems[0]!.message).toMatch(/26 fields but the header has 24/);
  });

  it("reports unreadable amounts and impossible dates by line number", async () => {
    const { outcome } = await read(fileSource(join(dir, "malformed-bad-rows.txt")));
    expect(outcome.problems).toEqual([
      { line: 5, message: 'amount "abc" is not a number' },
      { line: 7, message: 'posted-date-time "31.02.2024 10:00:00 UTC" is not a date in a known format' },
    ]);
  });

  it("reports rows of another settlement or currency (two files joined)", async () => {
    const text =
      settlementFile(base) +
      settlementFile({ ...base, settlementId: "2000" })
        .split("\n")
        .slice(2)
        .join("\n");
    const { outcome } = await read(bytesSource(text));
    expect(outcome.ok).toBe(false);
    expect(outcome.problems[0]!.message).toMatch(/settlement-id 2000 differs from 1000/);
    const eur = await read(
      bytesSource(settlementFile({ ...base, rows: base.rows, currencyOnEveryRow: true }).replace(/\tGBP\tOrder/, "\tEUR\tOrder")),
    );
    expect(eur.outcome.problems[0]!.message).toMatch(/currency EUR differs from GBP/);
  });

  it("reports a file that switches its decimal separator", async () => {
    const text = settlementFile({ ...base, decimal: "," }).replace("\t-3,00\t", "\t-3.00\t");
    const { outcome } = await read(bytesSource(text));
    expect(outcome.problems[0]!.message).toMatch(/uses "\." as decimal separator but this file uses ","/);
  });
});

describe("amounts in the currency's minor units", () => {
  const yen: FileSpec = {
    ...base,
    currency: "JPY",
    rows: [
      ...anOrder("250-1", "2024-09-14T10:00:00Z", { principal: "1980", commission: "-297", fbaFee: "-318", marketplace: "Amazon.co.jp" }),
      ...anOrder("250-2", "2024-09-15T10:00:00Z", { principal: "12800", commission: "-1920", fbaFee: "-434", marketplace: "Amazon.co.jp" }),
    ],
    total: "11811",
  };

  it("reads a JPY file (no decimals) exactly and reconciles it", async () => {
    const { outcome, rows } = await read(bytesSource(settlementFile(yen)));
    expect(outcome.ok).toBe(true);
    expect(outcome.summary).toMatchObject({ currency: "JPY", minorUnit: 0 });
    expect(outcome.summary!.totalAmount.toFixed(0)).toBe("11811");
    expect(rows.map((r) => r.amountMinor)).toEqual([1980, -297, -318, 12800, -1920, -434]);
    expect(rows[3]!.amount.toFixed(0)).toBe("12800");
  });

  it("refuses amounts with more decimals than the currency has, unless they are zeros", async () => {
    const twoDecimals = settlementFile({ ...yen, total: "11811.50" }).replace("\t12800\t", "\t12800.50\t");
    const refused = await read(bytesSource(twoDecimals));
    expect(refused.outcome.fatal?.message).toMatch(/total-amount: amount "11811\.50" has 2 decimals but JPY has 0/);
    const rowOnly = await read(bytesSource(settlementFile(yen).replace("\t12800\t", "\t12800.50\t")));
    expect(rowOnly.outcome.problems).toEqual([{ line: 6, message: 'amount "12800.50" has 2 decimals but JPY has 0' }]);
    const zeros = await read(bytesSource(settlementFile(yen).replace("\t12800\t", "\t12800.00\t")));
    expect(zeros.outcome.ok).toBe(true);
    const cents = await read(bytesSource(settlementFile(base).replace("\t-3.00\t", "\t-3.005\t")));
    expect(cents.outcome.problems[0]!.message).toBe('amount "-3.005" has 3 decimals but GBP has 2');
  });

  it("reads amounts to minor units exactly as the decimal reader does, in every format", () => {
    const values = ["0.00", "-0.01", "19.99", "-182.01", "1234.5", "1234567.89", "-1000000.00", "7", "-12", "0.1"];
    for (const plain of values) {
      for (const [decimal, thousands] of [
        [".", false],
        [",", false],
        [".", true],
        [",", true],
      ] as const) {
        const raw = formatAmount(plain, decimal, thousands);
        // The file's separator is known from an earlier amount, as in a real file.
        const known = new AmountFormat(decimal);
        const expected = new AmountFormat(decimal).parse(raw);
        expect(typeof expected, raw).not.toBe("string");
        expect(known.parseMinor(raw, 2), raw).toBe((expected as Dec).times(100).toNumber());
        expect(new AmountFormat().parseMinor(raw, 2), `${raw} (separator not known yet)`).toBe((expected as Dec).times(100).toNumber());
      }
    }
    expect(new AmountFormat(".").parseMinor("1.234", 3)).toBe(1234); // KWD: three decimals
    expect(new AmountFormat(".").parseMinor("12.340", 2)).toBe(1234);
    expect(new AmountFormat().parseMinor("+5.5", 2)).toBe(550);
    expect(new AmountFormat().parseMinor(" 12,5 ", 2)).toBe(1250);
    expect(new AmountFormat().parseMinor("123456789012345678", 2)).toBe('amount "123456789012345678" is too large');
    expect(new AmountFormat().parseMinor("", 2)).toBe("amount is empty");
    expect(new AmountFormat().parseMinor("-", 2)).toBe('amount "-" is not a number');
    expect(Object.is(new AmountFormat().parseMinor("-0.00", 2), 0)).toBe(true);
  });

  it("skips lines that hold only spaces and tabs", async () => {
    const lines = settlementFile(base).split("\n");
    lines.splice(3, 0, "\t".repeat(23), "   ", "");
    const { outcome, rows } = await read(bytesSource(lines.join("\n")));
    expect(outcome.ok).toBe(true);
    expect(rows).toHaveLength(base.rows.length);
  });
});

describe("amounts and dates in every format of the notes", () => {
  it("reads decimal points, decimal commas and thousands separators exactly", () => {
    const cases: [string, string][] = [
      ["39.99", "39.99"],
      ["-182,01", "-182.01"],
      ["0,00", "0"],
      ["1.234,56", "1234.56"],
      ["1,234.56", "1234.56"],
      ["-1.234.567,89", "-1234567.89"],
      ["12", "12"],
      ["1.234", "1234"],
      ["1,234", "1234"],
      ["+5.5", "5.5"],
    ];
    for (const [raw, expected] of cases) {
      const v = new AmountFormat().parse(raw);
      expect(typeof v === "string" ? v : v.toString(), raw).toBe(expected);
    }
    expect(new AmountFormat().parse("1,23,4")).toMatch(/more than one decimal separator/);
    expect(new AmountFormat().parse("12.3.4,5")).toMatch(/misplaced|not a number/);
    expect(new AmountFormat().parse("")).toBe("amount is empty");
    expect(new AmountFormat().parse("1e5")).toMatch(/not a number/);
  });

  it("reads dates in ISO, yyyy-MM-dd UTC, dd.MM.yyyy and slashed styles as UTC", () => {
    expect(new Date(parseDate("2025-07-31T22:07:18+00:00")!.time).toISOString()).toBe("2025-07-31T22:07:18.000Z");
    expect(new Date(parseDate("2003-10-03T16:00:00-07:00")!.time).toISOString()).toBe("2003-10-03T23:00:00.000Z");
    expect(new Date(parseDate("2023-01-01 00:00:00 UTC")!.time).toISOString()).toBe("2023-01-01T00:00:00.000Z");
    expect(new Date(parseDate("13.09.2024 08:59:52 UTC")!.time).toISOString()).toBe("2024-09-13T08:59:52.000Z");
    expect(new Date(parseDate("25.09.2024")!.time).toISOString()).toBe("2024-09-25T00:00:00.000Z");
    expect(new Date(parseDate("09/06/25")!.time).toISOString()).toBe("2025-09-06T00:00:00.000Z");
    expect(new Date(parseDate("09/06/25", "dmy")!.time).toISOString()).toBe("2025-06-09T00:00:00.000Z");
    expect(new Date(parseDate("12/31/2024")!.time).toISOString()).toBe("2024-12-31T00:00:00.000Z");
    expect(parseDate("31.02.2024")).toBeUndefined();
    expect(parseDate("yesterday")).toBeUndefined();
  });
});

describe("the committed fixtures", () => {
  it("are exactly what test/fixtures/settlements/write-fixtures.ts writes", () => {
    for (const [name, bytes] of Object.entries(fixtureFiles())) {
      expect(Buffer.compare(readFileSync(join(dir, name)), Buffer.from(bytes)), name).toBe(0);
    }
  });
});
