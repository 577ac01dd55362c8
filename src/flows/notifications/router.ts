/**
 * Use case: route one notification from the notifications queue by its type.
 * - ORDER_CHANGE -> an order import message (QUEUE_ORDER_IMPORT) with messageId = AmazonOrderId@change time.
 * - every other type is logged and completed for now: its flow (inventory, MCF status, reports) subscribes
 *   here when it exists. Nothing is lost meanwhile, because every flow has a timer catch-up.
 */
import { z } from "zod";
import type { MessageBus } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { toOrderImportMessage } from "../orders/messages";

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
}

export type RouteResult = { routed: "order-import"; messageId: string; amazonOrderId: string } | { routed: "ignored"; notificationType: string };

function facts(n: RoutedNotification): { type: string; id: string; eventTime?: string; payload: unknown } {
  const r = n as Record<string, any>;
  if (typeof r.NotificationType === "string") return { type: r.NotificationType, id: String(r.NotificationMetadata.NotificationId), eventTime: r.EventTime, payload: r.Payload };
  return { type: String(r.notificationType), id: String(r.notificationMetadata.notificationId), eventTime: r.eventTime, payload: r.payload };
}

export async function routeNotification(n: RoutedNotification, deps: RouteDeps): Promise<RouteResult> {
  const { type, id, eventTime, payload } = facts(n);
  if (type === "ORDER_CHANGE") {
    const p = OrderChangePayload.parse(payload).OrderChangeNotification;
    const changedAt = p.OrderChangeTrigger?.TimeOfOrderChange ?? eventTime ?? undefined;
    const message = toOrderImportMessage(
      { amazonOrderId: p.AmazonOrderId, ...(changedAt ? { lastUpdate: changedAt } : {}), source: "notification", ...(p.Summary?.MarketplaceId ? { marketplaceId: p.Summary.MarketplaceId } : {}) },
      id,
    );
    await deps.bus.send(deps.orderImportQueue, message);
    return { routed: "order-import", messageId: message.messageId, amazonOrderId: p.AmazonOrderId };
  }
  deps.telemetry.log("info", "notification.notRouted", { notificationType: type, reason: "no flow subscribes to this type yet; completed" });
  return { routed: "ignored", notificationType: type };
}
