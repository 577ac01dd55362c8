/**
 * Requests of inventory work made over HTTP (a push of everything, an FBA reconciliation): the request is
 * recorded and put on the inventory queue, the HTTP call answers 202 with the request's status URL, and the queue
 * consumer runs the work and records its result, which GET /api/inventory/requests/{requestId} shows (Power
 * Automate polls it: 202 while queued or running, 200 when done).
 *
 * Table "inventoryRequests", partition "request", row = request id. The result is the use case's summary (counts,
 * refused SKUs with Amazon's messages), shortened to fit a table row; no buyer data.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../platform/clock";
import { NotFoundError } from "../../platform/errors";
import type { MessageBus, StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import { type InventoryMessage, inventoryRequestMessage } from "./messages";

export const REQUESTS_TABLE = "inventoryRequests";
const PARTITION = "request";
/** A table property holds 32K characters. */
const MAX_RESULT_CHARS = 30_000;

export type RequestStatus = "queued" | "running" | "done" | "failed";

export interface InventoryRequest {
  requestId: string;
  kind: InventoryMessage["kind"];
  status: RequestStatus;
  requestedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  /** The use case's result (JSON), when done. */
  result?: unknown;
  error?: string;
}

interface RequestRow extends StateEntity {
  requestId: string;
  kind: string;
  status: string;
  requestedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  result?: string;
  error?: string;
}

function toRequest(r: RequestRow): InventoryRequest {
  let result: unknown;
  if (r.result) {
    try {
      result = JSON.parse(r.result);
    } catch {
      result = r.result;
    }
  }
  return {
    requestId: r.requestId,
    kind: r.kind as InventoryRequest["kind"],
    status: r.status as RequestStatus,
    requestedAt: r.requestedAt,
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(result !== undefined ? { result } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

function resultText(result: unknown): string {
  const text = JSON.stringify(result);
  if (text.length <= MAX_RESULT_CHARS) return text;
  return JSON.stringify({ truncated: true, length: text.length, start: text.slice(0, MAX_RESULT_CHARS - 100) });
}

export interface RequestDeps {
  state: StateStore;
  bus: MessageBus;
  queue: string;
  clock: Clock;
}

/** Records the request and queues its work; returns the request (status queued). */
export async function requestInventoryWork(
  work:
    | Omit<Extract<InventoryMessage, { kind: "push" }>, "requestId">
    | Omit<Extract<InventoryMessage, { kind: "fba-reconcile" }>, "requestId">,
  deps: RequestDeps,
): Promise<InventoryRequest> {
  const requestId = `${work.kind}-${deps.clock.now().toISOString().replace(/[-:.]/g, "")}-${randomUUID().slice(0, 8)}`;
  const row: RequestRow = {
    partitionKey: PARTITION,
    rowKey: safeKey(requestId),
    requestId,
    kind: work.kind,
    status: "queued",
    requestedAt: deps.clock.now(),
  };
  await deps.state.insert(REQUESTS_TABLE, row);
  await deps.bus.send(deps.queue, inventoryRequestMessage({ ...work, requestId } as InventoryMessage & { requestId: string }));
  return toRequest(row);
}

export async function getInventoryRequest(state: StateStore, requestId: string): Promise<InventoryRequest> {
  const row = await state.get<RequestRow>(REQUESTS_TABLE, PARTITION, safeKey(requestId));
  if (!row) throw new NotFoundError("inventory.requestUnknown", `No inventory request ${requestId}`, { where: "requestId" });
  return toRequest(row.entity);
}

/** Marks a request running (a request id the table does not know, e.g. a hand-sent message, is recorded now). */
export async function markRequestRunning(state: StateStore, requestId: string, kind: string, clock: Clock): Promise<void> {
  const current = await state.get<RequestRow>(REQUESTS_TABLE, PARTITION, safeKey(requestId));
  await state.upsert(REQUESTS_TABLE, {
    ...(current?.entity ?? { partitionKey: PARTITION, rowKey: safeKey(requestId), requestId, kind, requestedAt: clock.now() }),
    status: "running",
    startedAt: clock.now(),
  });
}

export async function finishRequest(
  state: StateStore,
  requestId: string,
  outcome: { status: "done" | "failed"; result?: unknown; error?: string },
  clock: Clock,
): Promise<void> {
  const current = await state.get<RequestRow>(REQUESTS_TABLE, PARTITION, safeKey(requestId));
  if (!current) return;
  await state.upsert(REQUESTS_TABLE, {
    ...current.entity,
    status: outcome.status,
    finishedAt: clock.now(),
    result: outcome.result === undefined ? undefined : resultText(outcome.result),
    error: outcome.error?.slice(0, 2000),
  });
}
