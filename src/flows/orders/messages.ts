/**
 * The order import queue's messages (queue QUEUE_ORDER_IMPORT):
 * - one order: its id, the Amazon update that caused the message and, when the sender has it, what it
 *   knows about the order (`known`: a listing row or a notification summary), so the import fetches only
 *   what is missing;
 * - a bulk import: a reference to a blob holding many such orders (the catch-up or backfill found many at
 *   once; hand-over.ts), written to D365 in bulk.
 *
 * Message ids make Service Bus duplicate detection drop repeats of the same thing and nothing else:
 *   notification   <AmazonOrderId>@<TimeOfOrderChange>      (a repeat of the same change)
 *   catch-up       <AmazonOrderId>@<LastUpdateDate>#catch-up (the catch-up's overlap re-reads)
 *   sync           <AmazonOrderId>@<LastUpdateDate>#sync@<run>
 *   backfill, bulk <AmazonOrderId>@<LastUpdateDate>#backfill / bulk#<content hash>
 *   sweeper        <AmazonOrderId>#sweep@<ledger row's last write>
 * so a catch-up copy is never taken for a notification of the same update: when the notification's import
 * met another worker's lease and was lost, the catch-up copy still gets through.
 */
import { z } from "zod";
import { AMAZON_ORDER_STATUSES } from "../../mapping/order-statuses";
import type { Clock } from "../../platform/clock";
import type { MessageBus, OutgoingMessage } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { type AmazonOrder, AmazonOrderIdSchema, type KnownOrder } from "./amazon-order";
import type { OrderLedger } from "./ledger";

const Money = z.object({ amount: z.string().min(1), currency: z.string().optional() });

const AmazonOrderSchema = z.object({
  amazonOrderId: AmazonOrderIdSchema,
  status: z.enum(AMAZON_ORDER_STATUSES),
  purchaseDate: z.string().optional(),
  lastUpdate: z.string().min(1),
  marketplaceId: z.string().optional(),
  fulfillmentChannel: z.enum(["MFN", "AFN"]).optional(),
  salesChannel: z.string().optional(),
  orderTotal: Money.optional(),
  latestShipDate: z.string().optional(),
  latestDeliveryDate: z.string().optional(),
  // No buyer address on the queue: the country and region only (what the D365 order needs without the PII roles).
  shippingAddress: z.object({ countryCode: z.string().optional(), stateOrRegion: z.string().optional() }).strict().optional(),
});

const AmazonOrderItemSchema = z.object({
  orderItemId: z.string().min(1),
  sku: z.string().optional(),
  asin: z.string().optional(),
  title: z.string().optional(),
  quantityOrdered: z.number().int().nonnegative(),
  itemPrice: Money.optional(),
  itemTax: Money.optional(),
  promotionDiscount: Money.optional(),
  shippingPrice: Money.optional(),
  shippingDiscount: Money.optional(),
  giftWrapPrice: Money.optional(),
  taxCollectionModel: z.string().optional(),
});

export const KnownOrderSchema = z.object({
  from: z.enum(["listing", "notification"]),
  order: AmazonOrderSchema,
  items: z.array(AmazonOrderItemSchema).optional(),
});

export const ORDER_IMPORT_SOURCES = ["notification", "catch-up", "sync", "backfill", "replay", "sweep", "bulk"] as const;
export type OrderImportSource = (typeof ORDER_IMPORT_SOURCES)[number];

export const OrderImportMessage = z.object({
  amazonOrderId: AmazonOrderIdSchema,
  /** Amazon's LastUpdateDate (catch-up) or the notification's change time. */
  lastUpdate: z.string().min(1).optional(),
  marketplaceId: z.string().optional(),
  source: z.enum(ORDER_IMPORT_SOURCES).optional(),
  force: z.boolean().optional(),
  /** What the sender knows about the order (see KnownOrder); the import reads only what is missing. */
  known: KnownOrderSchema.optional(),
});
export type OrderImportMessage = z.infer<typeof OrderImportMessage>;

/** Many orders to import in bulk: the orders are in a blob (a message holds at most 256 KB). */
export const OrderBulkImportMessage = z
  .object({
    bulk: z.object({ container: z.string().min(1), name: z.string().min(1) }).strict(),
    /** How many orders the blob holds (for logs). */
    orders: z.number().int().nonnegative(),
    source: z.enum(ORDER_IMPORT_SOURCES).optional(),
  })
  .strict();
export type OrderBulkImportMessage = z.infer<typeof OrderBulkImportMessage>;

/** What the order import queue carries: one order or a bulk import. */
export const OrderImportQueueMessage = z.union([OrderBulkImportMessage, OrderImportMessage]);
export type OrderImportQueueMessage = z.infer<typeof OrderImportQueueMessage>;

/** The blob of a bulk import: the orders, each as its own import message would carry it. */
export const OrderBulkBlob = z.object({ orders: z.array(OrderImportMessage) });

export function isBulkMessage(m: OrderImportQueueMessage): m is OrderBulkImportMessage {
  return "bulk" in m;
}

