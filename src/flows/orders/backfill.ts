/**
 * Backfill of order history through the flat-file order report (one report for the whole period instead
 * of one getOrder per order; createReport and getReportDocument cost ~1 call a minute each), as a durable
 * fan-out: request the report, poll until DONE (durable timers), read it, then fan out activities that
 * each enqueue import messages for a chunk of orders. The imports themselves run through the order import
 * queue, like notifications and the catch-up, so D365 is paced by the queue and nothing is done twice.
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
import type { MessageBus, OutgoingMessage } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import type { OrderLedger } from "./ledger";
import { toOrderImportMessage } from "./messages";
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
  ledger: Pick<OrderLedger, "get">;
  clock: Clock;
  telemetry: Telemetry;
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
  readReport: activity<{ reportDocumentId: string }, BackfillOrderRef[]>("orderBackfillReadReport"),
  enqueue: activity<BackfillOrderRef[], { enqueued: number; skipped: number }>("orderBackfillEnqueue"),
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
  const orders = yield* call(context, steps.readReport, { reportDocumentId: documentId }, RETRY);

  context.df.setCustomStatus({ step: "enqueue", reportId, orders: orders.length });
  const size = Math.max(1, input.chunkSize);
  const chunks: BackfillOrderRef[][] = [];
  for (let i = 0; i < orders.length; i += size) chunks.push(orders.slice(i, i + size));
  const results = yield* callAll(context, steps.enqueue, chunks, RETRY);
  return {
    reportId,
    status: "done",
    orders: orders.length,
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

const DONE = new Set(["complete", "canceled", "cancel-flagged", "skipped"]);

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

export async function enqueueBackfillChunk(
  orders: BackfillOrderRef[],
  deps: Omit<BackfillDeps, "reports">,
): Promise<{ enqueued: number; skipped: number }> {
  const messages: OutgoingMessage[] = [];
  let skipped = 0;
  for (const o of orders) {
    const known = await deps.ledger.get(o.amazonOrderId);
    if (known && DONE.has(known.status) && known.amazonLastUpdate && Date.parse(o.lastUpdate) <= Date.parse(known.amazonLastUpdate)) {
      skipped++;
      continue;
    }
    messages.push(toOrderImportMessage({ amazonOrderId: o.amazonOrderId, lastUpdate: o.lastUpdate, source: "backfill" }, o.lastUpdate));
  }
  for (let i = 0; i < messages.length; i += 100) await deps.bus.send(deps.queue, messages.slice(i, i + 100));
  deps.telemetry.metric("orders.backfill.enqueued", messages.length);
  return { enqueued: messages.length, skipped };
}
