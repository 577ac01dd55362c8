/** The orders flow's AmazonReports port (the backfill's order report) on the SP-API client (src/amazon). */
import type { SpApiClient } from "../../amazon/client";
import type { AmazonReports } from "../../flows/orders/ports";

type ReportsApi = Pick<SpApiClient, "createReport" | "getReport" | "downloadReportDocument">;

export function spApiReports(amazon: ReportsApi): AmazonReports {
  return {
    requestReport: (q) =>
      amazon.createReport({ reportType: q.reportType, marketplaceIds: q.marketplaceIds, dataStartTime: q.from, dataEndTime: q.to }),
    async reportStatus(reportId) {
      const r = await amazon.getReport(reportId);
      return { processingStatus: r.processingStatus, reportDocumentId: r.reportDocumentId };
    },
    // downloadReportDocument calls getReportDocument right before the download: its URL expires after 5 minutes.
    downloadReport: async (reportDocumentId) => (await amazon.downloadReportDocument(reportDocumentId)).text,
  };
}