/** The id of an order import message (see the header): notifications keep `<id>@<time>`, every other source adds its tag. */
export function orderImportMessageId(
  msg: Pick<OrderImportMessage, "amazonOrderId" | "lastUpdate" | "source">,
  fallback: string,
  tag?: string,
): string {
  const base = `${msg.amazonOrderId}@${msg.lastUpdate ?? fallback}`;
  const suffix = tag ?? (msg.source && msg.source !== "notification" ? msg.source : undefined);
  return (suffix ? `${base}#${suffix}` : base).slice(0, 128);
}

export function toOrderImportMessage(msg: OrderImportMessage, fallbackStamp: string, tag?: string): OutgoingMessage {
  return {
    messageId: orderImportMessageId(msg, fallbackStamp, tag),
    body: msg,
    subject: "order-import",
    applicationProperties: { amazonOrderId: msg.amazonOrderId, ...(msg.source ? { source: msg.source } : {}) },
  };
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** What a message may carry of a known order: the header without the buyer's address (country and region only), and the items. */
export function knownForMessage(known: KnownOrder): KnownOrder {
  const a = known.order.shippingAddress;
  const shipTo = a ? defined({ countryCode: a.countryCode, stateOrRegion: a.stateOrRegion }) : undefined;
  const order: AmazonOrder = defined({ ...known.order, shippingAddress: shipTo && Object.keys(shipTo).length ? shipTo : undefined });
  return defined({ from: known.from, order, items: known.items });
}

/** What an ORDER_CHANGE notification says (the notifications flow's validated OrderChange). */
export interface OrderChangeFacts {
  amazonOrderId: string;
  /** OrderChangeTrigger.TimeOfOrderChange, else the notification's EventTime. */
  changedAt?: string;
  marketplaceId?: string;
  /** The seller the notification is for. */
  sellerId?: string;
  /** Summary facts: status, purchase date, fulfillment channel, dates. */
  summary?: Pick<AmazonOrder, "status" | "purchaseDate" | "fulfillmentChannel" | "latestShipDate" | "latestDeliveryDate">;
}

export interface EnqueueOrderChangeDeps {
  bus: MessageBus;
  queue: string;
  /** Where the hand-over is recorded before the message is sent (a lost message is then re-enqueued by the sweeper). */
  ledger?: Pick<OrderLedger, "handOver">;
  clock?: Clock;
  telemetry?: Telemetry;
  /** The configured seller (SPAPI_SELLER_ID): a notification for another seller is dropped. */
  sellerId?: string;
  /** The configured marketplaces (SPAPI_MARKETPLACE_IDS): a notification for another marketplace is dropped. */
  marketplaceIds?: readonly string[];
}

export type EnqueueOrderChangeResult = { messageId: string } | { dropped: "other-seller" | "other-marketplace"; reason: string };

/**
 * An ORDER_CHANGE notification -> the import of that order, enqueued. Keyed by order id and change time (the
 * notification id when Amazon gives no time), so a repeat of the same change is dropped as a duplicate. The
 * summary travels as what is known of the order. A notification for another seller or for a marketplace the
 * app does not work in is dropped here (accepted and logged, so EventBridge does not retry it): it would only
 * cost a getOrder call that Amazon answers "not found" and a review item.
 */
export async function enqueueOrderChange(
  change: OrderChangeFacts,
  notificationId: string,
  deps: EnqueueOrderChangeDeps,
): Promise<EnqueueOrderChangeResult> {
  const drop = (dropped: "other-seller" | "other-marketplace", reason: string): EnqueueOrderChangeResult => {
    deps.telemetry?.log("info", "order.notificationDropped", {
      notificationId,
      amazonOrderId: change.amazonOrderId,
      marketplaceId: change.marketplaceId,
      reason: dropped,
    });
    return { dropped, reason };
  };
  if (deps.sellerId && change.sellerId && change.sellerId !== deps.sellerId)
    return drop("other-seller", `the notification is for seller ${change.sellerId}, not the configured SPAPI_SELLER_ID`);
  if (deps.marketplaceIds?.length && change.marketplaceId && !deps.marketplaceIds.includes(change.marketplaceId))
    return drop("other-marketplace", `marketplace ${change.marketplaceId} is not in SPAPI_MARKETPLACE_IDS`);

  const known: KnownOrder | undefined =
    change.summary && change.changedAt
      ? {
          from: "notification",
          order: defined({
            amazonOrderId: change.amazonOrderId,
            status: change.summary.status,
            purchaseDate: change.summary.purchaseDate,
            lastUpdate: change.changedAt,
            marketplaceId: change.marketplaceId,
            fulfillmentChannel: change.summary.fulfillmentChannel,
            latestShipDate: change.summary.latestShipDate,
            latestDeliveryDate: change.summary.latestDeliveryDate,
          }),
        }
      : undefined;
  const body: OrderImportMessage = {
    amazonOrderId: change.amazonOrderId,
    ...(change.changedAt ? { lastUpdate: change.changedAt } : {}),
    source: "notification",
    ...(change.marketplaceId ? { marketplaceId: change.marketplaceId } : {}),
    ...(known ? { known } : {}),
  };
  const message = toOrderImportMessage(body, notificationId);
  if (deps.ledger) {
    await deps.ledger.handOver(
      [{ amazonOrderId: change.amazonOrderId, lastUpdate: change.changedAt, marketplaceId: change.marketplaceId, source: "notification" }],
      deps.clock?.now() ?? new Date(),
    );
  }
  await deps.bus.send(deps.queue, message);
  return { messageId: message.messageId };
}
