/**
 * The settlement flow's LedgerJournalsPort on the D365 connector (src/d365): general journals through
 * LedgerJournalHeaders / LedgerJournalLines (OData, $batch), the journal name's set-up (JournalNames), the
 * ledger periods, and one DMF "General journal" package for a large journal.
 */
import { toCsv } from "../../d365/csv";
import type { D365Dmf } from "../../d365/dmf";
import {
  decimalOf,
  type JournalNames,
  type LedgerJournalHeader,
  type LedgerJournals,
  type LedgerPeriods,
  type NewLedgerJournalLine,
} from "../../d365/entities";
import { type JournalLine, voucherLabel } from "../../flows/settlements/journal";
import type { JournalHeaderInfo, LedgerJournalsPort, LedgerPeriod } from "../../flows/settlements/ports";

/**
 * Columns of the DMF "General journal" data file (the set-based LedgerJournalEntity, which has no public OData
 * entity set). JOURNALBATCHNUMBER is a placeholder that DMF groups the lines by (one new journal), VOUCHER the
 * app's per-month voucher label (renumbered from the journal name's series at posting).
 */
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

/** The D365 connector parts the adapter uses. */
export interface LedgerJournalsConnector {
  ledgerJournals: LedgerJournals;
  journalNames?: JournalNames;
  ledgerPeriods?: LedgerPeriods;
  dmf?: D365Dmf;
}

function header(h: LedgerJournalHeader): JournalHeaderInfo {
  return {
    journalBatchNumber: h.JournalBatchNumber,
    journalName: h.JournalName,
    description: h.Description,
    isPosted: h.IsPosted === "Yes",
  };
}

const PERIOD_STATUSES = new Set(["Open", "OnHold", "Closed"]);

export function d365LedgerJournals(connector: LedgerJournalsConnector | LedgerJournals): LedgerJournalsPort {
  const c: LedgerJournalsConnector = "ledgerJournals" in connector ? connector : { ledgerJournals: connector };
  const journals = c.ledgerJournals;
  const dmf = c.dmf;
  return {
    async journalName(company, name) {
      if (!c.journalNames) return { name, exists: true, allocationAtPosting: true, voucherSeries: "?" };
      const j = await c.journalNames.get(name, company);
      if (!j) return { name, exists: false };
      return {
        name,
        exists: true,
        type: j.Type,
        newVoucher: j.NewVoucher,
        voucherSeries: j.VoucherSeriesCode || undefined,
        allocationAtPosting: j.VoucherAllocationAtPosting === "Yes",
        offsetAccount: j.OffsetAccountDisplayValue || undefined,
        amountsIncludeSalesTax: j.AmountsIncludeSalesTax === "Yes",
      };
    },
    async ledgerPeriods(company, from) {
      if (!c.ledgerPeriods) return undefined;
      const periods = await c.ledgerPeriods.list(from, company);
      if (periods.length === 0) return undefined;
      return periods.map(
        (p): LedgerPeriod => ({
          name: `${p.name} ${p.year}`,
          start: p.start,
          end: p.end,
          // A status the app does not know is treated as not open: it stops the import with the period named.
          status: (PERIOD_STATUSES.has(p.status) ? p.status : "Closed") as LedgerPeriod["status"],
        }),
      );
    },
    async findJournalsByDescription(company, descriptions) {
      return (await journals.findByDescriptions(descriptions, company)).map(header);
    },
    async findJournalsByDocument(company, document, except) {
      return journals.journalsWithDocument(document, except, company);
    },
    async createHeader(company, h) {
      return header(await journals.createHeader({ dataAreaId: company, JournalName: h.journalName, Description: h.description }));
    },
    async getHeader(company, jbn) {
      const h = await journals.getHeader(jbn, company);
      return h ? header(h) : undefined;
    },
    async setDescription(company, jbn, description) {
      await journals.setDescription(jbn, description, company);
    },
    async listLines(company, jbn) {
      return (await journals.listLines(jbn, company)).map((l) => ({
        lineNumber: Number(l.LineNumber),
        date: String(l.TransDate ?? "").slice(0, 10),
        accountType: String(l.AccountType ?? "Ledger"),
        accountDisplayValue: String(l.AccountDisplayValue),
        text: String(l.Text ?? ""),
        debit: decimalOf(l.DebitAmount).toFixed(),
        credit: decimalOf(l.CreditAmount).toFixed(),
        currency: String(l.CurrencyCode),
        voucher: l.Voucher ? String(l.Voucher) : undefined,
        document: typeof l.Document === "string" ? l.Document : undefined,
      }));
    },
    async createLines(company, jbn, lines) {
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
        Voucher: voucherLabel(l),
      }));
      const outcome = await journals.createLines(jbn, rows, { company });
      if (outcome.failures.length) throw outcome.failures[0]!.error;
      return { created: outcome.created.length };
    },
    async deleteLines(company, jbn, lineNumbers) {
      await journals.deleteLines(jbn, lineNumbers, company);
    },
    ...(dmf
      ? {
          dmf: {
            async submit(input) {
              const rows = input.lines.map((l: JournalLine) => ({
                JOURNALNAME: input.journalName,
                DESCRIPTION: input.description,
                JOURNALBATCHNUMBER: input.placeholder,
                LINENUMBER: l.lineNumber,
                ACCOUNTTYPE: l.accountType,
                ACCOUNTDISPLAYVALUE: l.accountDisplayValue,
                TRANSDATE: l.date,
                VOUCHER: voucherLabel(l),
                CURRENCYCODE: l.currency,
                DEBITAMOUNT: l.debit,
                CREDITAMOUNT: l.credit,
                TEXT: l.text,
                DOCUMENT: l.document,
              }));
              const r = await dmf.submitPackage({
                entityName: "General journal",
                data: toCsv(GENERAL_JOURNAL_COLUMNS, rows),
                columns: GENERAL_JOURNAL_COLUMNS,
                definitionGroupId: input.definitionGroup,
                description: input.description,
                executionId: input.executionId,
                legalEntityId: input.company,
              });
              return { alreadySubmitted: r.alreadySubmitted };
            },
            status: (executionId) => dmf.getExecutionSummaryStatus(executionId),
            errors: (executionId) => dmf.getExecutionErrors(executionId),
          },
        }
      : {}),
  };
}
