/**
 * How a settlement lands in the books: month-end split in the books' time zone, amounts in the currency's minor
 * unit, the legal entity per marketplace and currency, the identity of each line, and lines moved out of a closed
 * ledger period.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSettlement, formatPreview, previewDocument } from "../../../src/flows/settlements/analyze";
import { lineKey, moveLines } from "../../../src/flows/settlements/journal";
import { bytesSource } from "../../../src/flows/settlements/parser";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { Dec } from "../../../src/platform/money";
import { anOrder, settlementFile, type FileSpec } from "../../fixtures/settlements/builder";

const shipped = SettlementAccounts.load(join(__dirname, "../../../mappings"));
const withEntities = (legalEntities: object[]) => SettlementAccounts.parse({ ...shipped.file, legalEntities });

const us = (over: Partial<FileSpec> = {}): FileSpec => ({
  settlementId: "7100",
  start: "2026-01-25T08:00:00Z",
  end: "2026-02-08T08:00:00Z",
  deposit: "2026-02-10T08:00:00Z",
  currency: "USD",
  rows: [
    // 22:00 Pacific on 31 January is 06:00 UTC on 1 February.
    ...anOrder("111-1", "2026-02-01T06:00:00Z", { principal: "100.00", commission: "-15.00", fbaFee: "-5.00", marketplace: "Amazon.com" }),
    ...anOrder("111-2", "2026-02-03T18:00:00Z", { principal: "50.00", commission: "-7.50", fbaFee: "-3.00", marketplace: "Amazon.com" }),
  ],
  ...over,
});

const sumOf = (xs: string[]) => xs.reduce((a, b) => a.plus(new Dec(b)), new Dec(0));

describe("the month-end split in the books' time zone", () => {
  it("books a US sale at 22:00 Pacific on 31 January in January (Amazon.com's zone), and the preview says so", async () => {
    const a = await analyzeSettlement(bytesSource(settlementFile(us())), shipped);
    expect(a.postable, a.reasons.join("; ")).toBe(true);
    const j = a.journal!;
    expect(j.timeZone).toEqual({ zone: "America/Los_Angeles", source: "marketplace" });
    expect(j.periods).toEqual(["2026-01", "2026-02"]);
    const january = j.lines.filter((l) => l.voucher === 1);
    expect(january.find((l) => l.account === "401100")!.credit).toBe("100.00");
    expect(new Set(january.map((l) => l.date))).toEqual(new Set(["2026-01-31"]));
    for (const v of [1, 2]) {
      const lines = j.lines.filter((l) => l.voucher === v);
      expect(sumOf(lines.map((l) => l.debit)).eq(sumOf(lines.map((l) => l.credit))), `voucher ${v}`).toBe(true);
    }
    const doc = previewDocument(a, shipped);
    expect(doc.journal!.timeZone).toEqual({ zone: "America/Los_Angeles", source: "marketplace" });
    expect(formatPreview(doc)).toMatch(/Month-end split in America\/Los_Angeles \(default of Amazon\.com\)/);
  });

  it("follows the time zone the mapping names for the legal entity's books", async () => {
    const utcBooks = withEntities([{ currency: "USD", timeZone: "UTC" }]);
    const a = await analyzeSettlement(bytesSource(settlementFile(us())), utcBooks);
    expect(a.journal!.timeZone).toEqual({ zone: "UTC", source: "mapping" });
    expect(a.journal!.periods).toEqual(["2026-02"]);
    expect(formatPreview(previewDocument(a, utcBooks))).toMatch(/Month-end split in UTC \(from the mapping\)/);
  });

  it("books a German sale at 23:30 UTC on 31 January in February (Berlin is an hour ahead)", async () => {
    const de = us({
      currency: "EUR",
      rows: [
        ...anOrder("302-1", "2026-01-31T23:30:00Z", { principal: "40.00", commission: "-6.00", fbaFee: "-2.00", marketplace: "Amazon.de" }),
        ...anOrder("302-2", "2026-01-30T12:00:00Z", { principal: "10.00", commission: "-1.50", fbaFee: "-1.00", marketplace: "Amazon.de" }),
      ],
    });
    const j = (await analyzeSettlement(bytesSource(settlementFile(de)), shipped)).journal!;
    expect(j.timeZone.zone).toBe("Europe/Berlin");
    expect(j.lines.filter((l) => l.voucher === 1 && l.account === "401100").map((l) => l.credit)).toEqual(["10.00"]);
    expect(j.lines.filter((l) => l.voucher === 2 && l.account === "401100").map((l) => l.credit)).toEqual(["40.00"]);
  });
});

describe("amounts in the currency's minor unit", () => {
  it("prints KWD with three decimals and JPY with none, in the lines and the totals", async () => {
    const kwd = us({
      currency: "KWD",
      // Written "9.99" (as a 3-decimal total can look, and unambiguous: "9.990" could read as thousands).
      total: "9.99",
      rows: anOrder("406-1", "2026-02-02T10:00:00Z", {
        principal: "12.345",
        commission: "-1.855",
        fbaFee: "-0.500",
        marketplace: "Amazon.com",
      }),
    });
    const a = await analyzeSettlement(bytesSource(settlementFile(kwd)), withEntities([{ currency: "KWD", timeZone: "Asia/Kuwait" }]));
    expect(a.postable, a.reasons.join("; ")).toBe(true);
    const doc = previewDocument(a, shipped);
    expect(doc.minorUnit).toBe(3);
    expect(doc.totalAmount).toBe("9.990");
    expect(doc.journal!.totalDebit).toBe("12.345");
    expect(a.journal!.lines.find((l) => l.account === "401100")!.credit).toBe("12.345");
    const jpy = us({
      currency: "JPY",
      rows: anOrder("250-1", "2026-02-02T10:00:00Z", {
        principal: "1980",
        commission: "-297",
        fbaFee: "-318",
        marketplace: "Amazon.co.jp",
      }),
    });
    const y = await analyzeSettlement(bytesSource(settlementFile(jpy)), shipped);
    expect(y.journal!.lines.find((l) => l.kind === "deposit")!.debit).toBe("1365");
    expect(previewDocument(y, shipped).sumOfAmounts).toBe("1365");
  });
});

describe("the legal entity of a settlement", () => {
  it("is the mapping's for the marketplace and currency (most specific wins), else none (D365_COMPANY)", async () => {
    const accounts = withEntities([
      { currency: "*", dataAreaId: "usmf" },
      { currency: "EUR", dataAreaId: "demf" },
      { currency: "EUR", marketplace: "Amazon.fr", dataAreaId: "frrt" },
    ]);
    expect(accounts.legalEntityFor("EUR", "Amazon.de")?.dataAreaId).toBe("demf");
    expect(accounts.legalEntityFor("EUR", "Amazon.fr")?.dataAreaId).toBe("frrt");
    expect(accounts.legalEntityFor("GBP", "Amazon.co.uk")?.dataAreaId).toBe("usmf");
    expect(shipped.legalEntityFor("EUR", "Amazon.de")).toBeUndefined();
    const de = us({
      currency: "EUR",
      rows: anOrder("302-1", "2026-02-02T10:00:00Z", {
        principal: "40.00",
        commission: "-6.00",
        fbaFee: "-2.00",
        marketplace: "Amazon.de",
      }),
    });
    const a = await analyzeSettlement(bytesSource(settlementFile(de)), accounts);
    expect(a.legalEntity).toBe("demf");
    expect(previewDocument(a, accounts).legalEntity).toBe("demf");
  });
});

describe("the identity of a journal line", () => {
  it("is its date, account and dimensions, and text: unique in the journal, the same however it is numbered", async () => {
    const a = await analyzeSettlement(bytesSource(settlementFile(us())), shipped);
    const lines = a.journal!.lines;
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
    for (const l of lines) expect(l.key).toBe(lineKey(l));
    expect(lines.find((l) => l.kind === "deposit")!.key).toBe("2026-02-08|Ledger|110180|Amazon deposit 7100 2026-02-10");
  });

  it("moves the vouchers of a closed period to another date with the date they belong to in the text, keys still unique", async () => {
    const lines = (await analyzeSettlement(bytesSource(settlementFile(us())), shipped)).journal!.lines;
    const moved = moveLines(lines, new Map([["2026-01-31", "2026-02-08"]]));
    const january = moved.filter((l) => l.voucher === 1);
    expect(new Set(january.map((l) => l.date))).toEqual(new Set(["2026-02-08"]));
    expect(january.every((l) => l.text.endsWith(" (for 2026-01-31)") && l.originalDate === "2026-01-31")).toBe(true);
    expect(new Set(moved.map((l) => l.key)).size).toBe(moved.length);
    expect(moved.filter((l) => l.voucher === 2)).toEqual(lines.filter((l) => l.voucher === 2));
  });
});

describe("financial dimensions in the mapping", () => {
  const base = { carriedForwardAccount: "130700", clearing: [{ currency: "*", account: "110180" }] };

  it("refuses a rule dimension that is not in dimensionFormat, and a value that contains the delimiter", () => {
    const err = (() => {
      try {
        SettlementAccounts.parse({
          ...base,
          dimensionFormat: ["BusinessUnit"],
          rules: [
            { amountType: "ItemFees", account: "605100", dimensions: { CostCenter: "022" } },
            { amountType: "ItemPrice", account: "401100", dimensions: { BusinessUnit: "001-A" } },
          ],
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(
      /\$\.rules\[0\]\.dimensions\.CostCenter: dimension "CostCenter" is not in dimensionFormat \[BusinessUnit\]/,
    );
    expect(err?.message).toMatch(/\$\.rules\[1\]\.dimensions\.BusinessUnit: value "001-A" contains the dimension delimiter "-"/);
  });

  it("refuses a time zone that does not exist", () => {
    expect(() =>
      SettlementAccounts.parse({ ...base, rules: [{ account: "401100" }], legalEntities: [{ currency: "USD", timeZone: "Mars/Olympus" }] }),
    ).toThrow(/legalEntities\[0\]\.timeZone: "Mars\/Olympus" is not an IANA time zone/);
  });

  it("writes the display value with the configured delimiter", () => {
    const a = SettlementAccounts.parse({
      ...base,
      dimensionFormat: ["BusinessUnit", "Department"],
      dimensionDelimiter: "|",
      rules: [{ account: "401100", dimensions: { BusinessUnit: "001-A" } }],
    });
    expect(a.displayValue("401100", { BusinessUnit: "001-A", Department: "022" })).toBe("401100|001-A|022");
  });
});
