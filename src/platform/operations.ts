/**
 * The operations API behind GET /api/status, GET /api/deadletters and the replay endpoints. Function files
 * (src/functions/status.ts, deadletters-*.ts) only register routes and call these handlers with the wiring's
 * `operationsDeps(app, context)`; tests call them directly with HttpRequest objects and in-memory ports.
 *
 * Replay: the body is sent again to its queue with messageId `<original>:replay:<n>` (n counts replays of
 * the same original, so a double click produces the same id and Service Bus duplicate detection drops the
 * second copy), then the parked message / dead-lettered message is removed. Send first, remove second: a
 * crash in between leaves a record that a second replay resends under the same id (harmless).
 */
import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { systemClock, type Clock } from "./clock";
import { NotFoundError, describeError } from "./errors";
import type { DeadLetteredMessage, MessageBus, StateStore } from "./ports";
import { listParked, removeParked, type ParkedMessage } from "./parked-messages";
import { listRuns, listWatermarks, type RunSummary } from "./run-records";
import { collectStatusSections, type StatusSections } from "./status-page-sections";
import { redact, silentTelemetry, type Telemetry } from "./telemetry";
import { httpError } from "./trigger-adapters";

export interface OperationsDeps {
  state: StateStore;
  /** Read lazily: where no bus is configured, the status page reports the error per queue instead of failing. */
  readonly bus: MessageBus;
  /** The queues the app uses (every QUEUE_* setting). */
  queues: string[];
  clock?: Clock;
  telemetry?: Telemetry;
  /** The flows' sections of the status page (the wiring's table); none when absent. */
  sections?: StatusSections;
}

/** Every configured queue name: the values of the QUEUE_* settings that are names (not numbers). */
export function configuredQueues(config: object): string[] {
  const names = Object.entries(config)
    .filter(([k, v]) => k.startsWith("QUEUE_") && typeof v === "string" && v.length > 0)
    .map(([, v]) => v as string);
  return [...new Set(names)];
}

// -------------------------------------------------------------------------------------------------------
// Status

/** How many dead-lettered messages the status page peeks per queue at most. */
export const STATUS_DEAD_LETTER_PEEK = 250;

export interface QueueStatus {
  queue: string;
  parked: number;
  deadLettered?: number;
  /** True when there are at least `deadLettered` messages (the peek stopped at its limit). */
  deadLetteredCapped?: boolean;
  active?: number;
  error?: string;
}

export interface FlowStatus {
  flow: string;
  scopes: (Omit<RunSummary, "flow"> & { watermark?: Date; watermarkUpdatedAt?: Date })[];
}

export interface StatusReport {
  status: "ok" | "attention";
  generatedAt: Date;
  flows: FlowStatus[];
  queues: QueueStatus[];
  parkedTotal: number;
  deadLetteredTotal: number;
  /** Sections contributed by flows (see status-page-sections.ts), e.g. `orders`: orders by ledger status. */
  sections: Record<string, unknown>;
}

export async function buildStatus(deps: OperationsDeps): Promise<StatusReport> {
  const clock = deps.clock ?? systemClock;
  const [runs, watermarks, parked, sections] = await Promise.all([
    listRuns(deps.state),
    listWatermarks(deps.state),
    listParked(deps.state),
    collectStatusSections(deps.sections ?? {}, deps.state),
  ]);

  const flows = new Map<string, FlowStatus>();
  const scopeOf = (flow: string, scope: string) => {
    let f = flows.get(flow);
    if (!f) flows.set(flow, (f = { flow, scopes: [] }));
    let s = f.scopes.find((x) => x.scope === scope);
    if (!s) f.scopes.push((s = { scope, runs: { succeeded: 0, partial: 0, failed: 0, skipped: 0 }, totals: {} }));
    return s;
  };
  for (const r of runs) {
    const { flow, ...rest } = r;
    Object.assign(scopeOf(flow, r.scope), rest);
  }
  for (const w of watermarks) Object.assign(scopeOf(w.flow, w.scope), { watermark: w.value, watermarkUpdatedAt: w.updatedAt });

  const parkedByQueue = new Map<string, number>();
  for (const p of parked) parkedByQueue.set(p.queue, (parkedByQueue.get(p.queue) ?? 0) + 1);
  const queueNames = [...new Set([...deps.queues, ...parkedByQueue.keys()])];

  const queues = await Promise.all(
    queueNames.map(async (queue): Promise<QueueStatus> => {
      const q: QueueStatus = { queue, parked: parkedByQueue.get(queue) ?? 0 };
      try {
        const bus = deps.bus;
        const dead = await bus.peekDeadLetters(queue, STATUS_DEAD_LETTER_PEEK);
        q.deadLettered = dead.length;
        q.deadLetteredCapped = dead.length >= STATUS_DEAD_LETTER_PEEK;
        const active = bus.countActive ? await bus.countActive(queue) : undefined;
        if (active !== undefined) q.active = active;
      } catch (err) {
        q.error = String(redact(describeError(err)));
      }
      return q;
    }),
  );

  const deadLetteredTotal = queues.reduce((n, q) => n + (q.deadLettered ?? 0), 0);
  const attention =
    parked.length > 0 || deadLetteredTotal > 0 || queues.some((q) => q.error) || runs.some((r) => r.lastRun?.outcome === "failed");
  return {
    status: attention ? "attention" : "ok",
    generatedAt: clock.now(),
    flows: [...flows.values()],
    queues,
    parkedTotal: parked.length,
    deadLetteredTotal,
    sections,
  };
}

