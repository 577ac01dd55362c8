/**
 * Requested reports end to end: createReport → poll getReport → getReportDocument → download (gunzip, decode
 * UTF-8 or windows-1252, as every report). Used for the returns reports; parsing stays with the flow.
 *
 * Returns reports (columns in docs/spapi.md):
 * - FBA customer returns `GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA` — one row per returned unit group,
 *   keyed by order id + license plate number; column 2 is `order-id` (some Seller Central pages say
 *   `amazon-order-id`: map columns by header name and accept both).
 * - FBM (seller-fulfilled) returns `GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE` — by return *request* date,
 *   keyed by Amazon RMA ID + Merchant SKU. (Its XML twin is GET_XML_RETURNS_DATA_BY_RETURN_DATE.)
 *
 * Quotas: createReport and getReportDocument ~1 call a minute (burst 15), getReport 2/s. A report Amazon
 * CANCELLED has no data for the window (that is not an error); FATAL is.
 */
import { UnavailableError, ValidationError } from "../platform/errors";
import type { SpApiContext } from "./context";
import { isoDate } from "./context";
import type { DownloadedDocument } from "./documents";
import * as S from "./schemas";

export const RETURNS_REPORT_TYPES = {
  /** FBA customer returns (TSV). */
  fba: "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
  /** Seller-fulfilled (FBM) returns by return request date (TSV). */
  fbm: "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
} as const;

/** Header of the FBA customer returns report, in Amazon's documented order. */
export const FBA_RETURNS_COLUMNS = [
  "return-date",
  "order-id",
  "sku",
  "asin",
  "fnsku",
  "product-name",
  "quantity",
  "fulfillment-center-id",
  "detailed-disposition",
  "reason",
  "status",
  "license-plate-number",
  "customer-comments",
] as const;

/** Header of the FBM returns report (names with spaces and mixed case, as Amazon writes them). */
export const FBM_RETURNS_COLUMNS = [
  "Order ID",
  "Order date",
  "Return request date",
  "Return request status",
  "Amazon RMA ID",
  "Merchant RMA ID",
  "Label type",
  "Label cost",
  "Currency code",
  "Return carrier",
  "Tracking ID",
  "Label to be paid by",
  "A-to-Z Claim",
  "Is prime",
  "ASIN",
  "Merchant SKU",
  "Item Name",
  "Return quantity",
  "Return Reason",
  "In policy",
  "Return type",
  "Resolution",
  "Invoice number",
  "Return delivery date",
  "Order Amount",
  "Order quantity",
  "SafeT Action reason",
  "SafeT claim id",
  "SafeT claim state",
  "SafeT claim creation time",
  "SafeT claim reimbursement amount",
  "Refunded Amount",
] as const;

export interface ReportRequest {
  reportType: string;
  marketplaceIds: string[];
  dataStartTime?: Date | string;
  dataEndTime?: Date | string;
  reportOptions?: Record<string, string>;
}

export interface FetchedReport {
  reportId: string;
  reportType: string;
  /** DONE with a document, or NO_DATA when Amazon cancelled the report (nothing in the window). */
  status: "DONE" | "NO_DATA";
  reportDocumentId?: string;
  document?: DownloadedDocument;
}

export class ReportsApi {
  constructor(private readonly ctx: SpApiContext) {}

  /** Requests a report and returns its id (poll it with `fetch(reportId)` or wait for REPORT_PROCESSING_FINISHED). */
  async request(r: ReportRequest): Promise<string> {
    if (!r.marketplaceIds.length) throw new ValidationError("spapi.invalidInput", "a report needs at least one marketplace id");
    const res = await this.ctx.call("createReport", S.CreateReportResponse, {
      body: {
        reportType: r.reportType,
        marketplaceIds: r.marketplaceIds,
        ...(r.dataStartTime ? { dataStartTime: isoDate(r.dataStartTime) } : {}),
        ...(r.dataEndTime ? { dataEndTime: isoDate(r.dataEndTime) } : {}),
        ...(r.reportOptions ? { reportOptions: r.reportOptions } : {}),
      },
    });
    return res.reportId;
  }

  /**
   * Waits until the report is finished and downloads its document right away (the URL lives 5 minutes).
   * CANCELLED → NO_DATA; FATAL → ValidationError.
   */
  async fetch(reportId: string, poll: { intervalMs?: number; timeoutMs?: number } = {}): Promise<FetchedReport> {
    const interval = poll.intervalMs ?? 30_000;
    const deadline = this.ctx.clock.now().getTime() + (poll.timeoutMs ?? 45 * 60_000);
    for (;;) {
      const r = await this.ctx.call("getReport", S.Report, { path: { reportId } });
      if (r.processingStatus === "DONE") {
        if (!r.reportDocumentId) return { reportId, reportType: r.reportType, status: "NO_DATA" };
        const ref = await this.ctx.call("getReportDocument", S.ReportDocument, { path: { reportDocumentId: r.reportDocumentId } });
        return {
          reportId,
          reportType: r.reportType,
          status: "DONE",
          reportDocumentId: r.reportDocumentId,
          document: await this.ctx.download(ref),
        };
      }
      if (r.processingStatus === "CANCELLED") return { reportId, reportType: r.reportType, status: "NO_DATA" };
      if (r.processingStatus === "FATAL")
        throw new ValidationError("spapi.reportFailed", `report ${reportId} (${r.reportType}) ended FATAL`, { details: { reportId } });
      if (this.ctx.clock.now().getTime() + interval > deadline)
        throw new UnavailableError("spapi.reportTimeout", `report ${reportId} is still ${r.processingStatus}`);
      await this.ctx.clock.sleep(interval);
    }
  }

  /** request + fetch. */
  async requestAndFetch(r: ReportRequest, poll: { intervalMs?: number; timeoutMs?: number } = {}): Promise<FetchedReport> {
    return this.fetch(await this.request(r), poll);
  }
}
