/**
 * Review items of the products flow: a listing that cannot be published as the mapping and D365 make it
 * (Amazon refuses it, the product type requires an attribute the template does not fill, there is no price),
 * or whose live listing Amazon reports with errors. Each is a parked message on the products queue, one per
 * item and marketplace (`product:<item>@<marketplace>`), listed by GET /api/deadletters with Amazon's own
 * messages and a suggested fix; its body publishes that item in that marketplace again, so after the fix
 * (in D365, in products.json, or on Amazon) POST /api/deadletters/{queue}/{messageId}/replay retries it. It
 * disappears by itself when the listing is published or its errors clear.
 */
import type { Clock } from "../../platform/clock";
import { getParked, parkMessage, removeParked, type ParkedMessage } from "../../platform/parked-messages";
import type { StateStore } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import type { PublishMessage } from "./messages";
import type { ListingIssue } from "./model";

export type ReviewReason = "listing-invalid" | "listing-issues" | "needs-mapping";

export function reviewId(itemNumber: string, marketplaceId: string): string {
  return `product:${itemNumber}@${marketplaceId}`;
}

export interface ReviewInput {
  itemNumber: string;
  marketplaceId: string;
  sku: string;
  reason: ReviewReason;
  issues: ListingIssue[];
  /** What the admin could change (a template entry, a D365 record). */
  suggestion?: unknown;
}

function describeIssues(issues: ListingIssue[]): string {
  return issues
    .filter((i) => i.severity === "ERROR")
    .slice(0, 8)
    .map((i) => `${i.source === "amazon" || !i.source ? `Amazon ${i.code}` : i.code}: ${i.message}`)
    .join("; ");
}

const WHAT: Record<Exclude<ReviewReason, "needs-mapping">, string> = {
  "listing-invalid": "not published: Amazon (or the product type definition) refuses it",
  "listing-issues": "live listing has errors Amazon reports",
};

export async function openReview(
  state: StateStore,
  queue: string,
  input: ReviewInput,
  clock: Clock,
  telemetry?: Telemetry,
): Promise<ParkedMessage> {
  const body: PublishMessage = { kind: "publish", itemNumbers: [input.itemNumber], marketplaceIds: [input.marketplaceId], force: true };
  const first = input.issues.find((i) => i.severity === "ERROR") ?? input.issues[0];
  const text =
    input.reason === "needs-mapping"
      ? `${input.sku} (item ${input.itemNumber}) in ${input.marketplaceId}: ${input.issues.map((i) => i.message).join("; ")}`
      : `${input.sku} (item ${input.itemNumber}) in ${input.marketplaceId} ${WHAT[input.reason]}: ${describeIssues(input.issues)}`;
  const code = first ? (first.source === "amazon" || !first.source ? `amazon.${first.code}` : first.code) : undefined;
  telemetry?.event("product.review", {
    itemNumber: input.itemNumber,
    marketplaceId: input.marketplaceId,
    sku: input.sku,
    reason: input.reason,
    code,
  });
  return parkMessage(
    state,
    {
      queue,
      messageId: reviewId(input.itemNumber, input.marketplaceId),
      body,
      reason: input.reason,
      description: text,
      ...(code ? { code } : {}),
      where: first?.attributeNames?.length
        ? `attributes: ${first.attributeNames.join(", ")}`
        : `products.json marketplace ${input.marketplaceId}`,
      ...(input.suggestion !== undefined ? { suggestion: input.suggestion } : {}),
    },
    clock,
  );
}

export async function closeReview(state: StateStore, queue: string, itemNumber: string, marketplaceId: string): Promise<void> {
  await removeParked(state, queue, reviewId(itemNumber, marketplaceId));
}

export async function getReview(
  state: StateStore,
  queue: string,
  itemNumber: string,
  marketplaceId: string,
): Promise<ParkedMessage | undefined> {
  return getParked(state, queue, reviewId(itemNumber, marketplaceId));
}
