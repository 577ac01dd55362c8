/**
 * Use case: one message of the products queue. A publish batch publishes its items (publish.ts) and is
 * recorded as a run of "products-publish" and as a handled batch of its sync; a listing change updates that
 * listing's record (listing-changes.ts).
 */
import { recordRun } from "../../platform/run-records";
import { type ListingChangeDeps, type ListingChangeOutcome, applyListingChange } from "./listing-changes";
import type { ProductsMessage } from "./messages";
import { type PublishDeps, type PublishOutcome, publishProducts } from "./publish";
import { recordSyncBatch } from "./sync-records";

export const PUBLISH_FLOW = "products-publish";

export type ProductsMessageOutcome =
  | { kind: "publish"; outcome: PublishOutcome }
  | { kind: "listing-change"; outcome: ListingChangeOutcome };

export async function handleProductsMessage(msg: ProductsMessage, deps: PublishDeps & ListingChangeDeps): Promise<ProductsMessageOutcome> {
  if (msg.kind === "listing-change") return { kind: "listing-change", outcome: await applyListingChange(msg, deps) };
  const startedAt = deps.clock.now();
  const outcome = await publishProducts(
    {
      itemNumbers: msg.itemNumbers,
      ...(msg.marketplaceIds ? { marketplaceIds: msg.marketplaceIds } : {}),
      ...(msg.refreshItems ? { refreshItems: msg.refreshItems } : {}),
      ...(msg.force ? { force: true } : {}),
    },
    deps,
  );
  await recordRun(deps.state, {
    flow: PUBLISH_FLOW,
    startedAt,
    finishedAt: deps.clock.now(),
    outcome: "succeeded",
    counts: outcome.counts,
  });
  if (msg.syncId !== undefined) await recordSyncBatch(deps.state, msg.syncId, msg.batch ?? 0, outcome.counts, deps.clock.now());
  deps.telemetry.log("info", "products.published", { items: msg.itemNumbers.length, counts: outcome.counts, syncId: msg.syncId });
  return { kind: "publish", outcome };
}