// -------------------------------------------------------------------------------------------------------
// Dead letters and parked messages

export interface DeadLetterListing {
  parked: ParkedMessage[];
  deadLettered: DeadLetteredMessage[];
  errors: { queue: string; error: string }[];
}

export async function listDeadLetters(deps: OperationsDeps, options: { queue?: string; max?: number } = {}): Promise<DeadLetterListing> {
  const max = options.max ?? 100;
  const queues = options.queue ? [options.queue] : deps.queues;
  const parked = await listParked(deps.state, options.queue ? { queue: options.queue } : {});
  const deadLettered: DeadLetteredMessage[] = [];
  const errors: { queue: string; error: string }[] = [];
  for (const queue of queues) {
    try {
      deadLettered.push(...(await deps.bus.peekDeadLetters(queue, max)));
    } catch (err) {
      errors.push({ queue, error: String(redact(describeError(err))) });
    }
  }
  return { parked, deadLettered, errors };
}

const REPLAY_SUFFIX = /:replay:(\d+)$/;
const MAX_MESSAGE_ID = 128;

/** `abc` -> `abc:replay:1`, `abc:replay:1` -> `abc:replay:2` (kept within Service Bus' 128 characters). */
export function replayMessageId(original: string): string {
  const m = REPLAY_SUFFIX.exec(original);
  const base = m ? original.slice(0, m.index) : original;
  const n = m ? Number(m[1]) + 1 : 1;
  const suffix = `:replay:${n}`;
  const id = base + suffix;
  if (id.length <= MAX_MESSAGE_ID) return id;
  return `${createHash("sha256").update(base).digest("hex").slice(0, 40)}${suffix}`;
}

export interface ReplayItem {
  queue: string;
  messageId: string;
  newMessageId: string;
  source: "parked" | "dead-letter";
}

export interface ReplayReport {
  queue: string;
  replayed: ReplayItem[];
  failed: { messageId: string; source: "parked" | "dead-letter"; error: string }[];
}

function assertKnownQueue(deps: OperationsDeps, queue: string): void {
  if (!deps.queues.includes(queue)) {
    throw new NotFoundError("operations.unknownQueue", `Queue "${queue}" is not one of the app's queues (${deps.queues.join(", ")})`, {
      where: "queue",
    });
  }
}

async function replayParked(deps: OperationsDeps, p: ParkedMessage, report: ReplayReport): Promise<void> {
  const newMessageId = replayMessageId(p.messageId);
  try {
    await deps.bus.send(p.queue, { messageId: newMessageId, body: p.body, applicationProperties: { replayOf: p.messageId } });
    await removeParked(deps.state, p.queue, p.messageId);
    report.replayed.push({ queue: p.queue, messageId: p.messageId, newMessageId, source: "parked" });
  } catch (err) {
    report.failed.push({ messageId: p.messageId, source: "parked", error: String(redact(describeError(err))) });
  }
}

async function replayDeadLettered(deps: OperationsDeps, d: DeadLetteredMessage, report: ReplayReport): Promise<void> {
  const newMessageId = replayMessageId(d.messageId);
  try {
    await deps.bus.send(d.queue, {
      messageId: newMessageId,
      body: d.body,
      ...(d.subject !== undefined ? { subject: d.subject } : {}),
      applicationProperties: { ...(d.applicationProperties ?? {}), replayOf: d.messageId },
    });
    await deps.bus.removeDeadLetter(d.queue, d.sequenceNumber);
    report.replayed.push({ queue: d.queue, messageId: d.messageId, newMessageId, source: "dead-letter" });
  } catch (err) {
    report.failed.push({ messageId: d.messageId, source: "dead-letter", error: String(redact(describeError(err))) });
  }
}

