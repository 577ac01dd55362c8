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
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { Clock } from "../../platform/clock";
import { ValidationError } from "../../platform/errors";
import type { MessageBus, OutgoingMessage } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import type { OrderLedger } from "./ledger";
import { toOrderImportMessage } from "./messages";
import type { AmazonReports } from "./ports";

export const BACKFILL_ORCHESTRATOR = "orderBackfillOrchestrator";
export const BACKFILL_ACTIVITY = {
  requestReport: "orderBackfillRequestReport",
  reportStatus: "orderBackfillReportStatus",
  readReport: "orderBackfillReadReport",
  enqueue: "orderBackfillEnqueue",
} as const;
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

export function backfillInstanceId(input: Pick<BackfillInput, "from" | "to" | "marketplaceIds">): string {
  const key = `${input.from}_${input.to}_${[...input.marketplaceIds].sort().join("-")}`.replace(/[^A-Za-z0-9_-]/g, "");
  return `order-backfill-${key}`.slice(0, 100);
}

export const backfillOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as BackfillInput;
  const retry = new df.RetryOptions(60_000, 5);
  retry.backoffCoefficient = 2;

  context.df.setCustomStatus({ step: "request-report" });
  const { reportId } = (yield context.df.callActivityWithRetry(BACKFILL_ACTIVITY.requestReport, retry, input)) as { reportId: string };

  let documentId: string | undefined;
  for (let poll = 0; poll < input.maxPolls; poll++) {
    context.df.setCustomStatus({ step: "wait-for-report", reportId, poll });
    const s = (yield context.df.callActivityWithRetry(BACKFILL_ACTIVITY.reportStatus, retry, { reportId })) as {
      processingStatus: string;
      reportDocumentId?: string;
    };
    if (s.processingStatus === "DONE") {
      documentId = s.reportDocumentId;
      break;
    }
    if (s.processingStatus === "CANCELLED" || s.processingStatus === "FATAL") {
      return {
        reportId,
        status: "failed",
        orders: 0,
        enqueued: 0,
        skipped: 0,
        error: `report ${reportId} ended ${s.processingStatus}`,
      } satisfies BackfillOutput;
    }
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + input.pollMs));
  }
  if (!documentId)
    return {
      reportId,
      status: "failed",
      orders: 0,
      enqueued: 0,
      skipped: 0,
      error: `report ${reportId} not done after ${input.maxPolls} polls`,
    } satisfies BackfillOutput;

  context.df.setCustomStatus({ step: "read-report", reportId });
  const orders = (yield context.df.callActivityWithRetry(BACKFILL_ACTIVITY.readReport, retry, {
    reportDocumentId: documentId,
  })) as BackfillOrderRef[];

  context.df.setCustomStatus({ step: "enqueue", reportId, orders: orders.length });
  const size = Math.max(1, input.chunkSize);
  const tasks = [];
  for (let i = 0; i < orders.length; i += size)
    tasks.push(context.df.callActivityWithRetry(BACKFILL_ACTIVITY.enqueue, retry, orders.slice(i, i + size)));
  const results = (yield context.df.Task.all(tasks)) as { enqueued: number; skipped: number }[];
  return {
    reportId,
    status: "done",
    orders: orders.length,
    enqueued: results.reduce((a, r) => a + r.enqueued, 0),
    skipped: results.reduce((a, r) => a + r.skipped, 0),
  } satisfies BackfillOutput;
};

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
