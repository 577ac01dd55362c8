/**
 * What `GET /api/products/{itemNumber}` answers: per marketplace, the seller SKU, ASIN and FNSKU, the app's
 * state and Amazon's status, the issues, the values last published, and the review item when there is one.
 */
import type { StateStore } from "../../platform/ports";
import { listItemRecords, type ListingRecord } from "./listing-records";
import type { ListingIssue } from "./model";
import { getReview } from "./review";

export interface ItemView {
  itemNumber: string;
  marketplaces: {
    marketplaceId: string;
    sellerSku: string;
    asin?: string;
    fnsku?: string;
    state: ListingRecord["state"];
    amazonStatus: string[];
    productType?: string;
    offerOnly: boolean;
    issues: ListingIssue[];
    lastPublished: Record<string, string>;
    publishedAt?: Date;
    checkedAt?: Date;
    review?: { reason: string; description: string; suggestion?: unknown; replay: string };
    crossrefSuggestion?: ListingRecord["crossrefSuggestion"];
  }[];
}

export async function itemView(state: StateStore, queue: string, itemNumber: string): Promise<ItemView | undefined> {
  const records = await listItemRecords(state, itemNumber);
  if (!records.length) return undefined;
  const marketplaces: ItemView["marketplaces"] = [];
  for (const r of records.sort((a, b) => a.marketplaceId.localeCompare(b.marketplaceId))) {
    const review = await getReview(state, queue, r.itemNumber, r.marketplaceId);
    marketplaces.push({
      marketplaceId: r.marketplaceId,
      sellerSku: r.sku,
      ...(r.asin ? { asin: r.asin } : {}),
      ...(r.fnsku ? { fnsku: r.fnsku } : {}),
      state: r.state,
      amazonStatus: r.amazonStatus,
      ...(r.productType ? { productType: r.productType } : {}),
      offerOnly: r.requirements === "LISTING_OFFER_ONLY",
      issues: r.issues,
      lastPublished: r.published,
      ...(r.publishedAt ? { publishedAt: r.publishedAt } : {}),
      ...(r.checkedAt ? { checkedAt: r.checkedAt } : {}),
      ...(review
        ? {
            review: {
              reason: review.reason,
              description: review.description,
              ...(review.suggestion !== undefined ? { suggestion: review.suggestion } : {}),
              replay: `/api/deadletters/${encodeURIComponent(queue)}/${encodeURIComponent(review.messageId)}/replay`,
            },
          }
        : {}),
      ...(r.crossrefSuggestion ? { crossrefSuggestion: r.crossrefSuggestion } : {}),
    });
  }
  return { itemNumber: records[0]!.itemNumber, marketplaces };
}
