/**
 * Use case: route one notification from the notifications queue by its type, to the targets the wiring
 * gives it (the router knows no other flow):
 * - ORDER_CHANGE -> the orders flow enqueues an order import (messageId = AmazonOrderId@change time), or
 *   drops a notification that is not for this app (another seller, a marketplace it does not work in).
 * - REPORT_PROCESSING_FINISHED of a report a flow imports (a settlement report that finished DONE) -> that
 *   flow starts its import, once per report id (the settlements flow's startReportImportOnce, the same start
 *   the poller makes); other report types and statuses are logged and completed.
 * - FULFILLMENT_ORDER_STATUS / FBA_OUTBOUND_SHIPMENT_STATUS of an MCF order the app sent -> the fulfillment
 *   flow follows that order (reads it from Amazon again); other MCF orders are completed.
 * - FBA_INVENTORY_AVAILABILITY_CHANGES -> the inventory flow refreshes that SKU's FBA comparison (one target call
 *   per marketplace the notification lists); FEED_PROCESSING_FINISHED -> the inventory flow finishes its quantity
 *   feed (feeds it does not know are left alone).
 * - LISTINGS_ITEM_STATUS_CHANGE / LISTINGS_ITEM_ISSUES_CHANGE -> the products flow refreshes that listing's record
 *   (its status, its issues as review items), on the products queue.
 * - every other type is logged and completed. Nothing is lost meanwhile, because every flow has a timer catch-up.
 */
import type { Telemetry } from "../../platform/telemetry";
import type {
  FbaInventoryChange,
  FinishedFeed,
  FinishedReport,
  FulfillmentOrderChange,
  ListingChange,
  Notification,
  OrderChange,
} from "./validate";

/** Where each kind of notification goes; built by the wiring from the flows. */
export interface NotificationTargets {
  /** ORDER_CHANGE: enqueue the changed order's import; answers the import message's id, or why it was dropped. */
  orderChanged(change: OrderChange, notificationId: string): Promise<{ messageId: string } | { dropped: string; reason: string }>;
  /**
   * A finished report the settlements flow imports: `accepts` says whether it is one (a settlement report,
   * DONE), `start` starts its import once per report id (undefined when the report was seen before).
   * Absent: report notifications are logged and completed (the poller imports the reports).
   */
  settlementReport?: {
    accepts(report: FinishedReport): boolean;
    start(reportId: string): Promise<{ settlementId: string; instanceId: string; started: boolean } | undefined>;
  };
  /**
   * An MCF order changed at Amazon: the fulfillment flow follows it; undefined when the app did not send that
   * order. Absent: completed (the MCF monitor follows the orders anyway).
   */
  fulfillmentOrderChanged?(change: FulfillmentOrderChange, notificationId: string): Promise<{ messageId: string } | undefined>;
  /** FBA_INVENTORY_AVAILABILITY_CHANGES: refresh the SKU's FBA comparison; answers what it did per marketplace. */
  fbaInventoryChanged?(change: FbaInventoryChange, notificationId: string): Promise<unknown[]>;
  /** FEED_PROCESSING_FINISHED: finish the feed if a flow waits for it; undefined when none does. */
  feedFinished?(feed: FinishedFeed, notificationId: string): Promise<unknown>;
}

/** Absent: listing notifications are logged and completed (the products sync reads stale listings again). */
export interface ListingTargets {
  listingChanged?(change: ListingChange, notificationId: string): Promise<{ messageId: string }>;
}

export interface RouteDeps {
  targets: NotificationTargets & ListingTargets;
  telemetry: Telemetry;
}

export type RouteResult =
  | { routed: "order-import"; messageId: string; amazonOrderId: string }
  | { routed: "dropped"; notificationType: string; amazonOrderId: string; reason: string }
  | { routed: "settlement-import"; reportId: string; settlementId?: string; instanceId?: string; started: boolean }
  | { routed: "fulfillment"; sellerFulfillmentOrderId: string; messageId?: string }
  | { routed: "fba-inventory"; sellerSku: string; outcomes: unknown[] }
  | { routed: "feed-finished"; feedId: string; outcome: unknown }
  | { routed: "listing-refresh"; messageId: string; sku: string }
  | { routed: "ignored"; notificationType: string; reportType?: string };

export async function routeNotification(n: Notification, deps: RouteDeps): Promise<RouteResult> {
  if (n.kind === "order-change") {
    const out = await deps.targets.orderChanged(n.orderChange, n.notificationId);
    if ("dropped" in out)
      return { routed: "dropped", notificationType: n.notificationType, amazonOrderId: n.orderChange.amazonOrderId, reason: out.reason };
    return { routed: "order-import", messageId: out.messageId, amazonOrderId: n.orderChange.amazonOrderId };
  }
  if (n.kind === "report-finished") {
    const { report } = n;
    const settlements = deps.targets.settlementReport;
    if (settlements?.accepts(report)) {
      const outcome = await settlements.start(report.reportId);
      deps.telemetry.log("info", "notification.settlementReport", {
        notificationId: n.notificationId,
        reportId: report.reportId,
        started: outcome?.started ?? false,
        seenBefore: !outcome,
      });
      return outcome
        ? {
            routed: "settlement-import",
            reportId: report.reportId,
            settlementId: outcome.settlementId,
            instanceId: outcome.instanceId,
            started: outcome.started,
          }
        : { routed: "settlement-import", reportId: report.reportId, started: false };
    }
    deps.telemetry.log("info", "notification.notRouted", {
      notificationType: n.notificationType,
      reportType: report.reportType,
      reason: settlements ? "not a finished settlement report; completed" : "no settlement import configured; completed",
    });
    return { routed: "ignored", notificationType: n.notificationType, reportType: report.reportType };
  }
  if (n.kind === "fulfillment-order" && deps.targets.fulfillmentOrderChanged) {
    const outcome = await deps.targets.fulfillmentOrderChanged(n.fulfillmentOrder, n.notificationId);
    return {
      routed: "fulfillment",
      sellerFulfillmentOrderId: n.fulfillmentOrder.sellerFulfillmentOrderId,
      ...(outcome ? { messageId: outcome.messageId } : {}),
    };
  }
  if (n.kind === "fba-inventory-changed" && deps.targets.fbaInventoryChanged) {
    const outcomes = await deps.targets.fbaInventoryChanged(n.change, n.notificationId);
    return { routed: "fba-inventory", sellerSku: n.change.sellerSku, outcomes };
  }
  if (n.kind === "feed-finished" && deps.targets.feedFinished) {
    const outcome = await deps.targets.feedFinished(n.feed, n.notificationId);
    return { routed: "feed-finished", feedId: n.feed.feedId, outcome: outcome ?? "not a feed the app waits for" };
  }
  if (n.kind === "listing-change" && deps.targets.listingChanged) {
    const { messageId } = await deps.targets.listingChanged(n.listingChange, n.notificationId);
    return { routed: "listing-refresh", messageId, sku: n.listingChange.sku };
  }
  deps.telemetry.log("info", "notification.notRouted", {
    notificationType: n.notificationType,
    reason: "no flow subscribes to this type yet; completed",
  });
  return { routed: "ignored", notificationType: n.notificationType };
}
