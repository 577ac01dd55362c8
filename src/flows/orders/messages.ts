/**
 * The order import message (queue QUEUE_ORDER_IMPORT). Its messageId is the Amazon order id plus the
 * Amazon update that caused it, so Service Bus duplicate detection drops repeats of the same change while
 * a later change of the same order still gets through.
 */
import { z } from "zod";
import type { MessageBus, OutgoingMessage } from "../../platform/ports";
import { AmazonOrderIdSchema } from "./amazon-order";

export const OrderImportMessage = z.object({
  amazonOrderId: AmazonOrderIdSchema,
  /** Amazon's LastUpdateDate (catch-up) or the notification's change time. */
  lastUpdate: z.string().min(1).optional(),
  marketplaceId: z.string().optional(),
  source: z.enum(["notification", "catch-up", "sync", "backfill", "replay"]).optional(),
  force: z.boolean().optional(),
});
export type OrderImportMessage = z.infer<typeof OrderImportMessage>;

export function orderImportMessageId(amazonOrderId: string, lastUpdate: string | undefined, fallback: string): string {
  return `${amazonOrderId}@${lastUpdate ?? fallback}`.slice(0, 128);
}

export function toOrderImportMessage(msg: OrderImportMessage, fallbackStamp: string): OutgoingMessage {
  return {
    messageId: orderImportMessageId(msg.amazonOrderId, msg.lastUpdate, fallbackStamp),
    body: msg,
    subject: "order-import",
    applicationProperties: { amazonOrderId: msg.amazonOrderId, ...(msg.source ? { source: msg.source } : {}) },
  };
}

/**
 * An ORDER_CHANGE notification -> the import of that order, enqueued. Keyed by order id and change time (the
 * notification id when Amazon gives no time), so a repeat of the same change is dropped as a duplicate.
 */
export async function enqueueOrderChange(
  change: { amazonOrderId: string; changedAt?: string; marketplaceId?: string },
  notificationId: string,
  deps: { bus: MessageBus; queue: string },
): Promise<{ messageId: string }> {
  const message = toOrderImportMessage(
    {
      amazonOrderId: change.amazonOrderId,
      ...(change.changedAt ? { lastUpdate: change.changedAt } : {}),
      source: "notification",
      ...(change.marketplaceId ? { marketplaceId: change.marketplaceId } : {}),
    },
    notificationId,
  );
  await deps.bus.send(deps.queue, message);
  return { messageId: message.messageId };
}
