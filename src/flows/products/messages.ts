/**
 * Messages of the products queue (QUEUE_PRODUCTS): a batch of items to publish (from a sync, a replayed
 * review item, or the admin), and a listing change Amazon notified. Bodies carry business keys only.
 *
 * A sync's batch message id is `products:<syncId>:<batch>`, so Service Bus duplicate detection drops a
 * batch sent twice; a listing change's is `listing:<sku>@<marketplace>@<event time>`, so the status and
 * issues notifications of one change (same event time) and their repeats make one refresh.
 */
import { z } from "zod";
import type { MessageBus, OutgoingMessage } from "../../platform/ports";

const ItemNumber = z.string().trim().min(1).max(20);
const MarketplaceId = z.string().regex(/^[A-Z0-9]{10,16}$/, { error: "an Amazon marketplace id" });

export const PublishMessage = z
  .object({
    kind: z.literal("publish"),
    itemNumbers: z.array(ItemNumber).min(1).max(100),
    marketplaceIds: z.array(MarketplaceId).min(1).optional(),
    /** Read these items' listings from Amazon again (stale records: the catch-up for lost notifications). */
    refreshItems: z.array(ItemNumber).optional(),
    /** Send again even when nothing changed (a replay after a fix, the admin's publish). */
    force: z.boolean().optional(),
    syncId: z.string().min(1).max(64).optional(),
    batch: z.number().int().min(0).optional(),
  })
  .strict();
export type PublishMessage = z.infer<typeof PublishMessage>;

export const ListingChangeMessage = z
  .object({
    kind: z.literal("listing-change"),
    sku: z.string().min(1).max(200),
    marketplaceId: MarketplaceId.optional(),
    asin: z.string().optional(),
    /** LISTINGS_ITEM_STATUS_CHANGE: the listing's status now. */
    status: z.array(z.string()).optional(),
    /** LISTINGS_ITEM_ISSUES_CHANGE: the severities of its issues now (["NONE"] when it has none). */
    severities: z.array(z.string()).optional(),
    changedAt: z.string().optional(),
  })
  .strict();
export type ListingChangeMessage = z.infer<typeof ListingChangeMessage>;

export const ProductsMessage = z.discriminatedUnion("kind", [PublishMessage, ListingChangeMessage]);
export type ProductsMessage = z.infer<typeof ProductsMessage>;

export function publishBatchMessage(msg: PublishMessage): OutgoingMessage {
  return {
    messageId:
      msg.syncId !== undefined ? `products:${msg.syncId}:${msg.batch ?? 0}` : `products:${msg.itemNumbers.join(",")}`.slice(0, 128),
    body: msg,
    subject: "product-publish",
    applicationProperties: { items: msg.itemNumbers.length, ...(msg.syncId ? { syncId: msg.syncId } : {}) },
  };
}

/** A LISTINGS_ITEM_STATUS_CHANGE or LISTINGS_ITEM_ISSUES_CHANGE -> a refresh of that listing, enqueued. */
export async function enqueueListingChange(
  change: Omit<ListingChangeMessage, "kind">,
  notificationId: string,
  deps: { bus: MessageBus; queue: string },
): Promise<{ messageId: string }> {
  const body: ListingChangeMessage = { kind: "listing-change", ...change };
  const messageId = `listing:${change.sku}@${change.marketplaceId ?? "all"}@${change.changedAt ?? notificationId}`.slice(0, 128);
  await deps.bus.send(deps.queue, { messageId, body, subject: "listing-change", applicationProperties: { sku: change.sku } });
  return { messageId };
}
