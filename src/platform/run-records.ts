/**
 * Run records and watermarks, kept in the StateStore for GET /api/status and for the flows' catch-up logic.
 *
 *   const run = await startRun(state, { flow: "orders-catchup", scope: "ATVPDKIKX0DER" }, clock);
 *   ... await run.finish({ outcome: "succeeded", counts: { orders: 12, created: 3 } });
 *   // or in one go: await recordRun(state, { flow, scope, startedAt, finishedAt, outcome, counts, error });
 *
 *   const since = await getWatermark(state, "orders-catchup", "ATVPDKIKX0DER");   // Date | undefined
 *   await setWatermark(state, "orders-catchup", "ATVPDKIKX0DER", newest);          // never moves backwards
 *
 * Tables: "runs" (one row per flow+scope: the last run and running counters) and "watermarks" (one row
 * per flow+scope). Keys are the flow name (partition) and the scope (row; "all" when none), made safe with
 * safeKey. Records hold counts, times, outcomes and error messages (redacted) — never message bodies or
 * buyer data: pass scopes that are business keys (a marketplace id, a settlement id), not names or addresses.
 */
import { systemClock, type Clock } from "./clock";
import { describeError } from "./errors";
import { withEtagRetry } from "./etag-retry";
import type { StateEntity, StateStore } from "./ports";
import { safeKey } from "./state-keys";
import { redact } from "./telemetry";

export const RUNS_TABLE = "runs";
export const WATERMARKS_TABLE = "watermarks";
export const DEFAULT_SCOPE = "all";

export type RunOutcome = "succeeded" | "partial" | "failed" | "skipped";
export const RUN_OUTCOMES: readonly RunOutcome[] = ["succeeded", "partial", "failed", "skipped"];

export interface RunInput {
  flow: string;
  /** What the run covered: a marketplace id, a settlement id, ... (default "all"). */
  scope?: string;
  startedAt: Date;
  finishedAt: Date;
  outcome: RunOutcome;
  /** Numbers worth showing (orders seen, created, skipped, lines posted, ...). */
  counts?: Record<string, number>;
  /** What went wrong (an Error or a message); stored redacted and shortened. */
  error?: unknown;
}

export interface RunSummary {
  flow: string;
  scope: string;
  lastRun?: {
    startedAt: Date;
    finishedAt: Date;
    durationMs: number;
    outcome: RunOutcome;
    counts: Record<string, number>;
    error?: string;
  };
  /** Set while a run started with startRun has not finished (or crashed before finishing). */
  runningSince?: Date;
  lastSuccessAt?: Date;
  lastFailureAt?: Date;
  /** How many runs ended with each outcome. */
  runs: Record<RunOutcome, number>;
  /** Sum of every run's counts. */
  totals: Record<string, number>;
}

interface RunRow extends StateEntity {
  flow: string;
  scope: string;
  runningSince?: Date;
  lastStartedAt?: Date;
  lastFinishedAt?: Date;
  lastOutcome?: string;
  lastCounts?: string;
  lastError?: string;
  lastSuccessAt?: Date;
  lastFailureAt?: Date;
  runsSucceeded?: number;
  runsPartial?: number;
  runsFailed?: number;
  runsSkipped?: number;
  totals?: string;
}

const MAX_ERROR_CHARS = 1000;

function scopeOf(scope: string | undefined): string {
  return scope === undefined || scope === "" ? DEFAULT_SCOPE : scope;
}

function parseCounts(json: string | undefined): Record<string, number> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(v).filter(([, n]) => typeof n === "number")) as Record<string, number>;
  } catch {
    return {};
  }
}

/** An error as a short, redacted line fit for state and the status page. */
export function errorText(error: unknown): string {
  const text = typeof error === "string" ? error : describeError(error);
  return String(redact(text)).slice(0, MAX_ERROR_CHARS);
}

function counterKey(outcome: RunOutcome): "runsSucceeded" | "runsPartial" | "runsFailed" | "runsSkipped" {
  return `runs${outcome[0]!.toUpperCase()}${outcome.slice(1)}` as "runsSucceeded";
}

function toSummary(row: RunRow): RunSummary {
  const summary: RunSummary = {
    flow: row.flow,
    scope: row.scope,
    runs: { succeeded: row.runsSucceeded ?? 0, partial: row.runsPartial ?? 0, failed: row.runsFailed ?? 0, skipped: row.runsSkipped ?? 0 },
    totals: parseCounts(row.totals),
  };
  if (row.lastStartedAt && row.lastFinishedAt && row.lastOutcome) {
    summary.lastRun = {
      startedAt: row.lastStartedAt,
      finishedAt: row.lastFinishedAt,
      durationMs: row.lastFinishedAt.getTime() - row.lastStartedAt.getTime(),
      outcome: row.lastOutcome as RunOutcome,
      counts: parseCounts(row.lastCounts),
      ...(row.lastError ? { error: row.lastError } : {}),
    };
  }
  if (row.runningSince) summary.runningSince = row.runningSince;
  if (row.lastSuccessAt) summary.lastSuccessAt = row.lastSuccessAt;
  if (row.lastFailureAt) summary.lastFailureAt = row.lastFailureAt;
  return summary;
}

