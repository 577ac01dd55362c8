/**
 * The inventory flow's AmazonFbmQuantities on the SP-API connector: patchListingsItem of fulfillment_availability
 * (channel DEFAULT) for a few SKUs, JSON_LISTINGS_FEED for many, and the feed's processing report matched back to
 * its SKUs.
 *
 * The patch op is `merge`: Amazon then keeps the fulfillment_availability sub-fields it is not sent (the handling
 * time and restock date the seller set in Seller Central); `replace` would drop them (JSON patch merge, SP-API
 * changelog of June 2025). With a lead time in inventory.json it is sent and merged as well.
 */
import { type AmazonApi, quantityMessages } from "../../amazon/index";
import type { AmazonFbmQuantities, AmazonIssue, FeedOutcome, QuantityResult, QuantityUpdate } from "../../flows/inventory/ports";

function issuesOf(list: { code: string; message: string; severity: string }[] | undefined): AmazonIssue[] {
  return (list ?? []).map((i) => ({
    code: i.code,
    message: i.message,
    severity: i.severity === "ERROR" || i.severity === "WARNING" ? i.severity : "INFO",
  }));
}

function messagesOf(updates: readonly QuantityUpdate[]) {
  return quantityMessages(
    updates.map((u) => ({
      sku: u.sellerSku,
      quantity: u.quantity,
      productType: u.productType,
      ...(u.leadTimeToShipMaxDays !== undefined ? { leadTimeToShipMaxDays: u.leadTimeToShipMaxDays } : {}),
    })),
    "merge",
  );
}

export class SpApiFbmQuantities implements AmazonFbmQuantities {
  constructor(private readonly client: Pick<AmazonApi, "listings" | "listingsFeed">) {}

  async patch(marketplaceId: string, u: QuantityUpdate, options: { preview?: boolean } = {}): Promise<QuantityResult> {
    const r = await this.client.listings.setFulfillmentQuantity(u.sellerSku, {
      marketplaceId,
      quantity: u.quantity,
      productType: u.productType,
      op: "merge",
      ...(options.preview ? { mode: "VALIDATION_PREVIEW" as const } : {}),
      ...(u.leadTimeToShipMaxDays !== undefined ? { leadTimeToShipMaxDays: u.leadTimeToShipMaxDays } : {}),
    });
    const issues = issuesOf(r.issues);
    const ok = options.preview ? r.status === "VALID" : r.status === "ACCEPTED";
    return { sellerSku: u.sellerSku, accepted: ok && !issues.some((i) => i.severity === "ERROR"), issues };
  }

  async submitFeed(marketplaceId: string, updates: readonly QuantityUpdate[]): Promise<string> {
    return this.client.listingsFeed.submit(messagesOf(updates), [marketplaceId]);
  }

  async feedOutcome(feedId: string, updates: readonly QuantityUpdate[]): Promise<FeedOutcome | undefined> {
    const feed = await this.client.listingsFeed.status(feedId);
    if (feed.processingStatus !== "DONE" && feed.processingStatus !== "FATAL" && feed.processingStatus !== "CANCELLED") return undefined;
    const messages = messagesOf(updates);
    const outcome = await this.client.listingsFeed.report(feed, messages);
    const status = outcome.processingStatus;
    if (status !== "DONE") {
      const reason = outcome.report?.issues.map((i) => `${i.code} ${i.message}`).join("; ");
      return { feedId, status, results: [], ...(reason ? { error: reason } : {}) };
    }
    return {
      feedId,
      status,
      results: outcome.messages.map((m) => ({ sellerSku: m.sku, accepted: m.accepted, issues: issuesOf(m.issues) })),
    };
  }
}
