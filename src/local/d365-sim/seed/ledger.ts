/**
 * Seed: the general ledger set-up settlements post to — main accounts (chart of accounts "Shared"),
 * journal names with each voucher setting, and exchange rates. Only properties F&O's entities have.
 */
import type { SimStore } from "../store";

/**
 * The settlement journal name (SETTLEMENT_JOURNAL_NAME's default): vouchers from number sequence GNJL, allocated
 * at posting.
 */
export const DEMO_JOURNAL_NAME = "GenJrn";

/**
 * Journal names of every company. JournalNames.NewVoucher has the members BalanceSheet ("In connection
 * with balance"), Manually and OneVoucher; VoucherSeriesCode is the voucher number sequence.
 */
export const DEMO_JOURNAL_NAMES = [
  {
    Name: DEMO_JOURNAL_NAME,
    Description: "General journal (settlements)",
    NewVoucher: "BalanceSheet",
    VoucherSeriesCode: "GNJL",
    // Settlement journals carry the app's voucher labels (AMZ-<settlement>-<n>); D365 numbers them at posting.
    VoucherAllocationAtPosting: "Yes",
  },
  {
    Name: "GenJrnMan",
    Description: "General journal, manual vouchers",
    NewVoucher: "Manually",
    VoucherSeriesCode: "",
    VoucherAllocationAtPosting: "No",
  },
  {
    Name: "GenJrnOne",
    Description: "General journal, one voucher",
    NewVoucher: "OneVoucher",
    VoucherSeriesCode: "GNJ1",
    VoucherAllocationAtPosting: "No",
  },
  {
    Name: "GenJrnPost",
    Description: "General journal, voucher numbers at posting",
    NewVoucher: "BalanceSheet",
    VoucherSeriesCode: "GNJP",
    VoucherAllocationAtPosting: "Yes",
  },
] as const;

/** Chart of accounts "Shared": what the settlement mappings post to. MainAccountType is DimensionLedgerAccountType. */
export const DEMO_MAIN_ACCOUNTS = [
  { MainAccountId: "110110", Name: "Bank - operating account", MainAccountType: "Asset", MainAccountCategory: "CASH" },
  { MainAccountId: "110180", Name: "Amazon clearing account", MainAccountType: "Asset", MainAccountCategory: "CASH" },
  { MainAccountId: "130100", Name: "Accounts receivable - Amazon", MainAccountType: "Asset", MainAccountCategory: "AR" },
  { MainAccountId: "130700", Name: "Amazon reserve held", MainAccountType: "Asset", MainAccountCategory: "AR" },
  {
    MainAccountId: "222200",
    Name: "Sales tax payable (marketplace facilitator)",
    MainAccountType: "Liability",
    MainAccountCategory: "TAX",
  },
  { MainAccountId: "401100", Name: "Sales - Amazon", MainAccountType: "Revenue", MainAccountCategory: "SALES" },
  { MainAccountId: "401200", Name: "Shipping income - Amazon", MainAccountType: "Revenue", MainAccountCategory: "SALES" },
  { MainAccountId: "403100", Name: "Sales returns and refunds - Amazon", MainAccountType: "Revenue", MainAccountCategory: "SALES" },
  { MainAccountId: "605100", Name: "Amazon referral fees", MainAccountType: "Expense", MainAccountCategory: "SELLING" },
  { MainAccountId: "605200", Name: "Amazon FBA fulfillment fees", MainAccountType: "Expense", MainAccountCategory: "SELLING" },
  { MainAccountId: "605300", Name: "Amazon storage fees", MainAccountType: "Expense", MainAccountCategory: "SELLING" },
  { MainAccountId: "605400", Name: "Amazon advertising", MainAccountType: "Expense", MainAccountCategory: "SELLING" },
  { MainAccountId: "605900", Name: "Amazon other fees", MainAccountType: "Expense", MainAccountCategory: "SELLING" },
  { MainAccountId: "618100", Name: "Promotions and discounts", MainAccountType: "Expense", MainAccountCategory: "SELLING" },
  { MainAccountId: "999999", Name: "Suspense account", MainAccountType: "BalanceSheet", MainAccountCategory: "SUSPENSE" },
] as const;

/** The demo fiscal calendar: one operating period per month, named like F&O's ("Period 1" ... "Period 12"). */
export const DEMO_FISCAL_CALENDAR = "Fiscal";
/** Years of the demo calendar: every period is open (close one with sim.setPeriodStatus). */
export const DEMO_FISCAL_YEARS = { from: 2020, to: 2035 } as const;

/** The calendar period of a date (yyyy-MM-dd or yyyy-MM): year and "Period <month>". */
export function demoPeriodOf(date: string): { year: string; period: string } {
  return { year: date.slice(0, 4), period: `Period ${Number(date.slice(5, 7))}` };
}

function seedPeriods(store: SimStore, companies: readonly string[]): void {
  for (let y = DEMO_FISCAL_YEARS.from; y <= DEMO_FISCAL_YEARS.to; y++) {
    for (let m = 1; m <= 12; m++) {
      const start = new Date(Date.UTC(y, m - 1, 1)).toISOString().slice(0, 10);
      const end = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
      store.put(
        "FiscalPeriods",
        {
          Calendar: DEMO_FISCAL_CALENDAR,
          FiscalYear: String(y),
          PeriodName: `Period ${m}`,
          StartDate: `${start}T12:00:00Z`,
          EndDate: `${end}T12:00:00Z`,
          Type: "Operating",
          Month: String(m),
        },
        "seed",
      );
      for (const company of companies) {
        store.put(
          "LedgerFiscalPeriodsV2",
          {
            LedgerName: company.toUpperCase(),
            Calendar: DEMO_FISCAL_CALENDAR,
            YearName: String(y),
            PeriodName: `Period ${m}`,
            PeriodStatus: "Open",
          },
          "seed",
        );
      }
    }
  }
}

export function seedLedger(store: SimStore, companies: readonly string[]): void {
  seedPeriods(store, companies);
  for (const company of companies) {
    for (const j of DEMO_JOURNAL_NAMES) {
      // No offset account and no sales tax defaults: the journal lines carry everything.
      store.put(
        "JournalNames",
        { dataAreaId: company, ...j, Type: "Daily", PostingLayer: "Current", OffsetAccountDisplayValue: "", AmountsIncludeSalesTax: "No" },
        "seed",
      );
    }
  }
  for (const a of DEMO_MAIN_ACCOUNTS) store.put("MainAccounts", { ChartOfAccounts: "Shared", ...a }, "seed");
  const rates: [string, string, number][] = [
    ["EUR", "USD", 108.25],
    ["GBP", "USD", 126.4],
    ["USD", "EUR", 92.38],
    ["GBP", "EUR", 116.77],
  ];
  for (const [from, to, rate] of rates) {
    store.put(
      "ExchangeRates",
      {
        RateTypeName: "Default",
        FromCurrency: from,
        ToCurrency: to,
        StartDate: "2026-01-01T00:00:00Z",
        EndDate: "2154-12-31T00:00:00Z",
        Rate: rate,
        ConversionFactor: "Hundred",
        RateTypeDescription: "Default exchange rates",
      },
      "seed",
    );
  }
}
