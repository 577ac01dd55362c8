/**
 * An in-memory Service Bus with the semantics of Service Bus and its classic Functions trigger that the app relies on:
 * peek-lock delivery, deliveryCount incremented on every delivery, a handler that throws abandons the message,
 * after maxDeliveryCount deliveries the message moves to the queue's dead-letter sub-queue with reason
 * "MaxDeliveryCountExceeded", duplicate detection on messageId within a window, scheduled messages.
 *
 * Locks behave as with the Functions host: a delivered message is locked for the queue's lock duration, the
 * host renews the lock while the function runs, but only until host.json's maxAutoLockRenewalDuration has
 * passed since the delivery. When the last renewed lock runs out, Service Bus makes the message available again
 * (and delivers it a second time while the first run still goes on), or dead-letters it when that was its last
 * delivery; the first run's result is then ignored, as its complete or abandon fails with MessageLockLost.
 *
 * An abandoned message is available again at once, as in Azure (no backoff: a retry that must wait is a
 * scheduled copy, which the app's queue adapter sends; platform/trigger-adapters.ts). Bodies travel as JSON
 * text, as through the real broker and worker.
 *
 * With `persistDir` every message (active, scheduled, dead-lettered) and the duplicate detection history are kept
 * in a journal on disk (./bus-journal.ts), so a host killed with SIGKILL finds its messages again when it
 * starts: a message that was being handled at the kill is delivered again at once, its delivery counted (in
 * Azure it would come back when its lock runs out). `timeScale` makes scheduled messages come due that many
 * times sooner (tests and demos with short clocks), nothing else.
 */
import { randomUUID } from "node:crypto";
import type { DeadLetteredMessage, MessageBus, OutgoingMessage } from "../platform/ports";
import { BusJournal, type JournalMessage, type JournalState } from "./bus-journal";

export interface ReceivedMessage {
  queue: string;
  messageId: string;
  sequenceNumber: string;
  /** The body as the worker hands it to a classic trigger: JSON text parsed when it parses (tryJsonParse). */
  body: unknown;
  /** The body as it travelled: JSON text (or the string that was sent). */
  rawBody: string;
  deliveryCount: number;
  enqueuedTime: Date;
  lockToken: string;
  lockedUntil: Date;
  subject?: string;
  correlationId?: string;
  contentType?: string;
  applicationProperties: Record<string, string | number | boolean>;
}

export type QueueHandler = (message: ReceivedMessage) => Promise<void> | void;

export interface SettlementEvent {
  queue: string;
  messageId: string;
  sequenceNumber: string;
  deliveryCount: number;
  /** lockExpired: the lock ran out while the handler still ran; the message is available again. */
  outcome: "completed" | "abandoned" | "deadLettered" | "lockExpired";
  error?: string;
}

export interface MemoryServiceBusOptions {
  /** Deliveries before dead-lettering (Service Bus queue property maxDeliveryCount). Default 10. */
  maxDeliveryCount?: number;
  /** Duplicate detection window on messageId. Default 10 minutes. */
  duplicateDetectionWindowMs?: number;
  /** Handlers running at once across all queues (host.json maxConcurrentCalls). Default 8. */
  concurrency?: number;
  /** Keep messages in a journal in this folder, so that they survive a crash of the process. Default: in memory only. */
  persistDir?: string;
  /** Scheduled messages come due this many times sooner than their scheduled time says. Default 1. */
  timeScale?: number;
  /** The queue's lock duration (Bicep queueLockDuration, PT1M by default). Default 60 s. */
  lockDurationMs?: number;
  /**
   * host.json extensions.serviceBus.maxAutoLockRenewalDuration: how long after a delivery the host keeps
   * renewing the lock while the function runs. 0: never renewed. Default 5 minutes (the extension's default).
   */
  maxAutoLockRenewalMs?: number;
  /** drain() also waits for scheduled messages due within this horizon. Default 5 s. */
  drainHorizonMs?: number;
  /** Called after every settlement (completed, abandoned, dead-lettered). */
  onSettled?: (event: SettlementEvent) => void;
  /** Current time in ms (tests). Default Date.now. */
  now?: () => number;
}

interface StoredMessage {
  queue: string;
  messageId: string;
  sequenceNumber: bigint;
  rawBody: string;
  subject?: string;
  correlationId?: string;
  contentType?: string;
  applicationProperties: Record<string, string | number | boolean>;
  enqueuedTime: number;
  /** Not deliverable before this time (scheduled enqueue or redelivery backoff). */
  availableAt: number;
  scheduled: boolean;
  deliveryCount: number;
  locked: boolean;
  /** The delivery that holds the lock now, if any. */
  delivery?: Delivery;
}