/** Read-modify-write of one run row, safe against concurrent writers. */
async function updateRunRow(state: StateStore, flow: string, scope: string, change: (row: RunRow) => void): Promise<RunRow> {
  return withEtagRetry(async () => {
    const current = await state.get<RunRow>(RUNS_TABLE, safeKey(flow), safeKey(scope));
    const row: RunRow = current ? { ...current.entity } : { partitionKey: safeKey(flow), rowKey: safeKey(scope), flow, scope };
    change(row);
    if (current) await state.replace(RUNS_TABLE, row, current.etag);
    else await state.insert(RUNS_TABLE, row);
    return row;
  });
}

/** Records a finished run: it becomes the last run of its flow+scope and is added to the counters. */
export async function recordRun(state: StateStore, run: RunInput): Promise<RunSummary> {
  const scope = scopeOf(run.scope);
  const row = await updateRunRow(state, run.flow, scope, (r) => {
    const counts = run.counts ?? {};
    const totals = parseCounts(r.totals);
    for (const [k, v] of Object.entries(counts)) if (Number.isFinite(v)) totals[k] = (totals[k] ?? 0) + v;
    r.lastStartedAt = run.startedAt;
    r.lastFinishedAt = run.finishedAt;
    r.lastOutcome = run.outcome;
    r.lastCounts = JSON.stringify(counts);
    r.lastError = run.error === undefined ? undefined : errorText(run.error);
    if (run.outcome === "succeeded") r.lastSuccessAt = run.finishedAt;
    if (run.outcome === "failed") r.lastFailureAt = run.finishedAt;
    const key = counterKey(run.outcome);
    r[key] = (r[key] ?? 0) + 1;
    r.totals = JSON.stringify(totals);
    // A run that finishes clears the "running" mark only if it is the one that set it (or a later one).
    if (r.runningSince && r.runningSince.getTime() <= run.startedAt.getTime()) r.runningSince = undefined;
  });
  return toSummary(row);
}

export interface RunHandle {
  readonly flow: string;
  readonly scope: string;
  readonly startedAt: Date;
  finish(result: { outcome: RunOutcome; counts?: Record<string, number>; error?: unknown }): Promise<RunSummary>;
}

/** Marks a run as running (shown on the status page) and returns a handle that records its end. */
export async function startRun(state: StateStore, run: { flow: string; scope?: string }, clock: Clock = systemClock): Promise<RunHandle> {
  const scope = scopeOf(run.scope);
  const startedAt = clock.now();
  await updateRunRow(state, run.flow, scope, (r) => {
    r.runningSince = startedAt;
  });
  return {
    flow: run.flow,
    scope,
    startedAt,
    finish: (result) => recordRun(state, { flow: run.flow, scope, startedAt, finishedAt: clock.now(), ...result }),
  };
}

export async function getRun(state: StateStore, flow: string, scope?: string): Promise<RunSummary | undefined> {
  const row = await state.get<RunRow>(RUNS_TABLE, safeKey(flow), safeKey(scopeOf(scope)));
  return row ? toSummary(row.entity) : undefined;
}

/** Every flow+scope's summary (of one flow when given), ordered by flow and scope. */
export async function listRuns(state: StateStore, flow?: string): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for await (const row of state.query<RunRow>(RUNS_TABLE, flow === undefined ? {} : { partitionKey: safeKey(flow) }))
    out.push(toSummary(row.entity));
  return out;
}

// -------------------------------------------------------------------------------------------------------
// Watermarks

export interface Watermark {
  flow: string;
  scope: string;
  value: Date;
  updatedAt: Date;
}

interface WatermarkRow extends StateEntity {
  flow: string;
  scope: string;
  value: Date;
  updatedAt: Date;
}

export async function getWatermark(state: StateStore, flow: string, scope?: string): Promise<Date | undefined> {
  const row = await state.get<WatermarkRow>(WATERMARKS_TABLE, safeKey(flow), safeKey(scopeOf(scope)));
  return row?.entity.value;
}

/**
 * Moves the watermark forward to `value`. A value at or before the stored one changes nothing (two
 * overlapping runs cannot move it backwards); concurrent writers are serialised with ETags.
 * Returns the watermark now stored and whether this call moved it.
 */
export async function setWatermark(
  state: StateStore,
  flow: string,
  scope: string | undefined,
  value: Date,
  clock: Clock = systemClock,
): Promise<{ value: Date; moved: boolean }> {
  const s = scopeOf(scope);
  return withEtagRetry(async () => {
    const current = await state.get<WatermarkRow>(WATERMARKS_TABLE, safeKey(flow), safeKey(s));
    if (current && current.entity.value.getTime() >= value.getTime()) return { value: current.entity.value, moved: false };
    const row: WatermarkRow = { partitionKey: safeKey(flow), rowKey: safeKey(s), flow, scope: s, value, updatedAt: clock.now() };
    if (current) await state.replace(WATERMARKS_TABLE, row, current.etag);
    else await state.insert(WATERMARKS_TABLE, row);
    return { value, moved: true };
  });
}

export async function listWatermarks(state: StateStore, flow?: string): Promise<Watermark[]> {
  const out: Watermark[] = [];
  for await (const row of state.query<WatermarkRow>(WATERMARKS_TABLE, flow === undefined ? {} : { partitionKey: safeKey(flow) })) {
    const { flow: f, scope, value, updatedAt } = row.entity;
    out.push({ flow: f, scope, value, updatedAt });
  }
  return out;
}
