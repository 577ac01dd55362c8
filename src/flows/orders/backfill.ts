/**
 * Backfill of order history through the flat-file order report (one report for the whole period instead
 * of one getOrder per order; createReport and getReportDocument cost ~1 call a minute each), as a durable
 * fan-out: request the report, poll until DONE (durable timers), read it into a blob (the orders of a
 * report can be many thousands: they stay out of the orchestration's history, which keeps only the blob's
 * name and the count), then fan out activities that each hand a slice of the orders over for import
 * (hand-over.ts: recorded in the ledger, then bulk import messages). The imports run through the order
 * import queue, like notifications and the catch-up, so D365 is paced by the queue and nothing is done twice.
 *
 * The orchestration is deterministic (no clock, no I/O); its instance id comes from the period and
 * marketplaces, so starting the same backfill twice is harmless.
 */
import type { Clock } from "../../platform/clock";
import {
  activity,
  call,
  callAll,
  type DurableContext,
  type DurableGenerator,
  orchestration,
  type RetryPolicy,
  sleep,
} from "../../platform/durable";
import { ValidationError } from "../../platform/errors";
import { z } from "zod";
import type { BlobStore, MessageBus } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { BULK_CONTAINER, type BulkOptions, OrderHandOverBatch } from "./hand-over";
import { SETTLED_STATUSES, isLaterUpdate, type OrderLedger } from "./ledger";
import type { AmazonReports } from "./ports";

export const ORDER_REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL";

export interface BackfillInput {
  from: string;
  to: string;
  marketplaceIds: string[];
  /** Orders per enqueue activity. */
  chunkSize: number;
  /** Time between report status polls (ms of orchestration time). */
  pollMs: number;
  maxPolls: number;
}

/** What the backfill's activities need. */
export interface BackfillDeps {
  reports: AmazonReports;
  bus: MessageBus;
  queue: string;
  ledger: Pick<OrderLedger, "get" | "handOver">;
  /** Where the report's orders and the bulk groups are kept. */
  blobs: BlobStore;
  clock: Clock;
  telemetry: Telemetry;
  /** Bulk hand-over (settings ORDERS_BULK_MIN_ORDERS, ORDERS_BULK_GROUP_SIZE). */
  bulk?: BulkOptions;
}

/** Where a report's orders are kept: a blob, named by the report document. */
export interface StoredReport {
  blob: { container: string; name: string };
  orders: number;
}

/** One hand-over activity's slice of the stored orders. */
export interface ReportSlice {
  blob: StoredReport["blob"];
  offset: number;
  count: number;
}

export interface BackfillOrderRef {
  amazonOrderId: string;
  lastUpdate: string;
  marketplaceId?: string;
}

export interface BackfillOutput {
  reportId: string;
  status: "done" | "failed";
  orders: number;
  enqueued: number;
  skipped: number;
  error?: string;
}

/** The orchestration's activities: one table, used to register them and to call them. */
export const backfillActivities = {
  requestReport: activity<BackfillInput, { reportId: string }>("orderBackfillRequestReport"),
  reportStatus: activity<{ reportId: string }, { processingStatus: string; reportDocumentId?: string }>("orderBackfillReportStatus"),
  storeReport: activity<{ reportDocumentId: string }, StoredReport>("orderBackfillStoreReport"),
  handOver: activity<ReportSlice, { enqueued: number; skipped: number }>("orderBackfillHandOver"),
} as const;

const RETRY: RetryPolicy = { firstRetryMs: 60_000, maxAttempts: 5, backoffCoefficient: 2 };

export function backfillInstanceId(input: Pick<BackfillInput, "from" | "to" | "marketplaceIds">): string {
  const key = `${input.from}_${input.to}_${[...input.marketplaceIds].sort().join("-")}`.replace(/[^A-Za-z0-9_-]/g, "");
  return `order-backfill-${key}`.slice(0, 100);
}

export const backfillOrchestration = orchestration<BackfillInput, BackfillOutput>("orderBackfillOrchestrator", function* (context, input) {
  const steps = backfillActivities;
  context.df.setCustomStatus({ step: "request-report" });
  const { reportId } = yield* call(context, steps.requestReport, input, RETRY);

  const documentId = yield* waitForReport(context, reportId, input);
  if (typeof documentId !== "string") return documentId;

  context.df.setCustomStatus({ step: "read-report", reportId });
  const stored = yield* call(context, steps.storeReport, { reportDocumentId: documentId }, RETRY);

  context.df.setCustomStatus({ step: "hand-over", reportId, orders: stored.orders });
  const size = Math.max(1, input.chunkSize);
  const slices: ReportSlice[] = [];
  for (let offset = 0; offset < stored.orders; offset += size) slices.push({ blob: stored.blob, offset, count: size });
  const results = yield* callAll(context, steps.handOver, slices, RETRY);
  return {
    reportId,
    status: "done",
    orders: stored.orders,
    enqueued: results.reduce((a, r) => a + r.enqueued, 0),
    skipped: results.reduce((a, r) => a + r.skipped, 0),
  };
});

