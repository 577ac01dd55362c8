/**
 * The settlement flow's SettlementReports port on the SP-API client (src/amazon): list the settlement
 * reports Amazon scheduled, download one just in time.
 */
import type { SpApiClient } from "../../amazon/client";
import { NotFoundError } from "../../platform/errors";
import type { SettlementReports } from "../../flows/settlements/ports";
import { SETTLEMENT_REPORT_TYPE } from "../../flows/settlements/import-settlement";

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
      // A report without a document (CANCELLED, FATAL) will not get one: not worth a retry.
      if (!report.reportDocumentId)
        throw new NotFoundError("settlement.report-no-document", `report ${reportId} has no document (status ${report.processingStatus})`);
      // getReportDocument is called right before the download: its URL expires after 5 minutes.
      const doc = await amazon.downloadReportDocument(report.reportDocumentId);
      return Buffer.from(doc.text, "utf8");
    },
  };
}
