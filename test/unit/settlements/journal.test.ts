import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSettlement } from "../../../src/flows/settlements/analyze";
import { detectAnomalies, type MetricsSnapshot } from "../../../src/flows/settlements/anomalies";
import { bytesSource, fileSource } from "../../../src/flows/settlements/parser";
import { SettlementAccounts } from "../../../src/mapping/settlement-accounts";
import { Dec } from "../../../src/platform/money";
import { aRefund, anOrder, reserveRows, settlementFile, sumCents, type FileSpec } from "../../fixtures/settlements/builder";

const accounts = SettlementAccounts.load(join(__dirname, "../../../mappings"));
const fixtures = join(__dirname, "../../fixtures/settlements");

const spec = (over: Partial<FileSpec> = {}): FileSpec => ({
  settlementId: "5000",
  start: "2024-09-13T08:00:00Z",
  end: "2024-09-27T08:00:00Z",
  deposit: "2024-09-29T08:00:00Z",
  currency: "GBP",
  rows: [
    ...anOrder("026-1", "2024-09-14T10:00:00Z"),
    ...anOrder("026-2", "2024-09-15T10:00:00Z"),
    ...reserveRows("2024-09-13T08:00:00Z", "2024-09-27T08:00:00Z", "10.00", "-12.00"),
  ],
  ...over,
});

const sumOf = (values: Dec[]) => values.reduce((a, b) => a.plus(b), new Dec(0));

