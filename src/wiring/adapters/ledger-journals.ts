/**
 * The settlement flow's LedgerJournalsPort on the D365 connector (src/d365): general journals through
 * LedgerJournalHeaders / LedgerJournalLines (OData, $batch), or one DMF "General journal" package.
 */
import { toCsv } from "../../d365/csv";
import type { D365Dmf } from "../../d365/dmf";
import { decimalOf, type LedgerJournals, type NewLedgerJournalLine } from "../../d365/entities";
import { type JournalLine, voucherLabel } from "../../flows/settlements/journal";
import type { LedgerJournalsPort } from "../../flows/settlements/ports";

/**
 * Columns of the DMF "General journal" data file (the set-based LedgerJournalEntity, which has no public OData
 * entity set). JOURNALBATCHNUMBER and VOUCHER are placeholders that DMF groups lines by.
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

export function d365LedgerJournals(journals: LedgerJournals, dmf?: { client: D365Dmf; company: string }): LedgerJournalsPort {
  return {
    ...(dmf
      ? {
          async importJournalViaDmf(input: { journalName: string; description: string; definitionGroup: string; lines: JournalLine[] }) {
            // JOURNALBATCHNUMBER and VOUCHER are placeholders: DMF groups the lines into one new journal.
            const rows = input.lines.map((l) => ({
              JOURNALNAME: input.journalName,
              DESCRIPTION: input.description,
              JOURNALBATCHNUMBER: "1",
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
        accountDisplayValue: String(l.AccountDisplayValue),
        debit: decimalOf(l.DebitAmount).toFixed(),
        credit: decimalOf(l.CreditAmount).toFixed(),
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