const REPLAY_DEAD_LETTER_MAX = 500;

/** Replays every parked and dead-lettered message of one queue. */
export async function replayQueue(deps: OperationsDeps, queue: string): Promise<ReplayReport> {
  assertKnownQueue(deps, queue);
  const report: ReplayReport = { queue, replayed: [], failed: [] };
  for (const p of await listParked(deps.state, { queue })) await replayParked(deps, p, report);
  for (const d of await deps.bus.peekDeadLetters(queue, REPLAY_DEAD_LETTER_MAX)) await replayDeadLettered(deps, d, report);
  (deps.telemetry ?? silentTelemetry).event("deadletters.replayed", {
    queue,
    replayed: report.replayed.length,
    failed: report.failed.length,
  });
  return report;
}

/** Replays one message (parked record and/or dead-lettered copies with that messageId); 404 when none. */
export async function replayOne(deps: OperationsDeps, queue: string, messageId: string): Promise<ReplayReport> {
  assertKnownQueue(deps, queue);
  const report: ReplayReport = { queue, replayed: [], failed: [] };
  const parked = (await listParked(deps.state, { queue })).find((p) => p.messageId === messageId);
  if (parked) await replayParked(deps, parked, report);
  const dead = (await deps.bus.peekDeadLetters(queue, REPLAY_DEAD_LETTER_MAX)).filter((d) => d.messageId === messageId);
  for (const d of dead) await replayDeadLettered(deps, d, report);
  if (!parked && dead.length === 0) {
    throw new NotFoundError("operations.messageNotFound", `No parked or dead-lettered message "${messageId}" on queue "${queue}"`, {
      where: "messageId",
    });
  }
  (deps.telemetry ?? silentTelemetry).event("deadletters.replayed", {
    queue,
    messageId,
    replayed: report.replayed.length,
    failed: report.failed.length,
  });
  return report;
}

// -------------------------------------------------------------------------------------------------------
// HTTP handlers (request, context, deps) -> response

type DepsArg = OperationsDeps | (() => OperationsDeps);
const resolve = (d: DepsArg) => (typeof d === "function" ? d() : d);

/** Bodies are business keys only, but redact anyway: a message from another sender could carry more. */
function safeJson<T>(value: T): unknown {
  return redact(JSON.parse(JSON.stringify(value)));
}

export async function statusHandler(_request: HttpRequest, context: InvocationContext, deps: DepsArg): Promise<HttpResponseInit> {
  try {
    return { status: 200, jsonBody: safeJson(await buildStatus(resolve(deps))) };
  } catch (err) {
    return httpError(err, context.invocationId);
  }
}

export async function deadLettersHandler(request: HttpRequest, context: InvocationContext, deps: DepsArg): Promise<HttpResponseInit> {
  try {
    const d = resolve(deps);
    const queue = request.query.get("queue") ?? undefined;
    if (queue) assertKnownQueue(d, queue);
    const maxRaw = request.query.get("max");
    const max = maxRaw ? Math.min(Math.max(Number.parseInt(maxRaw, 10) || 100, 1), 1000) : 100;
    return { status: 200, jsonBody: safeJson(await listDeadLetters(d, { ...(queue ? { queue } : {}), max })) };
  } catch (err) {
    return httpError(err, context.invocationId);
  }
}

/** 200 all replayed (or nothing to do), 207 some failed, 502 every one failed. */
function replayStatus(report: ReplayReport): number {
  if (report.failed.length === 0) return 200;
  return report.replayed.length ? 207 : 502;
}

export async function replayQueueHandler(request: HttpRequest, context: InvocationContext, deps: DepsArg): Promise<HttpResponseInit> {
  try {
    const report = await replayQueue(resolve(deps), request.params.queue ?? "");
    return { status: replayStatus(report), jsonBody: report };
  } catch (err) {
    return httpError(err, context.invocationId);
  }
}

export async function replayMessageHandler(request: HttpRequest, context: InvocationContext, deps: DepsArg): Promise<HttpResponseInit> {
  try {
    const report = await replayOne(resolve(deps), request.params.queue ?? "", request.params.messageId ?? "");
    return { status: replayStatus(report), jsonBody: report };
  } catch (err) {
    return httpError(err, context.invocationId);
  }
}
