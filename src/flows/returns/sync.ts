/**
 * The returns sync: a durable orchestration that reads what Amazon returned and refunded in a window and
 * puts every return on the import queue (import-return.ts makes the D365 return orders).
 *
 *   request the returns reports (FBA and FBM, one per marketplace; createReport allows about one call a
 *   minute, burst 15: the shared rate limiter paces them) -> poll them (durable timers between polls) ->
 *   download each just in time into a blob and read it from there (only the blob's name and counts pass
 *   through the orchestration's history) -> MCF returns -> refunds of the window (Finances) -> match refunds
 *   to returns and age the review lists -> enqueue every return D365 does not have in full -> watermark.
 *
 * One instance at a time (instance id RETURNS_SYNC_INSTANCE): a second start while one runs answers with the
 * running one. Every step is idempotent: returns and refunds are keyed by Amazon's identity, so a re-run, an
 * overlapping window or a repeated activity changes nothing. The orchestrator is deterministic (no clock, no
 * I/O, no settings); the activities do the work.
 */
import { createHash } from "node:crypto";
import { activity, call, type DurableContext, type DurableGenerator, orchestration, type RetryPolicy, sleep } from "../../platform/durable";
import { NotFoundError } from "../../platform/errors";
import { getWatermark, recordRun, setWatermark } from "../../platform/run-records";
import type { StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import { returnMessageId, type ReturnImportMessage } from "./import-return";
import { matchRefunds } from "./match-refunds";
import type { SyncDeps } from "./ports";
import { RETURNS_TABLE, ReturnStore, type ReturnRecord } from "./records";
import { parseReturnsReport, type ReturnsReportKind, type RowProblem } from "./report-parser";

export const RETURNS_FLOW = "returns";
export const RETURNS_SYNC_INSTANCE = "returns-sync";
export const RETURNS_CONTAINER = "returns";

export interface SyncInput {
  from: string;
  to: string;
  /** Refunds are read from here (earlier than `from` on a first run: a refund often precedes its return). */
  refundsFrom: string;
  marketplaceIds: string[];
  kinds: ReturnsReportKind[];
  mcf: boolean;
  /** Time between report status polls (orchestration time). */
  pollMs: number;
  maxPolls: number;
  /** Who started it: timer, http. */
  trigger: string;
}

export interface RequestedReport {
  kind: ReturnsReportKind;
  marketplaceId: string;
  reportId: string;
}

export interface ReportOutcome extends RequestedReport {
  status: "read" | "no-data" | "failed";
  rows?: number;
  returns?: number;
  newReturns?: number;
  changedReturns?: number;
  problems?: RowProblem[];
  problemCount?: number;
  error?: string;
}

export interface SyncOutput {
  status: "done" | "partial";
  from: string;
  to: string;
  reports: ReportOutcome[];
  mcf?: { returns: number; newReturns: number };
  refunds: { read: number; newRefunds: number };
  matching: MatchResult;
  enqueued: number;
}

export interface MatchResult {
  orders: number;
  refunded: number;
  awaitingRefund: number;
  noRefund: number;
  refundsWithoutReturn: number;
}

/** The orchestration's activities: one table, used to register them and to call them. */
export const returnsSyncActivities = {
  requestReport: activity<{ kind: ReturnsReportKind; marketplaceId: string; from: string; to: string }, RequestedReport>(
    "returnsRequestReport",
  ),
  reportStatus: activity<{ reportId: string }, { processingStatus: string; reportDocumentId?: string }>("returnsReportStatus"),
  storeReport: activity<{ reportId: string; reportDocumentId: string }, { blobName: string; bytes: number }>("returnsStoreReport"),
  readReport: activity<RequestedReport & { blobName: string }, ReportOutcome>("returnsReadReport"),
  mcfReturns: activity<{ since: string }, { returns: number; newReturns: number }>("returnsMcfReturns"),
  refunds: activity<{ from: string; to: string }, { read: number; newRefunds: number }>("returnsRefunds"),
  match: activity<{ at: string }, MatchResult>("returnsMatchRefunds"),
  enqueue: activity<{ at: string }, { enqueued: number }>("returnsEnqueue"),
  finish: activity<{ input: SyncInput; output: SyncOutput; startedAt: string }, void>("returnsFinish"),
  failed: activity<{ startedAt: string; error: string }, void>("returnsSyncFailed"),
} as const;

const RETRY: RetryPolicy = { firstRetryMs: 30_000, maxAttempts: 5, backoffCoefficient: 2 };

export const returnsSyncOrchestration = orchestration<SyncInput, SyncOutput>("returnsSyncOrchestrator", function* (context, input) {
  const startedAt = context.df.currentUtcDateTime.toISOString();
  try {
    return yield* syncOnce(context, input, startedAt);
  } catch (err) {
    // An activity failed after its retries: the run record says so (the status page shows it) and the watermark
    // stays, so the next sync reads the window again.
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    yield* call(context, returnsSyncActivities.failed, { startedAt, error });
    throw err;
  }
});

function* syncOnce(context: DurableContext, input: SyncInput, startedAt: string): DurableGenerator<SyncOutput> {
  const steps = returnsSyncActivities;
  const requested: RequestedReport[] = [];
  for (const kind of input.kinds) {
    for (const marketplaceId of input.marketplaceIds) {
      context.df.setCustomStatus({ step: "request-reports", kind, marketplaceId });
      requested.push(yield* call(context, steps.requestReport, { kind, marketplaceId, from: input.from, to: input.to }, RETRY));
    }
  }
  const reports = yield* readReports(context, requested, input);
  let mcf: SyncOutput["mcf"];
  if (input.mcf) {
    context.df.setCustomStatus({ step: "mcf-returns" });
    mcf = yield* call(context, steps.mcfReturns, { since: input.from }, RETRY);
  }
  context.df.setCustomStatus({ step: "refunds" });
  const refunds = yield* call(context, steps.refunds, { from: input.refundsFrom, to: input.to }, RETRY);
  const at = context.df.currentUtcDateTime.toISOString();
  context.df.setCustomStatus({ step: "match-refunds" });
  const matching = yield* call(context, steps.match, { at }, RETRY);
  context.df.setCustomStatus({ step: "enqueue" });
  const { enqueued } = yield* call(context, steps.enqueue, { at }, RETRY);
  const output: SyncOutput = {
    status: reports.every((r) => r.status !== "failed") ? "done" : "partial",
    from: input.from,
    to: input.to,
    reports,
    ...(mcf ? { mcf } : {}),
    refunds,
    matching,
    enqueued,
  };
  yield* call(context, steps.finish, { input, output, startedAt }, RETRY);
  return output;
}

/** Polls every requested report (durable timers between rounds) and reads each as soon as it is done. */
function* readReports(context: DurableContext, requested: RequestedReport[], input: SyncInput): DurableGenerator<ReportOutcome[]> {
  const steps = returnsSyncActivities;
  const outcomes = new Map<string, ReportOutcome>();
  for (let poll = 0; poll < input.maxPolls && outcomes.size < requested.length; poll++) {
    if (poll > 0) yield* sleep(context, input.pollMs);
    for (const r of requested) {
      if (outcomes.has(r.reportId)) continue;
      context.df.setCustomStatus({ step: "wait-for-reports", poll, done: outcomes.size, of: requested.length });
      const s = yield* call(context, steps.reportStatus, { reportId: r.reportId }, RETRY);
      if (s.processingStatus === "DONE" && s.reportDocumentId) {
        const stored = yield* call(context, steps.storeReport, { reportId: r.reportId, reportDocumentId: s.reportDocumentId }, RETRY);
        outcomes.set(r.reportId, yield* call(context, steps.readReport, { ...r, blobName: stored.blobName }, RETRY));
      } else if (s.processingStatus === "DONE" || s.processingStatus === "CANCELLED") {
        // SP-API: a report Amazon cancels had no data for the window.
        outcomes.set(r.reportId, { ...r, status: "no-data" });
      } else if (s.processingStatus === "FATAL") {
        outcomes.set(r.reportId, { ...r, status: "failed", error: `Amazon ended report ${r.reportId} FATAL` });
      }
    }
  }
  return requested.map(
    (r) => outcomes.get(r.reportId) ?? { ...r, status: "failed", error: `report ${r.reportId} not done after ${input.maxPolls} polls` },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Activities

export async function requestReportStep(
  input: { kind: ReturnsReportKind; marketplaceId: string; from: string; to: string },
  deps: Pick<SyncDeps, "reports">,
): Promise<RequestedReport> {
  const reportId = await deps.reports.requestReport(input);
  return { kind: input.kind, marketplaceId: input.marketplaceId, reportId };
}

export function reportStatusStep(input: { reportId: string }, deps: Pick<SyncDeps, "reports">) {
  return deps.reports.reportStatus(input.reportId);
}

/** Downloads the document just in time and keeps it (content-addressed); returns where. */
export async function storeReportStep(
  input: { reportId: string; reportDocumentId: string },
  deps: Pick<SyncDeps, "reports" | "blobs">,
): Promise<{ blobName: string; bytes: number }> {
  const content = await deps.reports.downloadReport(input.reportDocumentId);
  const sha = createHash("sha256").update(content).digest("hex");
  const blobName = `reports/${safeKey(input.reportId)}/${sha}.tsv`;
  if (!(await deps.blobs.exists(RETURNS_CONTAINER, blobName)))
    await deps.blobs.put(RETURNS_CONTAINER, blobName, content, "text/tab-separated-values");
  return { blobName, bytes: content.length };
}

/** Reads a stored report and records its returns (new ones pending, known ones updated). */
export async function readReportStep(
  input: RequestedReport & { blobName: string },
  deps: Pick<SyncDeps, "blobs" | "state" | "clock" | "log">,
): Promise<ReportOutcome> {
  const content = await deps.blobs.get(RETURNS_CONTAINER, input.blobName);
  if (!content) throw new NotFoundError("returns.blobMissing", `the stored returns report ${input.blobName} is missing`);
  const parsed = parseReturnsReport(input.kind, content, { marketplaceId: input.marketplaceId, reportId: input.reportId, maxProblems: 20 });
  const base = { kind: input.kind, marketplaceId: input.marketplaceId, reportId: input.reportId };
  if (parsed.fatal) {
    deps.log.event("returns.reportUnreadable", { ...base, code: parsed.fatal.code, message: parsed.fatal.message });
    return { ...base, status: "failed", error: `${parsed.fatal.code}: ${parsed.fatal.message}` };
  }
  const store = new ReturnStore(deps.state, () => deps.clock.now());
  let fresh = 0;
  let changed = 0;
  for (const r of parsed.returns) {
    const outcome = await store.register(r);
    if (outcome === "new") fresh++;
    else if (outcome === "changed") changed++;
  }
  if (parsed.problemCount) deps.log.event("returns.badRows", { ...base, count: parsed.problemCount, first: parsed.problems.slice(0, 5) });
  return {
    ...base,
    status: "read",
    rows: parsed.rows,
    returns: parsed.returns.length,
    newReturns: fresh,
    changedReturns: changed,
    problems: parsed.problems,
    problemCount: parsed.problemCount,
  };
}

/** Records the MCF orders' returns that Amazon received since the time. */
export async function mcfReturnsStep(
  input: { since: string },
  deps: Pick<SyncDeps, "mcf" | "state" | "clock">,
): Promise<{ returns: number; newReturns: number }> {
  if (!deps.mcf) return { returns: 0, newReturns: 0 };
  const store = new ReturnStore(deps.state, () => deps.clock.now());
  const returns = await deps.mcf.returnsSince(input.since);
  let fresh = 0;
  for (const r of returns) if ((await store.register(r)) === "new") fresh++;
  return { returns: returns.length, newReturns: fresh };
}

/** Records the refunds Amazon posted in the window. */
export async function refundsStep(
  input: { from: string; to: string },
  deps: Pick<SyncDeps, "refunds" | "state" | "clock">,
): Promise<{ read: number; newRefunds: number }> {
  const store = new ReturnStore(deps.state, () => deps.clock.now());
  const refunds = await deps.refunds.refunds({ postedAfter: input.from, postedBefore: input.to });
  let fresh = 0;
  for (const r of refunds) if ((await store.registerRefund(r)) === "new") fresh++;
  return { read: refunds.length, newRefunds: fresh };
}

/**
 * Matches refunds to returns for every order that still has an open question (a return without its refund,
 * a refund without its return) and ages them: after the review period they are listed for finance.
 */
export async function matchStep(input: { at: string }, deps: Pick<SyncDeps, "state" | "clock" | "reviewAfterDays">): Promise<MatchResult> {
  const store = new ReturnStore(deps.state, () => deps.clock.now());
  const open = new Set<string>();
  for await (const r of store.returns()) if (r.refundState !== "refunded" && r.refundState !== "not-expected") open.add(r.amazonOrderId);
  for await (const f of store.refunds()) if (f.state !== "matched") open.add(f.amazonOrderId);
  const now = new Date(input.at);
  for (const orderId of open) {
    const { returns, refunds } = await store.order(orderId);
    const m = matchRefunds(returns, refunds, { now, reviewAfterDays: deps.reviewAfterDays });
    for (const r of returns) {
      const rm = m.returns.get(r.key)!;
      await store.updateReturn(orderId, r.key, (cur) => ({
        ...cur,
        refunds: rm.refunds,
        refundedQuantity: rm.refundedQuantity,
        refundState: rm.refundState,
      }));
    }
    for (const f of refunds) {
      const fm = m.refunds.get(f.key)!;
      await store.updateRefund(orderId, f.key, (cur) => ({ ...cur, ...fm }));
    }
  }
  const result: MatchResult = { orders: open.size, refunded: 0, awaitingRefund: 0, noRefund: 0, refundsWithoutReturn: 0 };
  for await (const r of store.returns()) {
    if (r.refundState === "refunded" || r.refundState === "partly-refunded") result.refunded++;
    else if (r.refundState === "no-refund") result.noRefund++;
    else if (r.refundState === "awaiting-refund") result.awaitingRefund++;
  }
  for await (const f of store.refunds()) if (f.state === "without-return" || f.state === "partly-matched") result.refundsWithoutReturn++;
  return result;
}

/** Statuses a sync sends to the import queue again (an admin's fix of a mapping or of D365 is picked up). */
const TO_IMPORT = new Set<ReturnRecord["status"]>([
  "pending",
  "header-created",
  "needs-mapping",
  "needs-order",
  "failed",
  "waiting-for-order",
]);

/** Puts every return D365 does not have in full on the import queue (one message per return, stable id). */
export async function enqueueStep(
  input: { at: string },
  deps: Pick<SyncDeps, "state" | "clock" | "bus" | "queue">,
): Promise<{ enqueued: number }> {
  const store = new ReturnStore(deps.state, () => deps.clock.now());
  const now = Date.parse(input.at);
  const messages = [];
  for await (const r of store.returns()) {
    if (!TO_IMPORT.has(r.status)) continue;
    // A return waiting for its sales order has its retry scheduled already.
    if (r.status === "waiting-for-order" && r.nextAttemptAt && Date.parse(r.nextAttemptAt) > now) continue;
    messages.push({
      messageId: returnMessageId(r.key),
      body: { amazonOrderId: r.amazonOrderId, key: r.key, source: "sync" } satisfies ReturnImportMessage,
    });
  }
  for (let i = 0; i < messages.length; i += 100) await deps.bus.send(deps.queue, messages.slice(i, i + 100));
  return { enqueued: messages.length };
}

/** Records a sync that failed (the orchestration fails too; its history has the details). */
export async function failedStep(input: { startedAt: string; error: string }, deps: Pick<SyncDeps, "state" | "clock">): Promise<void> {
  await recordRun(deps.state, {
    flow: RETURNS_FLOW,
    startedAt: new Date(input.startedAt),
    finishedAt: deps.clock.now(),
    outcome: "failed",
    error: input.error,
  });
}

const SYNC_META = { partitionKey: "~sync", rowKey: "last" };

/** Moves the watermark (only when every report was read) and records the run. */
export async function finishStep(
  input: { input: SyncInput; output: SyncOutput; startedAt: string },
  deps: Pick<SyncDeps, "state" | "clock">,
): Promise<void> {
  const { output } = input;
  if (output.status === "done") await setWatermark(deps.state, RETURNS_FLOW, undefined, new Date(output.to), deps.clock);
  const counts = {
    reports: output.reports.length,
    rows: output.reports.reduce((n, r) => n + (r.rows ?? 0), 0),
    badRows: output.reports.reduce((n, r) => n + (r.problemCount ?? 0), 0),
    returns: output.reports.reduce((n, r) => n + (r.returns ?? 0), 0) + (output.mcf?.returns ?? 0),
    newReturns: output.reports.reduce((n, r) => n + (r.newReturns ?? 0), 0) + (output.mcf?.newReturns ?? 0),
    refunds: output.refunds.read,
    newRefunds: output.refunds.newRefunds,
    enqueued: output.enqueued,
  };
  const failed = output.reports.filter((r) => r.status === "failed");
  await recordRun(deps.state, {
    flow: RETURNS_FLOW,
    startedAt: new Date(input.startedAt),
    finishedAt: deps.clock.now(),
    outcome: output.status === "done" ? "succeeded" : "partial",
    counts,
    ...(failed.length ? { error: failed.map((r) => `${r.kind} ${r.marketplaceId}: ${r.error}`).join("; ") } : {}),
  });
  // A Table property holds 32K characters: the first bad rows of each report are enough for the status page.
  const reports = output.reports.map((r) => (r.problems ? { ...r, problems: r.problems.slice(0, 10) } : r));
  const last = { ...output, reports, trigger: input.input.trigger, finishedAt: deps.clock.now().toISOString() };
  await deps.state.upsert(RETURNS_TABLE, { ...SYNC_META, kind: "sync", json: JSON.stringify(last) });
}

/** The last finished sync's result (for the status page and GET /api/returns/sync). */
export async function lastSync(state: StateStore): Promise<(SyncOutput & { trigger?: string; finishedAt?: string }) | undefined> {
  const row = await state.get<{ partitionKey: string; rowKey: string; json: string }>(
    RETURNS_TABLE,
    SYNC_META.partitionKey,
    SYNC_META.rowKey,
  );
  return row ? JSON.parse(row.entity.json) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Starting a sync

/** The part of the Durable client the flow needs. */
export interface SyncStarter {
  /** "Running", "Completed", ... or undefined when there is no such instance. */
  runtimeStatus(instanceId: string): Promise<string | undefined>;
  startNew(name: string, instanceId: string, input: unknown): Promise<void>;
  purge(instanceId: string): Promise<void>;
}

export interface SyncOptions {
  marketplaceIds: string[];
  kinds: ReturnsReportKind[];
  mcf: boolean;
  initialLookbackDays: number;
  overlapDays: number;
  refundLookbackDays: number;
  pollMs: number;
  maxPolls: number;
}

export interface StartSyncOutcome {
  instanceId: string;
  started: boolean;
  input?: SyncInput;
}

const ACTIVE = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);
const DAY = 86_400_000;
/** SP-API: data of the last minutes may be incomplete, and Finances wants postedBefore two minutes back. */
const LAG_MS = 3 * 60_000;

/**
 * Starts a sync of [since, now] (default: the watermark less the overlap, or the initial lookback on a first
 * run), unless one is running: then its instance answers.
 */
export async function startReturnsSync(
  request: { since?: Date; trigger: string },
  starter: SyncStarter,
  deps: Pick<SyncDeps, "state" | "clock">,
  options: SyncOptions,
): Promise<StartSyncOutcome> {
  const status = await starter.runtimeStatus(RETURNS_SYNC_INSTANCE);
  if (status && ACTIVE.has(status)) return { instanceId: RETURNS_SYNC_INSTANCE, started: false };
  const now = deps.clock.now().getTime();
  const watermark = await getWatermark(deps.state, RETURNS_FLOW);
  const from = request.since
    ? request.since.getTime()
    : watermark
      ? watermark.getTime() - options.overlapDays * DAY
      : now - options.initialLookbackDays * DAY;
  const firstRun = !watermark || request.since !== undefined;
  const to = now - LAG_MS;
  const input: SyncInput = {
    from: new Date(Math.min(from, to - 60_000)).toISOString(),
    to: new Date(to).toISOString(),
    refundsFrom: new Date(Math.min(from, to - 60_000) - (firstRun ? options.refundLookbackDays * DAY : 0)).toISOString(),
    marketplaceIds: options.marketplaceIds,
    kinds: options.kinds,
    mcf: options.mcf,
    pollMs: options.pollMs,
    maxPolls: options.maxPolls,
    trigger: request.trigger,
  };
  if (status) await starter.purge(RETURNS_SYNC_INSTANCE);
  await starter.startNew(returnsSyncOrchestration.name, RETURNS_SYNC_INSTANCE, input);
  return { instanceId: RETURNS_SYNC_INSTANCE, started: true, input };
}
