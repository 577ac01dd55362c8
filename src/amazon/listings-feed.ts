/**
 * JSON_LISTINGS_FEED (Feeds 2021-06-30): many listing changes in one feed — the bulk path of the FBM inventory
 * push and of the products flow.
 *
 * submit(messages) = createFeedDocument → PUT the JSON to the presigned URL (it expires after 5 minutes) →
 * createFeed. The feed then goes IN_QUEUE → IN_PROGRESS → DONE (or FATAL when Amazon cannot read it, CANCELLED
 * when cancelled while IN_QUEUE); FEED_PROCESSING_FINISHED is notified at the end. `report(feed)` downloads the
 * processing report (listings-feed-processing-report v2: header, issues per messageId/sku, summary) and tells
 * per message whether it was accepted (no ERROR issue).
 *
 * Quotas: createFeed 0.0083/s (burst 15) and, for this feed type, five feeds per five minutes per region; both
 * are taken from the shared limiter before the call. At most 10,000 messages per feed (feed schema v2).
 */
import { z } from "zod";
import { InternalError, NotFoundError, UnavailableError, ValidationError } from "../platform/errors";
import type { SpApiContext } from "./context";
import { FEED_TYPE_PLANS } from "./operations";
import * as S from "./schemas";

export const LISTINGS_FEED_TYPE = "JSON_LISTINGS_FEED";

export const ListingsFeedMessage = z.object({
  /** 1 … 2^31-1, unique within the feed: the processing report refers to it. */
  messageId: z.number().int().min(1).max(2_147_483_647),
  sku: z.string().min(1).max(40),
  operationType: z.enum(["UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"]),
  productType: z.string().min(1).optional(),
  requirements: z.enum(["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"]).optional(),
  attributes: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
  patches: z
    .array(
      z.object({
        op: z.enum(["add", "replace", "merge", "delete"]),
        path: z.string().startsWith("/attributes/"),
        value: z.array(z.record(z.string(), z.unknown())).optional(),
      }),
    )
    .min(1)
    .optional(),
});
export type ListingsFeedMessage = z.infer<typeof ListingsFeedMessage>;

export const ProcessingReportIssue = z.looseObject({
  messageId: z.number().int(),
  sku: z.string().optional(),
  code: z.string(),
  severity: z.enum(["ERROR", "WARNING", "INFO"]),
  message: z.string(),
  attributeName: z.string().optional(),
});
export type ProcessingReportIssue = z.infer<typeof ProcessingReportIssue>;

export const ProcessingReport = z.looseObject({
  header: z.looseObject({ sellerId: z.string(), version: z.literal("2.0"), feedId: z.string() }),
  issues: z.array(ProcessingReportIssue).default([]),
  summary: z.looseObject({
    errors: z.number().int(),
    warnings: z.number().int(),
    messagesProcessed: z.number().int(),
    messagesAccepted: z.number().int(),
    messagesInvalid: z.number().int(),
  }),
});
export type ProcessingReport = z.infer<typeof ProcessingReport>;

export interface ListingsFeedOutcome {
  feedId: string;
  processingStatus: "DONE" | "FATAL" | "CANCELLED";
  /** Undefined when Amazon produced no report (CANCELLED, or FATAL without one). */
  report?: ProcessingReport;
  /** Per message of the submitted feed (when the messages are passed to `report`). */
  messages: { messageId: number; sku: string; accepted: boolean; issues: ProcessingReportIssue[] }[];
}

/** Quantity updates as PATCH messages (channel DEFAULT = merchant-fulfilled). */
export function quantityMessages(
  updates: { sku: string; quantity: number; productType: string; leadTimeToShipMaxDays?: number }[],
  op: "replace" | "merge" = "replace",
  firstMessageId = 1,
): ListingsFeedMessage[] {
  return updates.map((u, i) => {
    if (!Number.isInteger(u.quantity) || u.quantity < 0)
      throw new ValidationError("spapi.invalidInput", `quantity for ${u.sku} must be a non-negative integer, got ${u.quantity}`);
    return {
      messageId: firstMessageId + i,
      sku: u.sku,
      operationType: "PATCH",
      productType: u.productType,
      patches: [
        {
          op,
          path: "/attributes/fulfillment_availability",
          value: [
            {
              fulfillment_channel_code: "DEFAULT",
              quantity: u.quantity,
              ...(u.leadTimeToShipMaxDays !== undefined ? { lead_time_to_ship_max_days: u.leadTimeToShipMaxDays } : {}),
            },
          ],
        },
      ],
    };
  });
}

export class ListingsFeedApi {
  constructor(private readonly ctx: SpApiContext) {}

