/**
 * The settlement ports on the real connectors: SP-API reports (runtime().amazon), D365 general journals
 * (runtime().d365.ledgerJournals), the platform's state and blob stores, and the mapping file.
 */
import { join } from "node:path";
import type { D365Connector } from "../../d365/index";
import { toCsv } from "../../d365/csv";
import type { D365Dmf } from "../../d365/dmf";
import { decimalOf, type LedgerJournals, type NewLedgerJournalLine } from "../../d365/entities";
import type { SpApiClient } from "../../amazon/client";
import { SettlementAccounts, SETTLEMENT_ACCOUNTS_FILE } from "../../mapping/settlement-accounts";
import { runtime } from "../../runtime";
import type { Telemetry } from "../../platform/telemetry";
import type { LedgerJournalsPort, SettlementDeps, SettlementReports } from "./ports";

export const SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2";

type ReportsApi = Pick<SpApiClient, "getReports" | "getReport" | "downloadReportDocument">;

export function spApiSettlementReports(amazon: ReportsApi): SettlementReports {
  return {
    async listSettlementReports(createdSince) {
      const out = [];
      // SP-API: settlement reports cannot be requested; Amazon schedules them and getReports lists 90 days.
      for await (const r of amazon.getReports({ reportTypes: [SETTLEMENT_REPORT_TYPE], processingStatuses: ["DONE"], createdSince })) {
        out.push({
          reportId: r.reportId,
          reportDocumentId: r.reportDocumentId,
          createdTime: r.createdTime,
          dataStartTime: r.dataStartTime,
          dataEndTime: r.dataEndTime,
        });
      }
      return out;
    },
    async downloadReport(reportId) {
      const report = await amazon.getReport(reportId);
      if (!report.reportDocumentId) throw new Error(`report ${reportId} has no document (status ${report.processingStatus})`);
      // getReportDocument is called right before the download: its URL expires after 5 minutes.
      const doc = await amazon.downloadReportDocument(report.reportDocumentId);
      return Buffer.from(doc.text, "utf8");
    },
  };
}

/** Columns of the DMF "General journal" data file (notes/dynamics-365-fo.md §1.5). */
export const GENERAL_JOURNAL_COLUMNS = [
  "JOURNALNAME",
  "DESCRIPTION",
  "JOURNALBATCHNUMBER",
  "LINENUMBER",
  "ACCOUNTTYPE",
  "ACCOUNTDISPLAYVALUE",
  "TRANSDATE",
  "VOUCHER",
  "CURRENCYCODE",
  "DEBITAMOUNT",
  "CREDITAMOUNT",
  "TEXT",
  "DOCUMENT",
] as const;

