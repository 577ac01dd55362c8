/**
 * Jobs: HTTP calls whose work may wait longer than Azure lets an HTTP call run (230 s; SP-API quotas alone can
 * make a sync wait minutes). The call writes a job record, puts a message on the jobs queue and waits a little
 * (HTTP_JOB_WAIT_SECONDS): when the job finished by then it answers 200 with the result at once, otherwise
 * 202 with an absolute `Location` (`GET /api/jobs/{id}`) and `Retry-After`. The status URL answers 202 while the
 * job waits or runs and, when it is done, 200 with the result or the job's error status (4xx, or 500) with the
 * error: the asynchronous request-reply pattern Power Automate and Logic Apps poll natively (as Durable
 * Functions' status URLs answer).
 *
 * The job itself runs in the jobs queue's function (src/functions/job-runner.ts) through handleQueueMessage, so
 * it gets the same retries as every message (a failure that may pass is retried later by a scheduled copy) and
 * survives a restart of the instance that took the call.
 *
 *   // function file (HTTP):
 *   const input = await parseJsonBody(request, SyncRequest);
 *   return startJob(request, jobDeps(app, context), "orders.sync", input, waitMs);
 *   // the wiring's table of job kinds (src/wiring/jobs.ts):
 *   "orders.sync": jobHandler(SyncInput, (input) => catchUpOrders(...)),
 *
 * Table "jobs": partition "job", row = the job id (a random UUID). Inputs and results are business keys and
 * counts, never buyer PII or secrets; error messages are redacted.
 */
import { randomUUID } from "node:crypto";
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { systemClock, type Clock } from "./clock";
import {
  AppError,
  ConcurrencyError,
  ConfigurationError,
  MappingGapError,
  NotFoundError,
  ValidationError,
  describeError,
  isRetryable,
} from "./errors";
import type { DeliveryInfo, MessageBus, StateEntity, StateStore } from "./ports";
import { redact, type Telemetry } from "./telemetry";

export const JOBS_TABLE = "jobs";
const PARTITION = "job";

export type JobStatus = "queued" | "running" | "retrying" | "succeeded" | "failed";

export interface JobError {
  code: string;
  message: string;
  /** The HTTP status the status URL answers with for this failure. */
  status: number;
  retryable: boolean;
  /** A rule that would close a mapping gap. */
  suggestion?: unknown;
}