  /** The feed document (header with this seller, version 2.0) as Amazon wants it. */
  document(messages: ListingsFeedMessage[], issueLocale = "en_US"): string {
    const plan = FEED_TYPE_PLANS[LISTINGS_FEED_TYPE];
    if (!messages.length) throw new ValidationError("spapi.invalidInput", "a listings feed needs at least one message");
    if (plan.maxMessages && messages.length > plan.maxMessages)
      throw new ValidationError("spapi.invalidInput", `a listings feed takes at most ${plan.maxMessages} messages, got ${messages.length}`);
    const seen = new Set<number>();
    for (const m of messages) {
      const parsed = ListingsFeedMessage.safeParse(m);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new ValidationError(
          "spapi.invalidInput",
          `listings feed message ${m.messageId} (${m.sku}): ${i?.path.join(".")} ${i?.message}`,
        );
      }
      if (seen.has(m.messageId)) throw new ValidationError("spapi.invalidInput", `messageId ${m.messageId} appears twice in the feed`);
      seen.add(m.messageId);
      if (m.operationType !== "DELETE" && !m.productType)
        throw new ValidationError("spapi.invalidInput", `message ${m.messageId} (${m.sku}): ${m.operationType} needs a productType`);
      if (m.operationType === "PATCH" && !m.patches?.length)
        throw new ValidationError("spapi.invalidInput", `message ${m.messageId} (${m.sku}): PATCH needs patches`);
      if ((m.operationType === "UPDATE" || m.operationType === "PARTIAL_UPDATE") && !m.attributes)
        throw new ValidationError("spapi.invalidInput", `message ${m.messageId} (${m.sku}): ${m.operationType} needs attributes`);
    }
    return JSON.stringify({ header: { sellerId: this.ctx.sellerId, version: "2.0", issueLocale }, messages });
  }

  /** createFeedDocument → upload → createFeed; returns the feed id. */
  async submit(messages: ListingsFeedMessage[], marketplaceIds: string[], issueLocale?: string): Promise<string> {
    if (!marketplaceIds.length) throw new ValidationError("spapi.invalidInput", "a listings feed needs a marketplace id");
    const content = this.document(messages, issueLocale);
    const contentType = "application/json; charset=UTF-8";
    const doc = await this.ctx.call("createFeedDocument", S.CreateFeedDocumentResponse, { body: { contentType } });
    await this.ctx.upload(doc.url, content, contentType);
    await this.ctx.acquire(`createFeed.${LISTINGS_FEED_TYPE}`, FEED_TYPE_PLANS[LISTINGS_FEED_TYPE]);
    const r = await this.ctx.call("createFeed", S.CreateFeedResponse, {
      body: { feedType: LISTINGS_FEED_TYPE, marketplaceIds, inputFeedDocumentId: doc.feedDocumentId },
    });
    return r.feedId;
  }

  async status(feedId: string): Promise<S.Feed> {
    return this.ctx.call("getFeed", S.Feed, { path: { feedId } });
  }

  /** Polls getFeed until DONE, FATAL or CANCELLED (or FEED_PROCESSING_FINISHED told you so: call `report` directly). */
  async wait(feedId: string, poll: { intervalMs?: number; timeoutMs?: number } = {}): Promise<S.Feed> {
    const interval = poll.intervalMs ?? 30_000;
    const deadline = this.ctx.clock.now().getTime() + (poll.timeoutMs ?? 60 * 60_000);
    for (;;) {
      const f = await this.status(feedId);
      if (f.processingStatus === "DONE" || f.processingStatus === "FATAL" || f.processingStatus === "CANCELLED") return f;
      if (this.ctx.clock.now().getTime() + interval > deadline)
        throw new UnavailableError("spapi.feedTimeout", `feed ${feedId} is still ${f.processingStatus}`);
      await this.ctx.clock.sleep(interval);
    }
  }

  /** Cancels a feed that is still IN_QUEUE (Amazon refuses later: ValidationError). */
  async cancel(feedId: string): Promise<void> {
    await this.ctx.call("cancelFeed", S.Empty, { path: { feedId } });
  }

  /**
   * The outcome of a finished feed: its processing report and, when `messages` are given, per message whether
   * Amazon accepted it and its issues. A feed that is not finished is an error (call `wait` first).
   */
  async report(feedOrId: S.Feed | string, messages: ListingsFeedMessage[] = []): Promise<ListingsFeedOutcome> {
    const feed = typeof feedOrId === "string" ? await this.status(feedOrId) : feedOrId;
    if (feed.processingStatus !== "DONE" && feed.processingStatus !== "FATAL" && feed.processingStatus !== "CANCELLED")
      throw new ValidationError("spapi.feedNotFinished", `feed ${feed.feedId} is ${feed.processingStatus}`);
    let report: ProcessingReport | undefined;
    if (feed.resultFeedDocumentId) {
      const ref = await this.ctx.call("getFeedDocument", S.FeedDocument, { path: { feedDocumentId: feed.resultFeedDocumentId } });
      const doc = await this.ctx.download(ref);
      let json: unknown;
      try {
        json = JSON.parse(doc.text);
      } catch {
        throw new InternalError("spapi.unexpectedResponse", `the processing report of feed ${feed.feedId} is not JSON`);
      }
      const parsed = ProcessingReport.safeParse(json);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new InternalError(
          "spapi.unexpectedResponse",
          `the processing report of feed ${feed.feedId} has an unexpected shape at ${i?.path.join(".")}: ${i?.message}`,
        );
      }
      report = parsed.data;
    } else if (feed.processingStatus === "DONE") {
      throw new NotFoundError("spapi.notFound", `feed ${feed.feedId} is DONE without a result document`);
    }
    const issues = report?.issues ?? [];
    const finished = feed.processingStatus === "DONE";
    return {
      feedId: feed.feedId,
      processingStatus: feed.processingStatus as ListingsFeedOutcome["processingStatus"],
      report,
      messages: messages.map((m) => {
        const own = issues.filter((i) => i.messageId === m.messageId);
        return { messageId: m.messageId, sku: m.sku, accepted: finished && !own.some((i) => i.severity === "ERROR"), issues: own };
      }),
    };
  }
}
