/**
 * Feeds in the simulator: feed documents (presigned upload URLs that expire after 5 minutes), feeds that go
 * IN_QUEUE (2 s) → IN_PROGRESS (until 10 s, simulated) → DONE / FATAL / CANCELLED, JSON_LISTINGS_FEED applied to
 * the listings when it finishes (PATCH, PARTIAL_UPDATE, UPDATE, DELETE — the same rules as the Listings Items
 * API), a processing report v2 per feed (header, issues per messageId and SKU, summary), FEED_PROCESSING_FINISHED
 * notifications, cancelFeed while IN_QUEUE, and the extra JSON_LISTINGS_FEED quota (5 feeds per 5 minutes).
 *
 * A feed is FATAL when its document is not JSON, its header is not this seller's version 2.0 header, or it
 * holds no or more than 10,000 messages; the report then carries the reason.
 */
import { randomUUID } from "node:crypto";
import { FEED_TYPE_PLANS } from "../../amazon/operations";
import { type Answer, bad, errors, notFound, notificationMetadata, type SimContext } from "./context";
import type { ListingChange, ListingsSim } from "./listings";
import type { Requirements, SimIssue } from "./product-types";
import { SIM_SELLER_ID } from "./seed";

interface SimFeed {
  feedId: string;
  feedType: string;
  marketplaceIds: string[];
  inputFeedDocumentId: string;
  createdSim: number;
  createdAt: number;
  resultDocumentId: string;
  /** When processing may start (simulated ms); undefined while the queue is paused. */
  startSim?: number;
  cancelledSim?: number;
  forced?: "FATAL" | "CANCELLED";
  outcome?: { status: "DONE" | "FATAL" | "CANCELLED"; report?: Record<string, unknown>; messages: number; accepted: number };
}

