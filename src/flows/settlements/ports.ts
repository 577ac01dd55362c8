/**
 * The ports the settlement flow depends on, shaped by what it needs. Their adapters on the SP-API client and
 * the D365 connector are in src/wiring/adapters/; tests use in-memory fakes.
 */
import type { SettlementAccounts } from "../../mapping/settlement-accounts";
import type { BlobStore, Clock, StateStore, Telemetry } from "../../platform/ports";
import type { JournalLine } from "./journal";

export interface SettlementReportInfo {
  reportId: string;
  reportDocumentId?: string;
  createdTime?: string;
  dataStartTime?: string;
  dataEndTime?: string;
}

/** Amazon's settlement reports (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2): Amazon schedules them; we only list and download. */
export interface SettlementReports {
  listSettlementReports(createdSince: Date): Promise<SettlementReportInfo[]>;
  /** Downloads the report's document just in time (its URL lives 5 minutes). */
  downloadReport(reportId: string): Promise<Uint8Array>;
}

export interface JournalHeaderInfo {
  journalBatchNumber: string;
  journalName?: string;
  description?: string;
  isPosted: boolean;
}

/** A journal line as D365 has it (read back to find what is there and to verify the journal line by line). */
export interface JournalLineInD365 {
  lineNumber: number;
  /** yyyy-MM-dd. */
  date: string;
  accountType: string;
  accountDisplayValue: string;
  text: string;
  debit: string;
  credit: string;
  currency: string;
  voucher?: string;
  document?: string;
}

/** A journal name's set-up (JournalNames), as far as settlement journals depend on it. */
export interface JournalNameSetup {
  name: string;
  exists: boolean;
  /** LedgerJournalType: settlement journals need "Daily". */
  type?: string;
  /** NewVoucher: BalanceSheet ("In connection with balance"), Manually, OneVoucher. */
  newVoucher?: string;
  voucherSeries?: string;
  /** "Number allocation at posting": the vouchers on the lines are temporary and renumbered from the series. */
  allocationAtPosting?: boolean;
  /** A default offset account would add an offset to every line (the lines balance by themselves). */
  offsetAccount?: string;
  /** "Amounts include sales tax": the lines carry no tax. */
  amountsIncludeSalesTax?: boolean;
}

/** A ledger period of the legal entity's fiscal calendar (operating periods only), with its status. */
export interface LedgerPeriod {
  name: string;
  /** yyyy-MM-dd. */
  start: string;
  end: string;
  status: "Open" | "OnHold" | "Closed";
}

/** The outcome of an ImportFromPackage call for a settlement's journal. */
export type DmfExecutionStatus = "Unknown" | "NotRun" | "Executing" | "Succeeded" | "PartiallySucceeded" | "Failed" | "Canceled";

/**
 * D365 general journals (LedgerJournalHeaders / LedgerJournalLines), the journal name's set-up and the ledger
 * periods, in one legal entity (`company`) per call.
 */
export interface LedgerJournalsPort {
  journalName(company: string, name: string): Promise<JournalNameSetup>;
  /**
   * The legal entity's operating ledger periods that end on or after `from`, in date order; undefined when D365
   * does not expose them (the period check then relies on D365's own answer when lines are written).
   */
  ledgerPeriods(company: string, from: string): Promise<LedgerPeriod[] | undefined>;
  /** Journals whose description is one of `descriptions`. */
  findJournalsByDescription(company: string, descriptions: string[]): Promise<JournalHeaderInfo[]>;
  /** Journal batch numbers of journals with a line whose Document is `document`, other than those in `except`. */
  findJournalsByDocument(company: string, document: string, except: string[]): Promise<string[]>;
  createHeader(company: string, header: { journalName: string; description: string }): Promise<JournalHeaderInfo>;
  getHeader(company: string, journalBatchNumber: string): Promise<JournalHeaderInfo | undefined>;
  setDescription(company: string, journalBatchNumber: string, description: string): Promise<void>;
  listLines(company: string, journalBatchNumber: string): Promise<JournalLineInD365[]>;
  /** Creates these lines ($batch changesets), each with its own line number and voucher label. */
  createLines(company: string, journalBatchNumber: string, lines: JournalLine[]): Promise<{ created: number }>;
  deleteLines(company: string, journalBatchNumber: string, lineNumbers: number[]): Promise<void>;
  /** The DMF package API for large journals; absent when the adapter cannot do it. */
  dmf?: SettlementDmf;
}

/** A settlement's journal as one DMF "General journal" package, imported under an execution id the app chose. */
export interface SettlementDmf {
  /**
   * Uploads the package and calls ImportFromPackage with `executionId`. `alreadySubmitted` when D365 answers
   * that an execution with this id exists: an earlier call went through, nothing was imported twice.
   */
  submit(input: {
    company: string;
    executionId: string;
    definitionGroup: string;
    journalName: string;
    description: string;
    /** JOURNALBATCHNUMBER of every row: a value that is no journal's number, so DMF makes one new journal. */
    placeholder: string;
    lines: JournalLine[];
  }): Promise<{ alreadySubmitted: boolean }>;
  /** GetExecutionSummaryStatus; "Unknown" while D365 has not started the execution (its first answer is "not found"). */
  status(executionId: string): Promise<DmfExecutionStatus>;
  errors(executionId: string): Promise<string[]>;
}

export interface SettlementDeps {
  state: StateStore;
  blobs: BlobStore;
  journals: LedgerJournalsPort;
  reports?: SettlementReports;
  accounts: () => SettlementAccounts;
  clock: Clock;
  log: Telemetry;
  /** The legal entity of settlements the mapping names none for (D365_COMPANY). */
  defaultCompany?: string;
  /** What to do with a voucher dated in a closed or on-hold ledger period (SETTLEMENT_CLOSED_PERIOD). */
  closedPeriod?: ClosedPeriodRule;
  /** Waits between download attempts (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * needs-attention: stop before writing, with the period and what to do; next-open-period: date the voucher on the
 * first day of the first open period, with the date it belongs to in each line's text.
 */
export type ClosedPeriodRule = "needs-attention" | "next-open-period";
