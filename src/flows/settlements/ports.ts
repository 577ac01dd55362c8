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
  description?: string;
  isPosted: boolean;
}

/** A journal line as D365 has it (read back to verify the journal). */
export type JournalLineInD365 = Pick<JournalLine, "lineNumber" | "accountDisplayValue" | "debit" | "credit" | "currency">;

/** D365 general journals (LedgerJournalHeaders / LedgerJournalLines). */
export interface LedgerJournalsPort {
  findJournalByDescription(description: string): Promise<JournalHeaderInfo[]>;
  createHeader(header: { journalName: string; description: string }): Promise<JournalHeaderInfo>;
  getHeader(journalBatchNumber: string): Promise<JournalHeaderInfo | undefined>;
  listLines(journalBatchNumber: string): Promise<JournalLineInD365[]>;
  /** Creates the lines whose numbers are not in the journal yet ($batch changesets); returns how many it created. */
  createLines(journalBatchNumber: string, lines: JournalLine[]): Promise<{ created: number; skipped: number }>;
  /**
   * Imports a new journal with all its lines as one DMF package (General journal entity; exempt from
   * service-protection limits). Absent when the adapter cannot do it.
   */
  importJournalViaDmf?(input: {
    journalName: string;
    description: string;
    definitionGroup: string;
    lines: JournalLine[];
  }): Promise<{ status: string; errors: string[] }>;
}

export interface SettlementDeps {
  state: StateStore;
  blobs: BlobStore;
  journals: LedgerJournalsPort;
  reports?: SettlementReports;
  accounts: () => SettlementAccounts;
  clock: Clock;
  log: Telemetry;
}
