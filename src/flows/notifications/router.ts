/**
 * Use case: route one notification from the notifications queue by its type, to the targets the wiring
 * gives it (the router knows no other flow):
 * - ORDER_CHANGE -> the orders flow enqueues an order import (messageId = AmazonOrderId@change time).
 * - REPORT_PROCESSING_FINISHED of a report a flow imports (a settlement report that finished DONE) -> that
 *   flow starts its import, once per report id (the settlements flow's startReportImportOnce, the same start
 *   the poller makes); other report types and statuses are logged and completed.
 * - LISTINGS_ITEM_STATUS_CHANGE / LISTINGS_ITEM_ISSUES_CHANGE -> the products flow refreshes that listing's record
 *   (its status, its issues as review items), on the products queue.
 * - every other type is logged and completed for now: its flow (inventory, MCF status) gets a target here
 *   when it exists. Nothing is lost meanwhile, because every flow has a timer catch-up.
 */
import type { Telemetry } from "../../platform/telemetry";
import type { FinishedReport, ListingChange, Notification, OrderChange } from "./validate";

/** Where each kind of notification goes; built by the wiring from the flows. */
export interface NotificationTargets {
  /** ORDER_CHANGE: enqueue the changed order's import; answers the import message's id. */
  orderChanged(change: OrderChange, notificationId: string): Promise<{ messageId: string }>;
  /**
   * A finished report the settlements flow imports: `accepts` says whether it is one (a settlement report,
   * DONE), `start` starts its import once per report id (undefined when the report was seen before).
   * Absent: report notifications are logged and completed (the poller imports the reports).
   */
  settlementReport?: {
    accepts(report: FinishedReport): boolean;
    start(reportId: string): Promise<{ settlementId: string; instanceId: string; started: boolean } | undefined>;
  };
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
  | { routed: "settlement-import"; reportId: string; settlementId?: string; instanceId?: string; started: boolean }
  | { routed: "listing-refresh"; messageId: string; sku: string }
  | { routed: "ignored"; notificationType: string; reportType?: string };

export async function routeNotification(n: Notification, deps: RouteDeps): Promise<RouteResult> {
  if (n.kind === "order-change") {
    const { messageId } = await deps.targets.orderChanged(n.orderChange, n.notificationId);
    return { routed: "order-import", messageId, amazonOrderId: n.orderChange.amazonOrderId };
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