export interface JobRecord {
  id: string;
  kind: string;
  status: JobStatus;
  input: unknown;
  result?: unknown;
  error?: JobError;
  /** The error of the last attempt that failed and is retried (while status is retrying). */
  lastError?: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export const JobId = z.uuid();

/** The jobs queue's message: which job to run (the record holds its input). */
export const JobMessage = z.object({ jobId: JobId, kind: z.string().min(1).max(100) });
export type JobMessage = z.infer<typeof JobMessage>;

/** One kind of job: its input schema (checked again when it runs) and what it does. */
export interface JobHandler {
  input: z.ZodType;
  run(input: unknown): Promise<unknown>;
}

/** The wiring's table of job kinds, by name ("orders.sync"). Never rename a kind while jobs of it may wait. */
export type JobHandlers = Record<string, JobHandler>;

export function jobHandler<S extends z.ZodType>(input: S, run: (input: z.infer<S>) => Promise<unknown>): JobHandler {
  return { input, run: (value) => run(value as z.infer<S>) };
}

export interface JobDeps {
  state: StateStore;
  bus: MessageBus;
  /** The jobs queue (QUEUE_JOBS). */
  queue: string;
  clock?: Clock;
  telemetry?: Telemetry;
}

interface JobRow extends StateEntity {
  kind: string;
  status: JobStatus;
  json: string;
}

// A Table property holds at most 64 KiB; a job record (input, result, error) is kept in one JSON text and
// refused when larger: job results are counts and outcomes, not data.
const MAX_RECORD_CHARS = 30_000;

function toRow(record: JobRecord): JobRow {
  let json = JSON.stringify(record);
  if (json.length > MAX_RECORD_CHARS) {
    json = JSON.stringify({ ...record, result: { truncated: true, length: JSON.stringify(record.result ?? null).length } });
  }
  return { partitionKey: PARTITION, rowKey: record.id, kind: record.kind, status: record.status, json };
}

async function read(state: StateStore, id: string): Promise<{ record: JobRecord; etag: string } | undefined> {
  const row = await state.get<JobRow>(JOBS_TABLE, PARTITION, id);
  return row ? { record: JSON.parse(row.entity.json) as JobRecord, etag: row.etag } : undefined;
}

export async function getJob(state: StateStore, id: string): Promise<JobRecord | undefined> {
  return (await read(state, id))?.record;
}

export function isDone(record: JobRecord): boolean {
  return record.status === "succeeded" || record.status === "failed";
}

/** Writes the job record, then its message: a message never points at a record that is not there. */
export async function submitJob(deps: JobDeps, kind: string, input: unknown): Promise<JobRecord> {
  const now = (deps.clock ?? systemClock).now().toISOString();
  const record: JobRecord = { id: randomUUID(), kind, status: "queued", input, attempts: 0, createdAt: now, updatedAt: now };
  await deps.state.insert(JOBS_TABLE, toRow(record));
  await deps.bus.send(deps.queue, {
    messageId: `job:${record.id}`,
    body: { jobId: record.id, kind },
    subject: "job",
    applicationProperties: { kind },
  });
  deps.telemetry?.event("job.submitted", { jobId: record.id, kind });
  return record;
}

/** Waits up to `waitMs` for the job to finish (polling its record, 100 ms growing to 1 s); returns the record it last read. */
export async function waitForJob(
  state: StateStore,
  id: string,
  waitMs: number,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<JobRecord | undefined> {
  const deadline = Date.now() + waitMs;
  let step = 100;
  for (;;) {
    const record = await getJob(state, id);
    if (!record || isDone(record) || Date.now() >= deadline) return record;
    await sleep(Math.min(step, Math.max(0, deadline - Date.now())));
    step = Math.min(1000, step * 1.5);
  }
}

/**
 * The failure as the status URL reports it: what no retry changes keeps its 4xx (bad input 400, not found 404,
 * conflict 409, needs mapping 422); anything else (an outage or throttling that outlasted every retry, a setting)
 * is 500, never 429 or 503, which a poller would take for the status URL itself being busy.
 */
export function jobError(err: unknown): JobError {
  const status =
    err instanceof AppError && !err.retryable && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 401
      ? err.httpStatus
      : 500;
  return {
    code: err instanceof AppError ? err.code : "job.failed",
    message: String(redact(err instanceof AppError ? err.message : describeError(err))).slice(0, 2000),
    status,
    retryable: isRetryable(err),
    ...(err instanceof MappingGapError && err.suggestion !== undefined ? { suggestion: redact(err.suggestion) } : {}),
  };
}

/** Changes the record with its etag (a lost race reads again and retries). */
async function update(state: StateStore, id: string, change: (r: JobRecord) => JobRecord | undefined): Promise<JobRecord> {
  for (let i = 0; ; i++) {
    const current = await read(state, id);
    if (!current) throw new NotFoundError("job.notFound", `Job ${id} has no record (it was deleted)`, { where: "jobId" });
    const next = change(current.record);
    if (!next) return current.record;
    try {
      await state.replace(JOBS_TABLE, toRow(next), current.etag);
      return next;
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || i >= 5) throw err;
    }
  }
}

/**
 * Runs one job (the jobs queue's handler). A job that is done already is not run again (a redelivered message);
 * a failure that may pass is recorded and rethrown, so the queue retries it later, unless this is its last
 * attempt; any other failure ends the job as failed (the caller sees it on the status URL; nothing is parked).
 */
export async function runJob(
  message: JobMessage,
  delivery: DeliveryInfo,
  handlers: JobHandlers,
  deps: Omit<JobDeps, "bus" | "queue">,
): Promise<JobRecord> {
  const clock = deps.clock ?? systemClock;
  const stamp = () => clock.now().toISOString();
  const current = await getJob(deps.state, message.jobId);
  if (!current) throw new NotFoundError("job.notFound", `Job ${message.jobId} has no record`, { where: "jobId" });
  if (isDone(current)) return current;
  const finish = (patch: Partial<JobRecord>) =>
    update(deps.state, current.id, (r) => (isDone(r) ? undefined : { ...r, ...patch, updatedAt: stamp(), finishedAt: stamp() }));
  const handler = handlers[current.kind];
  if (!handler) {
    return finish({
      status: "failed",
      error: jobError(new ConfigurationError("job.unknownKind", `No job of kind "${current.kind}" is known to this version of the app`)),
    });
  }
  const input = handler.input.safeParse(current.input);
  if (!input.success) {
    return finish({
      status: "failed",
      error: jobError(new ValidationError("job.invalidInput", `Invalid job input: ${input.error.message}`)),
    });
  }
  await update(deps.state, current.id, (r) =>
    isDone(r) ? undefined : { ...r, status: "running", attempts: r.attempts + 1, startedAt: r.startedAt ?? stamp(), updatedAt: stamp() },
  );
  try {
    const result = await handler.run(input.data);
    const done = await finish({ status: "succeeded", result: result ?? null, lastError: undefined });
    deps.telemetry?.event("job.succeeded", { jobId: current.id, kind: current.kind, attempts: done.attempts });
    return done;
  } catch (err) {
    if (isRetryable(err) && !delivery.lastAttempt) {
      await update(deps.state, current.id, (r) =>
        isDone(r)
          ? undefined
          : { ...r, status: "retrying", lastError: String(redact(describeError(err))).slice(0, 1000), updatedAt: stamp() },
      );
      throw err;
    }
    const done = await finish({ status: "failed", error: jobError(err) });
    deps.telemetry?.event("job.failed", { jobId: current.id, kind: current.kind, code: done.error?.code });
    return done;
  }
}

/**
 * The absolute URL of `path` on this app, for `Location`: the request's own origin (what the caller reached: the
 * app's host name in Azure), with the `code` query parameter carried over when the caller sent its function key
 * that way (Durable Functions' status URLs do the same), so that a poller can follow it as it is.
 */
export function absoluteUrl(requestUrl: string, path: string): string {
  const incoming = new URL(requestUrl);
  const out = new URL(path, incoming);
  const code = incoming.searchParams.get("code");
  if (code) out.searchParams.set("code", code);
  return out.toString();
}

export function jobStatusPath(id: string): string {
  return `/api/jobs/${encodeURIComponent(id)}`;
}

/** What a job looks like to a caller (no input: the caller knows what it asked). */
export function publicJob(record: JobRecord, statusUrl: string): Record<string, unknown> {
  return {
    jobId: record.id,
    kind: record.kind,
    status: record.status,
    statusUrl,
    createdAt: record.createdAt,
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    attempts: record.attempts,
    ...(record.lastError && !isDone(record) ? { lastError: record.lastError } : {}),
    ...(record.status === "succeeded" ? { result: record.result } : {}),
    ...(record.error ? { error: { ...record.error, status: undefined } } : {}),
  };
}

/** Seconds a poller should wait before asking again. */
export const JOB_RETRY_AFTER_SECONDS = 5;

/** The answer for a job: 202 + Location + Retry-After while it waits or runs, 200 with the result, or the failure's status. */
export function jobResponse(record: JobRecord, statusUrl: string): HttpResponseInit {
  const jsonBody = publicJob(record, statusUrl);
  if (!isDone(record)) return { status: 202, headers: { Location: statusUrl, "Retry-After": String(JOB_RETRY_AFTER_SECONDS) }, jsonBody };
  if (record.status === "succeeded") return { status: 200, jsonBody };
  return { status: record.error?.status ?? 500, jsonBody };
}

/** Starts a job for an HTTP call and answers: 200 (or the failure) when it finished within `waitMs`, else 202 with its status URL. */
export async function startJob(requestUrl: string, deps: JobDeps, kind: string, input: unknown, waitMs: number): Promise<HttpResponseInit> {
  const submitted = await submitJob(deps, kind, input);
  const record = waitMs > 0 ? ((await waitForJob(deps.state, submitted.id, waitMs)) ?? submitted) : submitted;
  return jobResponse(record, absoluteUrl(requestUrl, jobStatusPath(record.id)));
}
