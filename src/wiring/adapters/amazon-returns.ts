/**
 * The returns flow's Amazon ports on the SP-API client (src/amazon): the returns reports (client.reports
 * request, getReport, getReportDocument + download), refunds (client.finances, Finances 2024-06-19
 * listTransactions) and MCF returns (client.mcf: the updated MCF orders, each read for its return items).
 * Amazon's shapes become the flow's model here and nowhere else.
 */
import type { SpApiClient } from "../../amazon/client";
import type { Refund } from "../../amazon/finances";
import { type McfOrder, mcfFromWire } from "../../amazon/mcf";
import { RETURNS_REPORT_TYPES } from "../../amazon/reports";
import { type AmazonReturn, type RefundEvent, type ReturnItem, returnKey, shortHash } from "../../flows/returns/model";
import type { AmazonRefunds, McfReturnsSource, ReturnsReports } from "../../flows/returns/ports";

type ReportsClient = Pick<SpApiClient, "reports" | "getReport" | "downloadReportDocument">;

export function spApiReturnsReports(amazon: ReportsClient): ReturnsReports {
  return {
    requestReport: (q) =>
      amazon.reports.request({
        reportType: RETURNS_REPORT_TYPES[q.kind],
        marketplaceIds: [q.marketplaceId],
        dataStartTime: q.from,
        dataEndTime: q.to,
      }),
    async reportStatus(reportId) {
      const r = await amazon.getReport(reportId);
      return { processingStatus: r.processingStatus, reportDocumentId: r.reportDocumentId };
    },
    async downloadReport(reportDocumentId) {
      // downloadReportDocument asks for the document's URL right before the download (it expires after 5
      // minutes) and decodes it (the charset Amazon names, else UTF-8 falling back to windows-1252).
      const doc = await amazon.downloadReportDocument(reportDocumentId);
      return Buffer.from(doc.text, "utf8");
    },
  };
}

/** A Refund of the connector as the flow's refund event. */
export function refundEvent(r: Refund): RefundEvent {
  const items = r.items.map((i) => ({
    ...(i.sku ? { sku: i.sku } : {}),
    ...(i.quantity !== undefined ? { quantity: i.quantity } : {}),
    refundedToBuyer: i.refundedToBuyer,
  }));
  // v0 adjustments have no id of their own: the order, the posting time and the SKUs identify them.
  const key = r.refundId ?? `${r.amazonOrderId}|${r.postedDate}|${shortHash(JSON.stringify(items), 12)}`;
  return {
    key,
    amazonOrderId: r.amazonOrderId,
    ...(r.marketplaceId ? { marketplaceId: r.marketplaceId } : {}),
    postedDate: r.postedDate,
    currency: r.currency,
    refundedToBuyer: r.refundedToBuyer,
    total: r.total,
    items,
  };
}

export function spApiRefunds(amazon: Pick<SpApiClient, "finances">): AmazonRefunds {
  return {
    // SP-API: without a marketplace id listTransactions answers for every marketplace of the region (and an
    // id would hide the US MFN orders).
    refunds: async (q) => (await amazon.finances.refunds({ postedAfter: q.postedAfter, postedBefore: q.postedBefore })).map(refundEvent),
  };
}

/**
 * MCF returns: Fulfillment Outbound has no listReturns for MCF orders, so the MCF orders updated since the time
 * are listed and each is read; its return items that Amazon received (status Processed) are returns. Return
 * items exist only in 2020-07-01 (2026-07-04 has no return operations): in 2026-07-04 mode the order is read
 * with 2020-07-01 for them.
 */
export function spApiMcfReturns(amazon: Pick<SpApiClient, "mcf">): McfReturnsSource {
  return {
    async returnsSince(since) {
      const out: AmazonReturn[] = [];
      for (const summary of await amazon.mcf.listUpdatedSince(since)) {
        const order =
          amazon.mcf.version === "2026-07-04"
            ? mcfFromWire.order2020(await amazon.mcf.getFulfillmentOrder2020(summary.sellerFulfillmentOrderId))
            : await amazon.mcf.get(summary.sellerFulfillmentOrderId);
        if (order) out.push(...mcfReturnsOf(order));
      }
      return out;
    },
  };
}

/** The received return items of an MCF order, one return per return authorization (else per item). */
export function mcfReturnsOf(order: McfOrder): AmazonReturn[] {
  const groups = new Map<string, AmazonReturn>();
  for (const x of order.returns) {
    if (x.status !== "Processed") continue; // New: authorised, the unit has not reached Amazon yet
    const returnId = x.returnAuthorizationId ?? x.sellerReturnItemId;
    const key = returnKey("MCF", order.sellerFulfillmentOrderId, returnId);
    const sku = order.items.find((i) => i.lineId === x.lineId)?.sku ?? x.lineId;
    let ret = groups.get(key);
    if (!ret) {
      ret = {
        key,
        channel: "MCF",
        amazonOrderId: order.sellerFulfillmentOrderId,
        returnId,
        ...(order.marketplaceId ? { marketplaceId: order.marketplaceId } : {}),
        returnDate: new Date(x.statusChangedAt).toISOString(),
        items: [],
      };
      groups.set(key, ret);
    }
    const item = ret.items.find((i) => i.sku === sku);
    if (item) item.quantity++;
    else {
      const next: ReturnItem = {
        sku,
        quantity: 1,
        reason: x.amazonReturnReasonCode ?? x.sellerReturnReasonCode,
        ...(x.receivedCondition ? { disposition: x.receivedCondition } : {}),
        amazonStatus: x.status,
        ...(x.fulfillmentCenterId ? { fulfillmentCenterId: x.fulfillmentCenterId } : {}),
      };
      ret.items.push(next);
    }
  }
  return [...groups.values()];
}