/** Polls the report (durable timers between polls): its document id once DONE, or the failed outcome. */
function* waitForReport(context: DurableContext, reportId: string, input: BackfillInput): DurableGenerator<string | BackfillOutput> {
  const failed = (error: string): BackfillOutput => ({ reportId, status: "failed", orders: 0, enqueued: 0, skipped: 0, error });
  for (let poll = 0; poll < input.maxPolls; poll++) {
    context.df.setCustomStatus({ step: "wait-for-report", reportId, poll });
    const s = yield* call(context, backfillActivities.reportStatus, { reportId }, RETRY);
    if (s.processingStatus === "DONE") {
      if (s.reportDocumentId) return s.reportDocumentId;
      break;
    }
    if (s.processingStatus === "CANCELLED" || s.processingStatus === "FATAL")
      return failed(`report ${reportId} ended ${s.processingStatus}`);
    yield* sleep(context, input.pollMs);
  }
  return failed(`report ${reportId} not done after ${input.maxPolls} polls`);
}

// ------------------------------------------------------------------------------------------------------
// Activities (I/O lives here)

/** Asks Amazon for the order report of the period. */
export async function requestOrderReport(input: BackfillInput, deps: Pick<BackfillDeps, "reports">): Promise<{ reportId: string }> {
  const reportId = await deps.reports.requestReport({
    reportType: ORDER_REPORT_TYPE,
    marketplaceIds: input.marketplaceIds,
    from: input.from,
    to: input.to,
  });
  return { reportId };
}

export async function orderReportStatus(
  input: { reportId: string },
  deps: Pick<BackfillDeps, "reports">,
): Promise<{ processingStatus: string; reportDocumentId?: string }> {
  const r = await deps.reports.reportStatus(input.reportId);
  return { processingStatus: r.processingStatus, reportDocumentId: r.reportDocumentId };
}

export async function readOrderReport(
  input: { reportDocumentId: string },
  deps: Pick<BackfillDeps, "reports">,
): Promise<BackfillOrderRef[]> {
  return parseOrderReport(await deps.reports.downloadReport(input.reportDocumentId));
}

const StoredOrders = z.object({
  orders: z.array(z.object({ amazonOrderId: z.string(), lastUpdate: z.string(), marketplaceId: z.string().optional() })),
});

/** Reads the report and keeps its orders in a blob; the orchestration gets the blob's name and the count. */
export async function storeOrderReport(
  input: { reportDocumentId: string },
  deps: Pick<BackfillDeps, "reports" | "blobs">,
): Promise<StoredReport> {
  const orders = await readOrderReport(input, deps);
  const blob = { container: BULK_CONTAINER, name: `backfill/${input.reportDocumentId.replace(/[^A-Za-z0-9._-]/g, "_")}.json` };
  await deps.blobs.put(blob.container, blob.name, new TextEncoder().encode(JSON.stringify({ orders })), "application/json");
  return { blob, orders: orders.length };
}

/**
 * The distinct orders of a flat-file order report (one row per order line; Amazon repeats the order id).
 * Parsed by header name; MCF orders (sales-channel Non-Amazon) are left out, they start in D365.
 */
export function parseOrderReport(text: string): BackfillOrderRef[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const header = lines[0].split("\t").map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const idCol = col("amazon-order-id");
  const updCol = col("last-updated-date");
  const channelCol = col("sales-channel");
  if (idCol < 0 || updCol < 0)
    throw new ValidationError("report.columns", "The order report has no amazon-order-id or last-updated-date column", { where: "header" });
  const byId = new Map<string, BackfillOrderRef>();
  for (const line of lines.slice(1)) {
    const cells = line.split("\t");
    const id = cells[idCol]?.trim();
    if (!id) continue;
    if (channelCol >= 0 && /^non-amazon/i.test(cells[channelCol] ?? "")) continue;
    const lastUpdate = new Date(cells[updCol]?.trim() ?? "").toISOString();
    byId.set(id, { amazonOrderId: id, lastUpdate });
  }
  return [...byId.values()];
}

/** Hands one slice of the stored orders over for import (hand-over.ts: recorded, then in bulk). */
export async function handOverBackfillSlice(
  slice: ReportSlice,
  deps: Omit<BackfillDeps, "reports">,
): Promise<{ enqueued: number; skipped: number }> {
  const bytes = await deps.blobs.get(slice.blob.container, slice.blob.name);
  if (!bytes)
    throw new ValidationError("backfill.reportMissing", `The stored order report ${slice.blob.name} is missing`, {
      where: slice.blob.name,
    });
  const orders = StoredOrders.parse(JSON.parse(new TextDecoder().decode(bytes))).orders.slice(slice.offset, slice.offset + slice.count);
  const batch = new OrderHandOverBatch(deps, { source: "backfill", ...(deps.bulk ? { bulk: deps.bulk } : {}) });
  let skipped = 0;
  let enqueued = 0;
  for (const o of orders) {
    const known = await deps.ledger.get(o.amazonOrderId);
    if (known && SETTLED_STATUSES.has(known.status) && known.amazonLastUpdate && !isLaterUpdate(o.lastUpdate, known.amazonLastUpdate)) {
      skipped++;
      continue;
    }
    await batch.add({
      amazonOrderId: o.amazonOrderId,
      lastUpdate: o.lastUpdate,
      ...(o.marketplaceId ? { marketplaceId: o.marketplaceId } : {}),
      source: "backfill",
    });
    enqueued++;
  }
  await batch.finish();
  deps.telemetry.metric("orders.backfill.enqueued", enqueued);
  return { enqueued, skipped };
}
