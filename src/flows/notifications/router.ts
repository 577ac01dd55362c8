/**
 * Use case: route one notification from the notifications queue by its type.
 * - ORDER_CHANGE -> an order import message (QUEUE_ORDER_IMPORT) with messageId = AmazonOrderId@change time.
 * - REPORT_PROCESSING_FINISHED for a settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2, DONE) ->
 *   the settlement import of that report, once per report id (the settlements flow's startReportImportOnce,
 *   the same start the poller makes); other report types and statuses are logged and completed.
 * - every other type is logged and completed for now: its flow (inventory, MCF status) subscribes here when
 *   it exists. Nothing is lost meanwhile, because every flow has a timer catch-up.
 */
import { z } from "zod";
import type { MessageBus } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { toOrderImportMessage } from "../orders/messages";
import { settlementReportFromNotification } from "../settlements/start";

export const RoutedNotification = z.union([
  z.looseObject({
    NotificationType: z.string().min(1),
    EventTime: z.string().optional(),
    Payload: z.looseObject({}),
    NotificationMetadata: z.looseObject({ NotificationId: z.string().min(1) }),
  }),
  z.looseObject({
    notificationType: z.string().min(1),
    eventTime: z.string().optional(),
    payload: z.looseObject({}),
    notificationMetadata: z.looseObject({ notificationId: z.string().min(1) }),
  }),
]);
export type RoutedNotification = z.infer<typeof RoutedNotification>;

const OrderChangePayload = z.looseObject({
  OrderChangeNotification: z.looseObject({
    AmazonOrderId: z.string().min(1),
    OrderChangeTrigger: z.looseObject({ TimeOfOrderChange: z.string().nullable().optional() }).optional(),
    Summary: z.looseObject({ MarketplaceId: z.string().optional() }).optional(),
  }),
});

export interface RouteDeps {
  bus: MessageBus;
  orderImportQueue: string;
  telemetry: Telemetry;
  /**
   * Starts the import of a finished settlement report once per report id (the function file binds the
   * settlements flow's startReportImportOnce to the Durable client); undefined when it was seen before.
   * Without it settlement report notifications are logged and completed (the poller imports them).
   */
  startSettlementReport?: (reportId: string) => Promise<{ settlementId: string; instanceId: string; started: boolean } | undefined>;
}

export type RouteResult =
  | { routed: "order-import"; messageId: string; amazonOrderId: string }
  | { routed: "settlement-import"; reportId: string; settlementId?: string; instanceId?: string; started: boolean }
  | { routed: "ignored"; notificationType: string; reportType?: string };

function facts(n: RoutedNotification): { type: string; id: string; eventTime?: string; payload: unknown } {
  const r = n as Record<string, any>;
  if (typeof r.NotificationType === "string")
    return { type: r.NotificationType, id: String(r.NotificationMetadata.NotificationId), eventTime: r.EventTime, payload: r.Payload };
  return {
    type: String(r.notificationType),
    id: String(r.notificationMetadata.notificationId),
    eventTime: r.eventTime,
    payload: r.payload,
  };
}

function reportTypeOf(payload: unknown): string | undefined {
  const n = (payload as { reportProcessingFinishedNotification?: { reportType?: unknown } } | undefined)
    ?.reportProcessingFinishedNotification;
  return typeof n?.reportType === "string" ? n.reportType : undefined;
}

export async function routeNotification(n: RoutedNotification, deps: RouteDeps): Promise<RouteResult> {
  const { type, id, eventTime, payload } = facts(n);
  if (type === "ORDER_CHANGE") {
    const p = OrderChangePayload.parse(payload).OrderChangeNotification;
    const changedAt = p.OrderChangeTrigger?.TimeOfOrderChange ?? eventTime ?? undefined;
    const message = toOrderImportMessage(
      {
        amazonOrderId: p.AmazonOrderId,
        ...(changedAt ? { lastUpdate: changedAt } : {}),
        source: "notification",
        ...(p.Summary?.MarketplaceId ? { marketplaceId: p.Summary.MarketplaceId } : {}),
      },
      id,
    );
    await deps.bus.send(deps.orderImportQueue, message);
    return { routed: "order-import", messageId: message.messageId, amazonOrderId: p.AmazonOrderId };
  }
  if (type === "REPORT_PROCESSING_FINISHED") {
    const reportId = settlementReportFromNotification(payload);
    if (reportId && deps.startSettlementReport) {
      const outcome = await deps.startSettlementReport(reportId);
      deps.telemetry.log("info", "notification.settlementReport", {
        notificationId: id,
        reportId,
        started: outcome?.started ?? false,
        seenBefore: !outcome,
      });
      return outcome
        ? {
            routed: "settlement-import",
            reportId,
            settlementId: outcome.settlementId,
            instanceId: outcome.instanceId,
            started: outcome.started,
          }
        : { routed: "settlement-import", reportId, started: false };
    }
    const reportType = reportTypeOf(payload);
    deps.telemetry.log("info", "notification.notRouted", {
      notificationType: type,
      reportType,
      reason: reportId ? "no settlement starter configured; completed" : "not a finished settlement report; completed",
    });
    return { routed: "ignored", notificationType: type, ...(reportType ? { reportType } : {}) };
  }
  deps.telemetry.log("info", "notification.notRouted", {
    notificationType: type,
    reason: "no flow subscribes to this type yet; completed",
  });
  return { routed: "ignored", notificationType: type };
}
