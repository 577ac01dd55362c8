/**
 * Review items of the fulfillment flow: problems a person must fix (an item without SKU, an address Amazon
 * refuses, a packing slip without carrier mapping), kept as parked messages of the fulfillment queue under a
 * stable id per order (or package), so a second trigger for the same order refreshes the one item instead of
 * adding another. The parked body is the request that looks at the order again; GET /api/deadletters lists
 * the items and POST /api/deadletters/{queue}/{id}/replay sends it after the fix. An order that later goes
 * through closes its item.
 */
import type { Clock } from "../../platform/clock";
import { type AppError, MappingGapError } from "../../platform/errors";
import { parkMessage, removeParked } from "../../platform/parked-messages";
import type { StateStore } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import type { FulfillmentRequest } from "./requests";

export interface ReviewDeps {
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
  /** The fulfillment queue (the review items are its parked messages). */
  queue: string;
}

export const mcfReviewId = (sellerFulfillmentOrderId: string) => `mcf:${sellerFulfillmentOrderId}`;
export const fbmReviewId = (amazonOrderId: string, packingSlipNumber: string) => `fbm:${amazonOrderId}:${packingSlipNumber}`;

export async function openReview(
  deps: ReviewDeps,
  item: {
    id: string;
    replay: FulfillmentRequest;
    reason: "validation" | "mapping-gap" | "amazon-refused" | "amazon-cannot-fulfil";
    error: AppError;
  },
): Promise<void> {
  await parkMessage(
    deps.state,
    {
      queue: deps.queue,
      messageId: item.id,
      body: item.replay,
      reason: item.reason,
      description: item.error.message,
      code: item.error.code,
      ...(item.error.where !== undefined ? { where: item.error.where } : {}),
      ...(item.error instanceof MappingGapError && item.error.suggestion !== undefined ? { suggestion: item.error.suggestion } : {}),
    },
    deps.clock,
  );
  deps.telemetry.event("fulfillment.needsAttention", { reviewId: item.id, reason: item.reason, code: item.error.code });
}

export async function closeReview(deps: ReviewDeps, id: string): Promise<void> {
  await removeParked(deps.state, deps.queue, id);
}