export class FeedsSim {
  private feeds = new Map<string, SimFeed>();
  private docs = new Map<string, { contentType: string; content?: Buffer }>();
  private bucket: { tokens: number; at: number } | undefined;
  /** The next feed ends this way whatever it holds (control: POST /_control/feeds/outcome). */
  nextOutcome?: "FATAL" | "CANCELLED";
  private paused = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly listings: ListingsSim,
  ) {}

  reset(): void {
    this.feeds.clear();
    this.docs.clear();
    this.bucket = undefined;
    this.nextOutcome = undefined;
    this.paused = false;
  }

  /** Pauses the feed processor: new feeds stay IN_QUEUE until it resumes (control: POST /_control/feeds/queue). */
  pause(paused: boolean): void {
    this.paused = paused;
    if (!paused) for (const f of this.feeds.values()) f.startSim ??= this.ctx.simMs();
  }

  createDocument(body: any): Answer {
    if (!body?.contentType) return bad("contentType is required.");
    const id = `amzn1.tortuga.4.na.${randomUUID()}`;
    this.docs.set(id, { contentType: body.contentType });
    return [201, { feedDocumentId: id, url: this.ctx.documentUrl(`upload/${id}`) }];
  }

  /** PUT to the upload URL. */
  upload(id: string, content: Buffer, contentType?: string): boolean {
    const doc = this.docs.get(id);
    if (!doc) return false;
    doc.content = content;
    if (contentType) doc.contentType = contentType;
    return true;
  }

  /** JSON_LISTINGS_FEED: five feeds per five minutes per region (on simulated time). */
  private takeFeedTypeToken(feedType: string): boolean {
    const plan = FEED_TYPE_PLANS[feedType];
    if (!plan) return true;
    const now = this.ctx.simMs();
    const b = this.bucket ?? { tokens: plan.burst, at: now };
    b.tokens = Math.min(plan.burst, b.tokens + ((now - b.at) / 1000) * plan.rate);
    b.at = now;
    this.bucket = b;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  create(body: any): Answer {
    if (!body?.feedType || !Array.isArray(body.marketplaceIds) || !body.marketplaceIds.length || !body.inputFeedDocumentId)
      return bad("feedType, marketplaceIds and inputFeedDocumentId are required.");
    const doc = this.docs.get(body.inputFeedDocumentId);
    if (!doc?.content) return bad(`Feed document ${body.inputFeedDocumentId} has no content; upload it first.`);
    if (!this.takeFeedTypeToken(body.feedType))
      return [429, errors("QuotaExceeded", "You exceeded your quota for the requested resource.")];
    const id = String(70_000_000_000 + this.ctx.nextSeq());
    this.feeds.set(id, {
      feedId: id,
      feedType: body.feedType,
      marketplaceIds: body.marketplaceIds,
      inputFeedDocumentId: body.inputFeedDocumentId,
      createdSim: this.ctx.simMs(),
      createdAt: this.ctx.now().getTime(),
      resultDocumentId: `amzn1.tortuga.4.na.result-${id}`,
      ...(this.paused ? {} : { startSim: this.ctx.simMs() }),
      ...(this.nextOutcome ? { forced: this.nextOutcome } : {}),
    });
    this.nextOutcome = undefined;
    return [202, { feedId: id }];
  }

  private phase(f: SimFeed): "IN_QUEUE" | "IN_PROGRESS" | "FINISHED" {
    if (f.cancelledSim !== undefined) return "FINISHED";
    if (f.startSim === undefined) return "IN_QUEUE";
    const age = this.ctx.simMs() - f.startSim;
    return age < 2_000 ? "IN_QUEUE" : age < 10_000 ? "IN_PROGRESS" : "FINISHED";
  }

  /** Finishes every feed whose time has come (applies it once, notifies once). */
  tick(): void {
    for (const f of this.feeds.values()) if (!f.outcome && this.phase(f) === "FINISHED") this.finish(f);
  }

  private feedJson(f: SimFeed): Record<string, unknown> {
    if (!f.outcome && this.phase(f) === "FINISHED") this.finish(f);
    const phase = this.phase(f);
    const status = f.outcome?.status ?? phase;
    const out: Record<string, unknown> = {
      feedId: f.feedId,
      feedType: f.feedType,
      marketplaceIds: f.marketplaceIds,
      createdTime: new Date(f.createdAt).toISOString(),
      processingStatus: status,
    };
    if (status !== "IN_QUEUE" && status !== "CANCELLED") out.processingStartTime = this.ctx.after(f.createdAt, 2_000).toISOString();
    if (f.outcome) {
      out.processingEndTime =
        f.cancelledSim !== undefined
          ? this.ctx.after(f.createdAt, f.cancelledSim - f.createdSim).toISOString()
          : this.ctx.after(f.createdAt, 10_000).toISOString();
      if (f.outcome.report) out.resultFeedDocumentId = f.resultDocumentId;
    }
    return out;
  }

  get(id: string): Answer {
    const f = this.feeds.get(id);
    return f ? [200, this.feedJson(f)] : notFound(`Feed ${id} was not found.`);
  }

  cancel(id: string): Answer {
    const f = this.feeds.get(id);
    if (!f) return notFound(`Feed ${id} was not found.`);
    if (f.outcome?.status === "CANCELLED") return [200, undefined];
    if (this.phase(f) !== "IN_QUEUE")
      return bad(`Feed ${id} is ${f.outcome?.status ?? this.phase(f)}; only feeds IN_QUEUE can be cancelled.`);
    f.cancelledSim = this.ctx.simMs();
    this.finish(f);
    // Amazon answers 200 without a body.
    return [200, undefined];
  }

  document(docId: string): Answer {
    const f = [...this.feeds.values()].find((x) => x.resultDocumentId === docId);
    if (f && !f.outcome && this.phase(f) === "FINISHED") this.finish(f);
    if (!f?.outcome?.report) return notFound(`Feed document ${docId} was not found.`);
    const url = this.ctx.storeDocument(
      `feed-result/${docId}`,
      Buffer.from(JSON.stringify(f.outcome.report), "utf8"),
      "application/json",
      true,
    );
    return [200, { feedDocumentId: docId, url, compressionAlgorithm: "GZIP" }];
  }

  private report(f: SimFeed, issues: Record<string, unknown>[], processed: number, accepted: number): Record<string, unknown> {
    return {
      header: { sellerId: SIM_SELLER_ID, version: "2.0", feedId: f.feedId },
      issues,
      summary: {
        errors: issues.filter((i) => i.severity === "ERROR").length,
        warnings: issues.filter((i) => i.severity === "WARNING").length,
        messagesProcessed: processed,
        messagesAccepted: accepted,
        messagesInvalid: processed - accepted,
      },
    };
  }

  private finish(f: SimFeed): void {
    const fatal = (message: string) => {
      f.outcome = {
        status: "FATAL",
        report: this.report(f, [{ messageId: 0, code: "4000000", severity: "ERROR", message }], 0, 0),
        messages: 0,
        accepted: 0,
      };
    };
    if (f.cancelledSim !== undefined || f.forced === "CANCELLED") f.outcome = { status: "CANCELLED", messages: 0, accepted: 0 };
    else if (f.forced === "FATAL")
      fatal("The feed could not be processed (an Amazon-side failure forced by the simulator's control endpoint).");
    else {
      const input = this.docs.get(f.inputFeedDocumentId)?.content?.toString("utf8") ?? "";
      if (f.feedType === "JSON_LISTINGS_FEED") this.processListings(f, input, fatal);
      else {
        const n = Math.max(0, input.split("\n").filter(Boolean).length - 1);
        f.outcome = { status: "DONE", report: this.report(f, [], n, n), messages: n, accepted: n };
      }
    }
    const now = this.ctx.now();
    this.ctx.emit({
      notificationVersion: "2020-09-04",
      notificationType: "FEED_PROCESSING_FINISHED",
      payloadVersion: "2020-09-04",
      eventTime: now.toISOString(),
      payload: {
        feedProcessingFinishedNotification: {
          sellerId: SIM_SELLER_ID,
          accountId: `amzn1.merchant.o.${SIM_SELLER_ID}`,
          feedId: f.feedId,
          feedType: f.feedType,
          processingStatus: f.outcome!.status,
          ...(f.outcome!.report ? { resultFeedDocumentId: f.resultDocumentId } : {}),
        },
      },
      notificationMetadata: notificationMetadata(now, "feed-processing-finished", randomUUID(), true),
    });
  }

  private processListings(f: SimFeed, input: string, fatal: (m: string) => void): void {
    let doc: any;
    try {
      doc = JSON.parse(input);
    } catch (err) {
      return fatal(`The feed document is not valid JSON: ${(err as Error).message}`);
    }
    if (doc?.header?.sellerId !== SIM_SELLER_ID) return fatal(`header.sellerId must be the seller ${SIM_SELLER_ID}.`);
    if (doc.header.version !== "2.0") return fatal('header.version must be "2.0".');
    const messages = doc.messages;
    const max = FEED_TYPE_PLANS.JSON_LISTINGS_FEED.maxMessages ?? 10_000;
    if (!Array.isArray(messages) || messages.length < 1 || messages.length > max) return fatal(`messages must hold 1 to ${max} messages.`);
    const issues: Record<string, unknown>[] = [];
    const seen = new Set<number>();
    let accepted = 0;
    for (const m of messages) {
      const own: SimIssue[] = [];
      if (!Number.isInteger(m?.messageId) || m.messageId < 1 || seen.has(m.messageId))
        own.push({
          code: "4000004",
          message: "messageId must be a positive integer, unique within the feed.",
          severity: "ERROR",
          categories: [],
        });
      else seen.add(m.messageId);
      const changes: ListingChange[] = [];
      if (!m?.sku || !["UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"].includes(m?.operationType))
        own.push({
          code: "4000004",
          message: "sku and operationType (UPDATE, PARTIAL_UPDATE, PATCH, DELETE) are required.",
          severity: "ERROR",
          categories: [],
        });
      else if (m.operationType !== "DELETE" && !m.productType)
        own.push({ code: "4000004", message: `productType is required for ${m.operationType}.`, severity: "ERROR", categories: [] });
      else
        for (const mp of f.marketplaceIds) {
          const c =
            m.operationType === "PATCH"
              ? this.listings.planPatch(m.sku, mp, m.productType, Array.isArray(m.patches) ? m.patches : [])
              : m.operationType === "PARTIAL_UPDATE"
                ? this.listings.planPatch(
                    m.sku,
                    mp,
                    m.productType,
                    Object.entries(m.attributes ?? {}).map(([k, v]) => ({ op: "replace", path: `/attributes/${k}`, value: v })),
                  )
                : m.operationType === "UPDATE"
                  ? this.listings.planPut(m.sku, mp, m.productType, (m.requirements as Requirements) ?? "LISTING", m.attributes ?? {})
                  : this.listings.planDelete(m.sku, mp);
          changes.push(c);
          for (const i of c.issues) if (!own.some((o) => o.code === i.code && o.message === i.message)) own.push(i);
        }
      for (const i of own)
        issues.push({
          messageId: Number.isInteger(m?.messageId) ? m.messageId : 0,
          ...(m?.sku ? { sku: String(m.sku) } : {}),
          code: i.code,
          severity: i.severity,
          message: i.message,
          ...(i.attributeNames?.[0] ? { attributeName: i.attributeNames[0] } : {}),
        });
      if (!own.some((i) => i.severity === "ERROR")) {
        for (const c of changes) c.apply();
        accepted++;
      }
    }
    f.outcome = { status: "DONE", report: this.report(f, issues, messages.length, accepted), messages: messages.length, accepted };
  }

  /** For /_control/feeds. */
  list(): Record<string, unknown>[] {
    return [...this.feeds.values()].map((f) => ({
      ...this.feedJson(f),
      messages: f.outcome?.messages,
      accepted: f.outcome?.accepted,
      issues: (f.outcome?.report as { issues?: unknown[] } | undefined)?.issues,
    }));
  }
}
