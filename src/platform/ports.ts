/**
 * The ports flows depend on. Flows import these interfaces, never @azure/*, axios or amazon-sp-api.
 * Adapters: `platform/` (Azure and in-memory), `amazon/`, `d365/`.
 */
export type { Clock } from "./clock";
export type { Telemetry } from "./telemetry";

// ---------------------------------------------------------------------------------------------------------
// State (Table Storage; Azurite locally; in memory in unit tests)

/** A property value Table Storage can hold. Complex values are stored as JSON strings by the caller. */
export type StateValue = string | number | boolean | Date | null | undefined;

export interface StateEntity {
  partitionKey: string;
  rowKey: string;
  [property: string]: StateValue;
}

export interface Stored<T extends StateEntity = StateEntity> {
  entity: T;
  etag: string;
}

export type StateOperation =
  | { kind: "insert"; entity: StateEntity }
  | { kind: "upsert"; entity: StateEntity }
  | { kind: "replace"; entity: StateEntity; etag: string }
  | { kind: "delete"; partitionKey: string; rowKey: string; etag?: string };

export interface StateQuery {
  partitionKey?: string;
  /** Rows whose rowKey starts with this prefix. */
  rowKeyPrefix?: string;
  /** At most this many rows. */
  top?: number;
}

/**
 * Key/value state with optimistic concurrency. Keys (partitionKey, rowKey) must not contain / \ # ? or
 * control characters; use `safeKey` from platform/state-keys for values that come from outside.
 */
export interface StateStore {
  get<T extends StateEntity = StateEntity>(table: string, partitionKey: string, rowKey: string): Promise<Stored<T> | undefined>;
  /** Creates the row; throws ConflictError when it exists already. Returns the new etag. */
  insert(table: string, entity: StateEntity): Promise<string>;
  /** Replaces the row if its etag still matches; throws ConcurrencyError when someone else changed it. */
  replace(table: string, entity: StateEntity, etag: string): Promise<string>;
  /** Creates or replaces the row unconditionally. */
  upsert(table: string, entity: StateEntity): Promise<string>;
  /** Deletes the row (if `etag` is given, only when it still matches). Missing rows are not an error. */
  delete(table: string, partitionKey: string, rowKey: string, etag?: string): Promise<void>;
  query<T extends StateEntity = StateEntity>(table: string, query?: StateQuery): AsyncIterable<Stored<T>>;
  /** Atomic within one partition; the adapter splits into transactions of at most 100 operations. */
  batch(table: string, operations: StateOperation[]): Promise<void>;
}

/** Raw files kept for audit (settlement reports): content-addressed by the caller. */
export interface BlobStore {
  put(container: string, name: string, content: Uint8Array, contentType?: string): Promise<void>;
  get(container: string, name: string): Promise<Uint8Array | undefined>;
  /**
   * The content in chunks as it downloads, never whole in memory (a multi-year settlement file is hundreds of
   * MB); undefined when there is no such blob. Each call reads from the start.
   */
  stream(container: string, name: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  exists(container: string, name: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------------------
// Messages (Service Bus; the in-memory bus locally)

export interface OutgoingMessage {
  /** Stable business key: duplicate detection drops a second message with the same id. */
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, string | number | boolean>;
  /** Deliver no earlier than this. */
  scheduledEnqueueTime?: Date;
}

export interface DeadLetteredMessage {
  queue: string;
  messageId: string;
  /** The bus's sequence number (string to keep 64-bit values exact). */
  sequenceNumber: string;
  body: unknown;
  subject?: string;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  deliveryCount: number;
  enqueuedTime?: Date;
  applicationProperties?: Record<string, string | number | boolean>;
}

export interface MessageBus {
  send(queue: string, messages: OutgoingMessage | OutgoingMessage[]): Promise<void>;
  /** Messages in the queue's dead-letter sub-queue, oldest first, without removing them. */
  peekDeadLetters(queue: string, max?: number): Promise<DeadLetteredMessage[]>;
  /** Removes one dead-lettered message (after it was replayed). Returns false when it was gone. */
  removeDeadLetter(queue: string, sequenceNumber: string): Promise<boolean>;
  /** Active messages waiting in a queue (for the status page); undefined when the bus cannot tell. */
  countActive?(queue: string): Promise<number | undefined>;
}

/** What a queue-triggered handler learns about the delivery it is handling. */
export interface DeliveryInfo {
  messageId: string;
  deliveryCount: number;
  enqueuedTime?: Date;
  applicationProperties?: Record<string, unknown>;
  /** Which attempt this is (1 for the message as first sent; a scheduled retry copy counts on). */
  attempt?: number;
  /** The id the message was first sent with (a retry copy has its own id). */
  originalMessageId?: string;
  /** True when a failure now is not retried any more (the message is parked or dead-lettered instead). */
  lastAttempt?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Secrets (Key Vault; environment variables locally)

export interface SecretStore {
  /** The secret's value; throws ConfigurationError naming the secret when it is missing. */
  get(name: string): Promise<string>;
  /** The value or undefined when not set. */
  tryGet(name: string): Promise<string | undefined>;
}