describe("the settlement journal", () => {
  it("balances to the cent and its deposit line equals total-amount on the clearing account", async () => {
    const a = await analyzeSettlement(fileSource(join(fixtures, "uk-v2-24-columns.txt")), accounts);
    const j = a.journal!;
    expect(a.postable).toBe(true);
    expect(j.balanced).toBe(true);
    expect(sumOf(j.lines.map((l) => l.debit)).eq(sumOf(j.lines.map((l) => l.credit)))).toBe(true);
    const deposit = j.lines.filter((l) => l.kind === "deposit");
    expect(deposit).toHaveLength(1);
    expect(deposit[0]).toMatchObject({ account: "110180", currency: "GBP", date: "2024-09-27" });
    expect(deposit[0]!.debit.toFixed(2)).toBe("41.85");
    expect(j.description).toBe("Amazon settlement 11111111111 GBP");
  });

  it("has one line per account, dimensions and period, not one per row", async () => {
    const a = await analyzeSettlement(bytesSource(settlementFile(spec())), accounts);
    const j = a.journal!;
    expect(j.lines.map((l) => [l.account, l.debit.toFixed(2), l.credit.toFixed(2)])).toEqual([
      ["130700", "12.00", "0.00"],
      ["130700", "0.00", "10.00"],
      ["401100", "0.00", "39.98"],
      ["605100", "6.00", "0.00"],
      ["605200", "5.60", "0.00"],
      ["110180", "26.38", "0.00"],
    ]);
    expect(j.lines.map((l) => l.lineNumber)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("splits a settlement that crosses a month end into one balanced voucher per month", async () => {
    const a = await analyzeSettlement(fileSource(join(fixtures, "de-v2-23-columns-cp1252.txt")), accounts);
    const j = a.journal!;
    expect(j.periods).toEqual(["2024-09", "2024-10"]);
    for (const v of [1, 2]) {
      const lines = j.lines.filter((l) => l.voucher === v);
      expect(sumOf(lines.map((l) => l.debit)).toFixed(2), `voucher ${v}`).toBe(sumOf(lines.map((l) => l.credit)).toFixed(2));
    }
    expect(new Set(j.lines.filter((l) => l.voucher === 1).map((l) => l.date))).toEqual(new Set(["2024-09-30"]));
    expect(new Set(j.lines.filter((l) => l.voucher === 2).map((l) => l.date))).toEqual(new Set(["2024-10-09"]));
    const september = j.lines.filter((l) => l.voucher === 1 && l.account === "401100");
    expect(september[0]!.credit.toFixed(2)).toBe("1234.56");
    const carried = j.lines.filter((l) => l.kind === "carried-forward");
    expect(carried.map((l) => [l.voucher, l.debit.toFixed(2), l.credit.toFixed(2)])).toEqual([
      [1, "1136.98", "0.00"],
      [2, "0.00", "1136.98"],
    ]);
    expect(j.lines.filter((l) => l.kind === "deposit")[0]!.debit.toFixed(2)).toBe("877.94");
  });

  it("keeps one voucher when month-end splitting is off", async () => {
    const a = await analyzeSettlement(fileSource(join(fixtures, "de-v2-23-columns-cp1252.txt")), accounts, { splitAtMonthEnd: false });
    expect(new Set(a.journal!.lines.map((l) => l.voucher))).toEqual(new Set([1]));
    expect(a.journal!.balanced).toBe(true);
  });

  it("handles a zero total (no deposit line) and a negative total (deposit line on the credit side)", async () => {
    const zero = await analyzeSettlement(fileSource(join(fixtures, "zero-total-reserve.txt")), accounts);
    expect(zero.journal!.balanced).toBe(true);
    expect(zero.journal!.lines.some((l) => l.kind === "deposit")).toBe(false);
    expect(zero.postable).toBe(true);
    const negative = await analyzeSettlement(fileSource(join(fixtures, "negative-total.txt")), accounts);
    const deposit = negative.journal!.lines.find((l) => l.kind === "deposit")!;
    expect(deposit.credit.toFixed(2)).toBe("36.76");
    expect(deposit.debit.isZero()).toBe(true);
    expect(negative.journal!.balanced).toBe(true);
  });

  it("writes one line per order in detailed mode, still balanced", async () => {
    const a = await analyzeSettlement(bytesSource(settlementFile(spec())), accounts, { detailed: true });
    const sales = a.journal!.lines.filter((l) => l.account === "401100");
    expect(sales.map((l) => l.text)).toEqual(["Amazon sales 026-1", "Amazon sales 026-2"]);
    expect(a.journal!.balanced).toBe(true);
  });

  it("posts a JPY settlement (no minor unit) exactly: balanced, and its deposit line equals total-amount", async () => {
    const yen = spec({
      currency: "JPY",
      rows: [
        ...anOrder("250-1", "2024-09-14T10:00:00Z", { principal: "1980", commission: "-297", fbaFee: "-318", marketplace: "Amazon.co.jp" }),
        ...anOrder("250-2", "2024-09-15T10:00:00Z", {
          principal: "12800",
          commission: "-1920",
          fbaFee: "-434",
          marketplace: "Amazon.co.jp",
        }),
      ],
      total: "11811",
    });
    const a = await analyzeSettlement(bytesSource(settlementFile(yen)), accounts);
    expect(a.postable, a.reasons.join("; ")).toBe(true);
    const j = a.journal!;
    expect(j.balanced).toBe(true);
    expect(j.lines.map((l) => [l.account, l.debit.toFixed(0), l.credit.toFixed(0)])).toEqual([
      ["401100", "0", "14780"],
      ["605100", "2217", "0"],
      ["605200", "752", "0"],
      ["110180", "11811", "0"],
    ]);
  });

  it("keeps the bucket sums exact over many rows (no rounding creeps in)", async () => {
    const orders = Array.from({ length: 3000 }, (_, i) =>
      anOrder(`026-${i}`, "2024-09-14T10:00:00Z", {
        principal: `${i % 97}.${String(i % 100).padStart(2, "0")}`,
        commission: "-0.07",
        fbaFee: "-0.01",
      }),
    ).flat();
    const a = await analyzeSettlement(bytesSource(settlementFile(spec({ rows: orders }))), accounts);
    expect(a.postable, a.reasons.join("; ")).toBe(true);
    const deposit = a.journal!.lines.find((l) => l.kind === "deposit")!;
    expect(deposit.debit.toFixed(2)).toBe(sumCents(orders.map((r) => r.amount)));
    expect(a.journal!.lines.find((l) => l.account === "605100")!.debit.toFixed(2)).toBe("210.00");
  });

  it("numbers lines the same way every time (resuming relies on it)", async () => {
    const file = settlementFile(spec({ rows: [...aRefund("026-9", "2024-09-20T00:00:00Z"), ...spec().rows] }));
    const one = await analyzeSettlement(bytesSource(file), accounts);
    const two = await analyzeSettlement(bytesSource(file, 13), accounts);
    const key = (l: { lineNumber: number; account: string; debit: Dec; credit: Dec; text: string }) =>
      `${l.lineNumber}|${l.account}|${l.debit}|${l.credit}|${l.text}`;
    expect(two.journal!.lines.map(key)).toEqual(one.journal!.lines.map(key));
  });

  it("is not postable with an unmapped combination, and lists it with its total and row count", async () => {
    const a = await analyzeSettlement(fileSource(join(fixtures, "unmapped-combination.txt")), accounts);
    expect(a.postable).toBe(false);
    expect(a.unmapped.map((u) => [u.combination, u.total.toFixed(2), u.rowCount])).toEqual([
      ["other-transaction / other-transaction / Brand New Programme Fee", "-9.99", 1],
    ]);
    expect(a.reasons.join(" ")).toMatch(/no rule in settlement-accounts\.json/);
  });

  it("posts unknown combinations to suspense when configured, and flags them", async () => {
    const suspense = new SettlementAccounts({ ...accounts.file, unknownCombinations: "suspense", suspenseAccount: "999999" });
    const a = await analyzeSettlement(fileSource(join(fixtures, "unmapped-combination.txt")), suspense);
    expect(a.postable).toBe(true);
    expect(a.journal!.lines.find((l) => l.account === "999999")!.debit.toFixed(2)).toBe("9.99");
    expect(a.anomalies.map((x) => x.code)).toContain("suspense-lines");
  });

  it("is never postable from a file that does not reconcile or has unreadable rows", async () => {
    for (const f of [
      "malformed-not-balancing.txt",
      "malformed-truncated.txt",
      "malformed-extra-columns.txt",
      "malformed-bad-rows.txt",
      "v1-flat-file.txt",
    ]) {
      const a = await analyzeSettlement(fileSource(join(fixtures, f)), accounts);
      expect(a.postable, f).toBe(false);
      expect(a.reasons.length, f).toBeGreaterThan(0);
    }
  });
});

describe("settlement anomalies", () => {
  const snap = (over: Partial<MetricsSnapshot>): MetricsSnapshot => ({
    settlementId: "x",
    currency: "GBP",
    endDate: "2024-01-01",
    feePerUnit: "2.8000",
    feePerOrder: "5.8000",
    commissionRate: "0.1500",
    refundRate: "0.0100",
    reserveHeld: "10.00",
    transactionTypes: ["Order / ItemPrice", "Order / ItemFees"],
    ...over,
  });
  const history = [snap({ settlementId: "h1" }), snap({ settlementId: "h2", feePerUnit: "3.0000", feePerOrder: "6.0000" })];

  it("says nothing when the settlement looks like earlier ones", () => {
    expect(detectAnomalies(snap({ settlementId: "now" }), history)).toEqual([]);
  });

  it("flags fee rates per unit and per order outside the historical range", () => {
    const codes = detectAnomalies(snap({ settlementId: "now", feePerUnit: "4.5000", feePerOrder: "1.0000" }), history).map((a) => a.code);
    expect(codes).toEqual(["fee-per-unit-out-of-range", "fee-per-order-out-of-range"]);
  });

  it("flags refund and reserve jumps and new transaction types", () => {
    const found = detectAnomalies(
      snap({
        settlementId: "now",
        refundRate: "0.2000",
        reserveHeld: "250.00",
        transactionTypes: ["Order / ItemPrice", "Liquidations / Liquidations"],
      }),
      history,
    );
    expect(found.map((a) => a.code)).toEqual(["refund-jump", "reserve-jump", "new-transaction-type"]);
    expect(found[2]!.message).toMatch(/Liquidations/);
  });

  it("ignores history in other currencies and needs two settlements before judging fee ranges", () => {
    expect(detectAnomalies(snap({ settlementId: "now", feePerUnit: "9.0000" }), [snap({ settlementId: "h1" })])).toEqual([]);
    expect(detectAnomalies(snap({ settlementId: "now", currency: "EUR", reserveHeld: "999.00" }), history)).toEqual([]);
  });

  it("computes metrics from the rows and uses them in the analysis", async () => {
    const a = await analyzeSettlement(fileSource(join(fixtures, "uk-v2-24-columns.txt")), accounts, { history });
    expect(a.metrics).toMatchObject({ settlementId: "11111111111", reserveHeld: "40.00" });
    expect(a.metrics!.feePerUnit).toBe("3.2250"); // (5.60 + 3.10 + 4.20) / (2 + 1 + 1)
    expect(a.anomalies.map((x) => x.code)).toContain("reserve-jump");
  });
});