export function d365LedgerJournals(journals: LedgerJournals, dmf?: { client: D365Dmf; company: string }): LedgerJournalsPort {
  return {
    ...(dmf
      ? {
          async importJournalViaDmf(input: {
            journalName: string;
            description: string;
            definitionGroup: string;
            lines: import("./ports").NewJournalLine[];
          }) {
            // JOURNALBATCHNUMBER and VOUCHER are placeholders: DMF groups the lines into one new journal.
            const rows = input.lines.map((l) => ({
              JOURNALNAME: input.journalName,
              DESCRIPTION: input.description,
              JOURNALBATCHNUMBER: "1",
              LINENUMBER: l.lineNumber,
              ACCOUNTTYPE: l.accountType,
              ACCOUNTDISPLAYVALUE: l.accountDisplayValue,
              TRANSDATE: l.date,
              VOUCHER: l.voucher ?? "",
              CURRENCYCODE: l.currency,
              DEBITAMOUNT: l.debit,
              CREDITAMOUNT: l.credit,
              TEXT: l.text,
              DOCUMENT: l.document,
            }));
            const result = await dmf.client.importPackage({
              entityName: "General journal",
              data: toCsv(GENERAL_JOURNAL_COLUMNS, rows),
              columns: GENERAL_JOURNAL_COLUMNS,
              definitionGroupId: input.definitionGroup,
              description: input.description,
              legalEntityId: dmf.company,
            });
            return { status: result.status, errors: result.errors };
          },
        }
      : {}),
    async findJournalByDescription(description) {
      return (await journals.findByDescription(description)).map((h) => ({
        journalBatchNumber: h.JournalBatchNumber,
        description: h.Description,
        isPosted: h.IsPosted === "Yes",
      }));
    },
    async createHeader(header) {
      const h = await journals.createHeader({ JournalName: header.journalName, Description: header.description });
      return { journalBatchNumber: h.JournalBatchNumber, description: h.Description, isPosted: h.IsPosted === "Yes" };
    },
    async getHeader(jbn) {
      const h = await journals.getHeader(jbn);
      return h ? { journalBatchNumber: h.JournalBatchNumber, description: h.Description, isPosted: h.IsPosted === "Yes" } : undefined;
    },
    async listLines(jbn) {
      return (await journals.listLines(jbn)).map((l) => ({
        lineNumber: Number(l.LineNumber),
        account: String(l.AccountDisplayValue),
        debit: decimalOf(l.DebitAmount),
        credit: decimalOf(l.CreditAmount),
        currency: String(l.CurrencyCode),
      }));
    },
    async createLines(jbn, lines) {
      const rows: NewLedgerJournalLine[] = lines.map((l) => ({
        LineNumber: l.lineNumber,
        AccountType: l.accountType,
        AccountDisplayValue: l.accountDisplayValue,
        DebitAmount: l.debit,
        CreditAmount: l.credit,
        CurrencyCode: l.currency,
        TransDate: l.date,
        Text: l.text,
        Document: l.document,
      }));
      const outcome = await journals.createLines(jbn, rows, { skipExisting: true });
      if (outcome.failures.length) throw outcome.failures[0]!.error;
      return { created: outcome.created.length, skipped: outcome.skipped.length };
    },
  };
}

/** The mapping file, read on each analysis so an admin's fix applies to the next import. */
export function loadSettlementAccounts(mappingsDir: string): SettlementAccounts {
  return SettlementAccounts.fromFile(join(mappingsDir, SETTLEMENT_ACCOUNTS_FILE));
}

let overrides: Partial<SettlementDeps> = {};

/** For the local host and tests: replace some dependencies (e.g. a journals fake) for every invocation. */
export function overrideSettlementDeps(next: Partial<SettlementDeps>): void {
  overrides = next;
}

/** The flow's dependencies from the runtime (function files call this). */
export function settlementDeps(log?: Telemetry): SettlementDeps {
  const rt = runtime();
  const o = overrides;
  return {
    get state() {
      return o.state ?? rt.state;
    },
    get blobs() {
      return o.blobs ?? rt.blobs;
    },
    get journals() {
      if (o.journals) return o.journals;
      const d365 = rt.d365 as D365Connector;
      return d365LedgerJournals(d365.ledgerJournals, { client: d365.dmf, company: d365.company });
    },
    get reports() {
      return o.reports ?? spApiSettlementReports(rt.amazon);
    },
    accounts: o.accounts ?? (() => loadSettlementAccounts(rt.config.MAPPINGS_DIR)),
    clock: o.clock ?? rt.clock,
    log: o.log ?? log ?? rt.telemetry(undefined, { flow: "settlements" }),
  };
}

/** The Durable client as the flow's OrchestrationStarter. */
export function durableStarter(client: import("durable-functions").DurableClient): import("./start").OrchestrationStarter {
  return {
    async runtimeStatus(instanceId) {
      try {
        return (await client.getStatus(instanceId)).runtimeStatus;
      } catch (err) {
        // durable-functions: getStatus throws for an unknown instance (HTTP 404 from the extension).
        if (/404/.test((err as Error).message)) return undefined;
        throw err;
      }
    },
    async startNew(name, instanceId, input) {
      await client.startNew(name, { instanceId, input });
    },
    async purge(instanceId) {
      await client.purgeInstanceHistory(instanceId);
    },
    async raiseEvent(instanceId, eventName, data) {
      await client.raiseEvent(instanceId, eventName, data);
    },
  };
}
