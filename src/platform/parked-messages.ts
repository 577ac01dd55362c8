/**
 * Parked messages: messages that cannot succeed as they are (a mapping gap, invalid data, a missing
 * counterpart) are PARKED here with a reason a person can act on, and the message itself is completed.
 * After the admin fixes the cause, POST /api/deadletters/{queue}/{messageId}/replay sends the body again.
 *
 *   await parkMessage(state, { queue, messageId, body, reason: "mapping-gap", code: err.code,
 *                              description: err.message, where: err.where, suggestion: err.suggestion });
 *   await listParked(state, { queue });  await removeParked(state, queue, messageId);
 *
 * Table "review": partition = queue, row = messageId (both made safe with safeKey).
 * NO BUYER PII: message bodies on our queues carry business keys only (Amazon order id, settlement id,
 * notification id, D365 event id) — never names, addresses, e-mails or phone numbers — so storing the body
 * is safe. Producers must keep it that way; descriptions are redacted before they are stored.
 */
import { systemClock, type Clock } from "./clock";
import { withEtagRetry } from "./etag-retry";
import type { StateEntity, StateStore } from "./ports";
import { safeKey } from "./state-keys";
import { redact } from "./telemetry";

export const REVIEW_TABLE = "review";

/** Why a message was parked. */
export type ParkReason = "invalid-message" | "validation" | "mapping-gap" | "not-found" | "conflict" | "retries-exhausted" | (string & {});

export interface ParkInput {
  queue: string;
  messageId: string;
  /** The message body (business keys only). */
  body: unknown;
  reason: ParkReason;
  /** What a person should know or do, e.g. "SKU ABC-1 has no ItemNumber: add it to mappings/sku.json". */
  description: string;
  /** The error's stable code (e.g. "mapping.skuUnknown"). */
  code?: string;
  /** Where the problem is: a JSON path, a mapping file. */
  where?: string;
  /** A rule the admin could add to close a mapping gap. */
  suggestion?: unknown;
  /** The delivery count of the message when it was parked. */
  deliveryCount?: number;
}

export interface ParkedMessage {
  queue: string;
  messageId: string;
  body: unknown;
  reason: string;
  description: string;
  code?: string;
  where?: string;
  suggestion?: unknown;
  parkedAt: Date;
  firstParkedAt: Date;
  /** How often this message id was parked (replays that failed again count). */
  timesParked: number;
}

interface ReviewRow extends StateEntity {
  queue: string;
  messageId: string;
  reason: string;
  description: string;
  code?: string;
  where?: string;
  suggestion?: string;
  parkedAt: Date;
  firstParkedAt: Date;
  timesParked: number;
  deliveryCount?: number;
  bodyParts: number;
}

// A Table property holds at most 64 KiB (32K UTF-16 characters): long bodies are split over body0..bodyN.
const BODY_PART_CHARS = 30_000;
const MAX_BODY_PARTS = 30;
const MAX_TEXT_CHARS = 4000;

function text(value: string | undefined): string | undefined {
  return value === undefined ? undefined : String(redact(value)).slice(0, MAX_TEXT_CHARS);
}

function writeBody(row: Record<string, unknown>, body: unknown): number {
  const json = JSON.stringify(body ?? null);
  const parts = Math.max(1, Math.ceil(json.length / BODY_PART_CHARS));
  if (parts > MAX_BODY_PARTS) {
    // Cannot happen with business-key bodies; keep a marker rather than fail the park.
    row.body0 = JSON.stringify({ truncated: true, length: json.length });
    return 1;
  }
  for (let i = 0; i < parts; i++) row[`body${i}`] = json.slice(i * BODY_PART_CHARS, (i + 1) * BODY_PART_CHARS);
  return parts;
}

function readBody(row: Record<string, unknown>): unknown {
  const parts = Number(row.bodyParts ?? 1);
  let json = "";
  for (let i = 0; i < parts; i++) json += String(row[`body${i}`] ?? "");
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

function toParked(row: ReviewRow): ParkedMessage {
  let suggestion: unknown;
  if (row.suggestion !== undefined) {
    try {
      suggestion = JSON.parse(row.suggestion);
    } catch {
      suggestion = row.suggestion;
    }
  }
  return {
    queue: row.queue,
    messageId: row.messageId,
    body: readBody(row),
    reason: row.reason,
    description: row.description,
    ...(row.code !== undefined ? { code: row.code } : {}),
    ...(row.where !== undefined ? { where: row.where } : {}),
    ...(suggestion !== undefined ? { suggestion } : {}),
    parkedAt: row.parkedAt,
    firstParkedAt: row.firstParkedAt,
    timesParked: row.timesParked,
  };
}

/** Parks a message (or refreshes its record). Idempotent per queue + messageId. */
export async function parkMessage(state: StateStore, input: ParkInput, clock: Clock = systemClock): Promise<ParkedMessage> {
  const pk = safeKey(input.queue);
  const rk = safeKey(input.messageId);
  return withEtagRetry(async () => {
    const current = await state.get<ReviewRow>(REVIEW_TABLE, pk, rk);
    const now = clock.now();
    const row: Record<string, unknown> = {
      partitionKey: pk,
      rowKey: rk,
      queue: input.queue,
      messageId: input.messageId,
      reason: input.reason,
      description: text(input.description) ?? "",
      code: input.code,
      where: text(input.where),
      suggestion: input.suggestion === undefined ? undefined : text(JSON.stringify(redact(input.suggestion))),
      parkedAt: now,
      firstParkedAt: current?.entity.firstParkedAt ?? now,
      timesParked: (current?.entity.timesParked ?? 0) + 1,
      deliveryCount: input.deliveryCount,
    };
    row.bodyParts = writeBody(row, input.body);
    const entity = row as ReviewRow;
    if (current) await state.replace(REVIEW_TABLE, entity, current.etag);
    else await state.insert(REVIEW_TABLE, entity);
    return toParked(entity);
  });
}

export async function getParked(state: StateStore, queue: string, messageId: string): Promise<ParkedMessage | undefined> {
  const row = await state.get<ReviewRow>(REVIEW_TABLE, safeKey(queue), safeKey(messageId));
  return row ? toParked(row.entity) : undefined;
}

/** Parked messages, of one queue or all, ordered by queue and message id. */
export async function listParked(state: StateStore, options: { queue?: string; top?: number } = {}): Promise<ParkedMessage[]> {
  const out: ParkedMessage[] = [];
  const q = {
    ...(options.queue !== undefined ? { partitionKey: safeKey(options.queue) } : {}),
    ...(options.top !== undefined ? { top: options.top } : {}),
  };
  for await (const row of state.query<ReviewRow>(REVIEW_TABLE, q)) out.push(toParked(row.entity));
  return out;
}

export async function countParked(state: StateStore, queue?: string): Promise<number> {
  let n = 0;
  for await (const _ of state.query(REVIEW_TABLE, queue === undefined ? {} : { partitionKey: safeKey(queue) })) n++;
  return n;
}

/** Removes a parked message (after replay, or when the admin dismisses it). Missing records are fine. */
export async function removeParked(state: StateStore, queue: string, messageId: string): Promise<void> {
  await state.delete(REVIEW_TABLE, safeKey(queue), safeKey(messageId));
}