interface Delivery {
  /** Set when the lock ran out before the handler finished: its result is not settled. */
  lost: boolean;
  timer?: NodeJS.Timeout;
}

interface DeadLetter extends StoredMessage {
  deadLetterReason: string;
  deadLetterErrorDescription?: string;
}

interface QueueState {
  active: StoredMessage[];
  deadLetters: DeadLetter[];
  seen: Map<string, number>;
  handler?: QueueHandler;
}

/** Longest delay setTimeout takes (about 24.8 days); a lock renewed longer than that never runs out here. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Like the worker's tryJsonParse: JSON text becomes a value, anything else stays a string. */
export function tryJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class MemoryServiceBus implements MessageBus {
  readonly maxDeliveryCount: number;
  /** The lock duration and how long the host renews it (see lockLostAfterMs). */
  readonly lock: { durationMs: number; maxAutoLockRenewalMs: number };
  private readonly opts: Required<Omit<MemoryServiceBusOptions, "onSettled" | "persistDir">>;
  private readonly journal: BusJournal | undefined;
  private readonly queues = new Map<string, QueueState>();
  private sequence = 0n;
  private inFlight = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private closed = false;
  private waiters: (() => void)[] = [];
  private listeners: ((e: SettlementEvent) => void)[] = [];
  readonly stats = { sent: 0, duplicatesDropped: 0, completed: 0, abandoned: 0, deadLettered: 0, lockExpired: 0 };

  constructor(options: MemoryServiceBusOptions = {}) {
    this.opts = {
      maxDeliveryCount: options.maxDeliveryCount ?? 10,
      duplicateDetectionWindowMs: options.duplicateDetectionWindowMs ?? 10 * 60_000,
      concurrency: Math.max(1, options.concurrency ?? 8),
      timeScale: options.timeScale && options.timeScale > 0 ? options.timeScale : 1,
      lockDurationMs: options.lockDurationMs ?? 60_000,
      maxAutoLockRenewalMs: options.maxAutoLockRenewalMs ?? 5 * 60_000,
      drainHorizonMs: options.drainHorizonMs ?? 5000,
      now: options.now ?? Date.now,
    };
    this.maxDeliveryCount = this.opts.maxDeliveryCount;
    this.lock = { durationMs: this.opts.lockDurationMs, maxAutoLockRenewalMs: this.opts.maxAutoLockRenewalMs };
    if (options.onSettled) this.listeners.push(options.onSettled);
    if (options.persistDir) {
      this.journal = new BusJournal(options.persistDir);
      this.restore(this.journal.load(this.opts.now()));
    }
  }

  /** Messages found in the journal: every one is unlocked (no handler runs yet in this process). */
  private restore(state: JournalState): void {
    this.sequence = BigInt(state.sequence);
    const toStored = (m: JournalMessage): StoredMessage => ({
      queue: m.queue,
      messageId: m.messageId,
      sequenceNumber: BigInt(m.seq),
      rawBody: m.rawBody,
      subject: m.subject,
      correlationId: m.correlationId,
      contentType: m.contentType,
      applicationProperties: m.applicationProperties,
      enqueuedTime: m.enqueuedTime,
      availableAt: m.availableAt,
      scheduled: m.scheduled,
      deliveryCount: m.deliveryCount,
      locked: false,
    });
    for (const [name, jq] of Object.entries(state.queues)) {
      const q = this.queue(name);
      q.active.push(...jq.active.map(toStored));
      q.deadLetters.push(
        ...jq.deadLetters.map((m) => ({
          ...toStored(m),
          deadLetterReason: m.deadLetterReason ?? "",
          deadLetterErrorDescription: m.deadLetterErrorDescription,
        })),
      );
      for (const [id, until] of jq.seen) q.seen.set(id, until);
    }
  }

  private toJournal(m: StoredMessage): JournalMessage {
    return {
      queue: m.queue,
      messageId: m.messageId,
      seq: m.sequenceNumber.toString(),
      rawBody: m.rawBody,
      ...(m.subject !== undefined ? { subject: m.subject } : {}),
      ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
      ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
      applicationProperties: m.applicationProperties,
      enqueuedTime: m.enqueuedTime,
      availableAt: m.availableAt,
      scheduled: m.scheduled,
      deliveryCount: m.deliveryCount,
    };
  }

  /** After a journal write: rewrite the journal as one snapshot when it has grown long. */
  private maybeCompact(): void {
    if (!this.journal?.wantsCompaction) return;
    const queues: JournalState["queues"] = {};
    const now = this.opts.now();
    for (const [name, q] of this.queues) {
      queues[name] = {
        active: q.active.map((m) => this.toJournal(m)),
        deadLetters: q.deadLetters.map((d) => ({
          ...this.toJournal(d),
          deadLetterReason: d.deadLetterReason,
          ...(d.deadLetterErrorDescription !== undefined ? { deadLetterErrorDescription: d.deadLetterErrorDescription } : {}),
        })),
        seen: [...q.seen].filter(([, until]) => until > now),
      };
    }
    this.journal.compact({ sequence: this.sequence.toString(), queues });
  }

  private queue(name: string): QueueState {
    let q = this.queues.get(name);
    if (!q) {
      q = { active: [], deadLetters: [], seen: new Map() };
      this.queues.set(name, q);
    }
    return q;
  }

  /** Listens to every settlement (the local host counts failures with it). Returns an unsubscribe function. */
  onSettled(listener: (e: SettlementEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Registers the one receiver of a queue (the queue-triggered function). Returns an unsubscribe function. */
  subscribe(queue: string, handler: QueueHandler): () => void {
    const q = this.queue(queue);
    if (q.handler) throw new Error(`memory bus: queue "${queue}" already has a receiver`);
    q.handler = handler;
    this.schedulePump(0);
    return () => {
      if (q.handler === handler) q.handler = undefined;
    };
  }

  async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    if (!queue) throw new Error("memory bus: queue name is required");
    const list = Array.isArray(messages) ? messages : [messages];
    const q = this.queue(queue);
    const now = this.opts.now();
    for (const [id, expires] of q.seen) if (expires <= now) q.seen.delete(id);
    for (const m of list) {
      if (!m.messageId) throw new Error("memory bus: messageId is required (duplicate detection relies on it)");
      if (m.messageId.length > 128) throw new Error("memory bus: messageId longer than 128 characters");
      if (q.seen.has(m.messageId)) {
        // Service Bus drops a duplicate silently: the sender sees success.
        this.stats.duplicatesDropped++;
        continue;
      }
      const seenUntil = now + this.opts.duplicateDetectionWindowMs;
      const requested = m.scheduledEnqueueTime ? m.scheduledEnqueueTime.getTime() : now;
      const at = requested > now ? now + (requested - now) / this.opts.timeScale : requested;
      const stored: StoredMessage = {
        queue,
        messageId: m.messageId,
        sequenceNumber: ++this.sequence,
        rawBody: typeof m.body === "string" ? m.body : JSON.stringify(m.body ?? null),
        subject: m.subject,
        correlationId: m.correlationId,
        contentType: typeof m.body === "string" ? "text/plain" : "application/json",
        applicationProperties: { ...(m.applicationProperties ?? {}) },
        enqueuedTime: Math.max(now, at),
        availableAt: at,
        scheduled: at > now,
        deliveryCount: 0,
        locked: false,
      };
      // Written before it counts as sent: a message the sender was told about survives a crash.
      this.journal?.append({ t: "send", m: this.toJournal(stored), seenUntil });
      q.seen.set(m.messageId, seenUntil);
      q.active.push(stored);
      this.stats.sent++;
    }
    this.maybeCompact();
    this.schedulePump(0);
  }

  async peekDeadLetters(queue: string, max = 100): Promise<DeadLetteredMessage[]> {
    return this.queue(queue)
      .deadLetters.slice(0, max)
      .map((d) => ({
        queue,
        messageId: d.messageId,
        sequenceNumber: d.sequenceNumber.toString(),
        body: tryJsonParse(d.rawBody),
        subject: d.subject,
        deadLetterReason: d.deadLetterReason,
        deadLetterErrorDescription: d.deadLetterErrorDescription,
        deliveryCount: d.deliveryCount,
        enqueuedTime: new Date(d.enqueuedTime),
        applicationProperties: { ...d.applicationProperties },
      }));
  }

  async removeDeadLetter(queue: string, sequenceNumber: string): Promise<boolean> {
    const q = this.queue(queue);
    const i = q.deadLetters.findIndex((d) => d.sequenceNumber.toString() === sequenceNumber);
    if (i < 0) return false;
    this.journal?.append({ t: "removeDead", q: queue, s: sequenceNumber });
    q.deadLetters.splice(i, 1);
    this.maybeCompact();
    return true;
  }

  async countActive(queue: string): Promise<number | undefined> {
    const now = this.opts.now();
    return this.queue(queue).active.filter((m) => !m.scheduled || m.availableAt <= now).length;
  }

  /** Scheduled messages not yet due (Service Bus reports them apart from active ones). */
  async countScheduled(queue: string): Promise<number> {
    const now = this.opts.now();
    return this.queue(queue).active.filter((m) => m.scheduled && m.availableAt > now).length;
  }

  /** Dead-lettered messages in every queue. */
  deadLetterCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.deadLetters.length;
    return n;
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Per queue: messages waiting (incl. scheduled and in flight), dead-lettered, and whether a receiver listens. */
  queueStats(): Record<string, { active: number; deadLettered: number; hasReceiver: boolean }> {
    const out: Record<string, { active: number; deadLettered: number; hasReceiver: boolean }> = {};
    for (const [name, q] of this.queues)
      out[name] = { active: q.active.length, deadLettered: q.deadLetters.length, hasReceiver: !!q.handler };
    return out;
  }

  /**
   * Resolves when nothing is in flight and no queue that has a receiver holds a message deliverable now or
   * within the drain horizon (scheduled messages and redeliveries due soon are waited for).
   */
  drain(timeoutMs = 60_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`memory bus: not drained after ${timeoutMs} ms (${this.inFlight} in flight)`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  /** Stops delivering; resolves when running handlers finished. Messages stay where they are. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    this.journal?.close();
    this.notifyIdle(true);
  }

  private isIdle(): boolean {
    if (this.inFlight > 0) return false;
    const horizon = this.opts.now() + this.opts.drainHorizonMs;
    for (const q of this.queues.values()) {
      if (!q.handler) continue;
      if (q.active.some((m) => !m.locked && m.availableAt <= horizon)) return false;
    }
    return true;
  }

  private notifyIdle(force = false): void {
    if (!force && !this.isIdle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  private schedulePump(delayMs: number): void {
    if (this.closed) return;
    const at = this.opts.now() + Math.max(0, delayMs);
    if (this.wakeTimer && at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.pump();
      },
      Math.max(0, delayMs),
    );
    // Never keep a process alive only for the bus (the host's server or a pending drain() does that).
    this.wakeTimer.unref();
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.opts.now();
    let nextAt = Infinity;
    outer: for (const q of this.queues.values()) {
      if (!q.handler) continue;
      for (const m of q.active) {
        if (m.locked) continue;
        if (m.availableAt > now) {
          nextAt = Math.min(nextAt, m.availableAt);
          continue;
        }
        if (this.inFlight >= this.opts.concurrency) break outer;
        this.deliver(q, m);
      }
    }
    if (nextAt < Infinity) this.schedulePump(nextAt - now);
    this.notifyIdle();
  }

  private deliver(q: QueueState, m: StoredMessage): void {
    const handler = q.handler!;
    const delivery: Delivery = { lost: false };
    // The delivery counts even if the process dies while the handler runs (Service Bus counts it too).
    this.journal?.append({ t: "lock", q: m.queue, s: m.sequenceNumber.toString() });
    m.locked = true;
    m.delivery = delivery;
    m.scheduled = false;
    m.deliveryCount++;
    this.inFlight++;
    const now = this.opts.now();
    const lockLostAfter = lockLostAfterMs(this.opts.lockDurationMs, this.opts.maxAutoLockRenewalMs);
    if (lockLostAfter <= MAX_TIMER_MS) {
      delivery.timer = setTimeout(() => this.expireLock(q, m, delivery), lockLostAfter);
      // The running handler keeps the process alive when it needs to; the lock timer alone must not.
      delivery.timer.unref();
    }
    const received: ReceivedMessage = {
      queue: m.queue,
      messageId: m.messageId,
      sequenceNumber: m.sequenceNumber.toString(),
      body: tryJsonParse(m.rawBody),
      rawBody: m.rawBody,
      deliveryCount: m.deliveryCount,
      enqueuedTime: new Date(m.enqueuedTime),
      lockToken: randomUUID(),
      lockedUntil: new Date(now + this.opts.lockDurationMs),
      subject: m.subject,
      correlationId: m.correlationId,
      contentType: m.contentType,
      applicationProperties: { ...m.applicationProperties },
    };
    Promise.resolve()
      .then(() => handler(received))
      .then(
        () => this.settleDelivery(q, m, delivery, "completed"),
        (err: unknown) => this.settleDelivery(q, m, delivery, "failed", err),
      )
      .finally(() => {
        this.inFlight--;
        this.schedulePump(0);
        this.notifyIdle();
      });
  }

  /** The handler finished: settle the message, unless its lock ran out meanwhile (MessageLockLost in Azure). */
  private settleDelivery(q: QueueState, m: StoredMessage, delivery: Delivery, result: "completed" | "failed", err?: unknown): void {
    clearTimeout(delivery.timer);
    if (delivery.lost || m.delivery !== delivery) return;
    m.delivery = undefined;
    this.settle(q, m, result, err);
  }

  /**
   * The last renewed lock ran out while the handler still runs: Service Bus counts the delivery as failed,
   * makes the message available again at once (or dead-letters it after its last delivery), and the running
   * handler can no longer settle it.
   */
  private expireLock(q: QueueState, m: StoredMessage, delivery: Delivery): void {
    if (delivery.lost || m.delivery !== delivery) return;
    delivery.lost = true;
    m.delivery = undefined;
    m.locked = false;
    this.stats.lockExpired++;
    const error = `the message lock expired after ${lockLostAfterMs(this.opts.lockDurationMs, this.opts.maxAutoLockRenewalMs)} ms while the function still ran`;
    if (m.deliveryCount >= this.opts.maxDeliveryCount) {
      this.settle(q, m, "failed", new Error(error));
    } else {
      m.availableAt = this.opts.now();
      this.journal?.append({ t: "abandon", q: m.queue, s: m.sequenceNumber.toString(), at: m.availableAt });
      this.emit({
        queue: m.queue,
        messageId: m.messageId,
        sequenceNumber: m.sequenceNumber.toString(),
        deliveryCount: m.deliveryCount,
        outcome: "lockExpired",
        error,
      });
    }
    this.schedulePump(0);
  }

  private settle(q: QueueState, m: StoredMessage, result: "completed" | "failed", err?: unknown): void {
    const remove = () => {
      const i = q.active.indexOf(m);
      if (i >= 0) q.active.splice(i, 1);
    };
    let outcome: SettlementEvent["outcome"];
    const error = err === undefined ? undefined : err instanceof Error ? err.message : String(err);
    const seq = m.sequenceNumber.toString();
    if (result === "completed") {
      this.journal?.append({ t: "complete", q: m.queue, s: seq });
      remove();
      outcome = "completed";
      this.stats.completed++;
    } else if (m.deliveryCount >= this.opts.maxDeliveryCount) {
      // Azure writes "Message could not be consumed after N delivery attempts."; the handler's last error is
      // what a person needs to act on, so it is the description here.
      const description = (error ?? "").slice(0, 4096);
      this.journal?.append({ t: "dead", q: m.queue, s: seq, reason: "MaxDeliveryCountExceeded", description });
      remove();
      q.deadLetters.push({ ...m, locked: false, deadLetterReason: "MaxDeliveryCountExceeded", deadLetterErrorDescription: description });
      outcome = "deadLettered";
      this.stats.deadLettered++;
    } else {
      // Service Bus makes an abandoned message available again at once.
      m.locked = false;
      m.availableAt = this.opts.now();
      this.journal?.append({ t: "abandon", q: m.queue, s: seq, at: m.availableAt });
      outcome = "abandoned";
      this.stats.abandoned++;
    }
    const event: SettlementEvent = {
      queue: m.queue,
      messageId: m.messageId,
      sequenceNumber: m.sequenceNumber.toString(),
      deliveryCount: m.deliveryCount,
      outcome,
      error,
    };
    this.maybeCompact();
    this.emit(event);
  }

  private emit(event: SettlementEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a listener's failure must not change the message's fate
      }
    }
  }
}

/**
 * How long after a delivery its lock is lost when the handler runs on. The host renews the lock before it
 * runs out (Azure.Messaging.ServiceBus renews when the remaining time minus a buffer of half of it, at most
 * 10 s, has passed) and stops renewing once maxAutoLockRenewalDuration has passed since the delivery; the lock
 * from the last renewal then runs its full duration.
 */
export function lockLostAfterMs(lockDurationMs: number, maxAutoLockRenewalMs: number): number {
  const lock = Math.max(1, lockDurationMs);
  // After each renewal the lock has its full duration left, so renewals come at a fixed step.
  const step = lock - Math.min(lock / 2, 10_000);
  const renewals = Math.max(0, Math.ceil(Math.max(0, maxAutoLockRenewalMs) / step) - 1);
  return renewals * step + lock;
}
