/**
 * Use case: a listing change Amazon notified (LISTINGS_ITEM_STATUS_CHANGE, LISTINGS_ITEM_ISSUES_CHANGE), as
 * the router enqueued it on the products queue. A status change is written to the record as it is (no call);
 * issues that cleared (severities NONE) close the review item (no call); new or changed issues are read with
 * getListingsItem (one call) for Amazon's messages, and errors become a review item. A listing Amazon reports
 * DELETED is listed again by the next sync. A SKU the app never published is not the products flow's: it is
 * logged and left alone.
 */
import type { Clock } from "../../platform/clock";
import type { StateStore } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { itemOfSku, type ListingRecord, marketplacesOfSku, newRecord, updateListingRecord } from "./listing-records";
import type { ListingChangeMessage } from "./messages";
import type { AmazonListings } from "./ports";
import { closeReview, openReview } from "./review";

export interface ListingChangeDeps {
  amazon: Pick<AmazonListings, "getListing">;
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
  queue: string;
}

export interface ListingChangeOutcome {
  sku: string;
  updated: { itemNumber: string; marketplaceId: string; state: string; amazonStatus: string[]; errors: number }[];
  /** Not a listing the app published. */
  ignored?: boolean;
}

export async function applyListingChange(change: ListingChangeMessage, deps: ListingChangeDeps): Promise<ListingChangeOutcome> {
  const targets = change.marketplaceId
    ? await itemOfSku(deps.state, change.sku, change.marketplaceId).then((itemNumber) =>
        itemNumber ? [{ itemNumber, marketplaceId: change.marketplaceId! }] : [],
      )
    : await marketplacesOfSku(deps.state, change.sku);
  if (!targets.length) {
    deps.telemetry.log("info", "products.listingChange.notOurs", { sku: change.sku, marketplaceId: change.marketplaceId });
    return { sku: change.sku, updated: [], ignored: true };
  }
  const updated: ListingChangeOutcome["updated"] = [];
  for (const t of targets) {
    const cleared = change.severities?.length === 1 && change.severities[0] === "NONE";
    const needsRead = !!change.severities?.length && !cleared;
    const live = needsRead ? await deps.amazon.getListing(change.sku, t.marketplaceId) : undefined;
    const record = await updateListingRecord(
      deps.state,
      t,
      () => newRecord({ itemNumber: t.itemNumber, marketplaceId: t.marketplaceId, sku: change.sku, company: "" }),
      (r: ListingRecord) => {
        if (change.status) r.amazonStatus = change.status;
        // D365 is the source: a listing deleted on Amazon is listed again by the next sync (exclude the item in
        // products.json to stop selling it).
        if (change.status?.includes("DELETED")) {
          r.listed = false;
          delete r.planHash;
          r.state = "pending";
        }
        if (change.asin) r.asin = change.asin;
        // Issues without a source came from Amazon too.
        if (cleared) r.issues = r.issues.filter((i) => i.source !== undefined && i.source !== "amazon");
        if (live) {
          r.issues = live.issues;
          r.amazonStatus = live.status;
          if (live.asin) r.asin = live.asin;
          if (live.fnsku) r.fnsku = live.fnsku;
        } else if (needsRead) {
          // The notification said there are issues, but the listing is gone.
          r.listed = false;
        }
        r.checkedAt = deps.clock.now();
        if (r.state === "published" || r.state === "review")
          r.state = r.issues.some((i) => i.severity === "ERROR") ? "review" : "published";
      },
      deps.clock,
    );
    const errors = record.issues.filter((i) => i.severity === "ERROR");
    if (errors.length && record.lastAction !== "refused")
      await openReview(
        deps.state,
        deps.queue,
        { itemNumber: t.itemNumber, marketplaceId: t.marketplaceId, sku: record.sku, reason: "listing-issues", issues: record.issues },
        deps.clock,
        deps.telemetry,
      );
    else if (!errors.length && record.state === "published") await closeReview(deps.state, deps.queue, t.itemNumber, t.marketplaceId);
    updated.push({
      itemNumber: t.itemNumber,
      marketplaceId: t.marketplaceId,
      state: record.state,
      amazonStatus: record.amazonStatus,
      errors: errors.length,
    });
  }
  return { sku: change.sku, updated };
}
