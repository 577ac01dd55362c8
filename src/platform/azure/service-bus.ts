/**
 * MessageBus on Azure Service Bus (@azure/service-bus), identity-based:
 * `ServiceBusConnection__fullyQualifiedNamespace` (the same setting the triggers use) + the app's identity
 * (Azure Service Bus Data Sender to send; Data Receiver to peek/remove dead letters; countActive reads
 * runtime properties through the administration client, which needs Data Owner or Manage rights — without
 * them it answers undefined instead of failing the status page).
 *
 * - send: every message carries its messageId (duplicate detection); immediate messages go out in
 *   size-checked batches; messages with scheduledEnqueueTime go through scheduleMessages.
 * - peekDeadLetters: a receiver on the queue's dead-letter sub-queue in peekLock mode, used only to peek
 *   (peeking takes no lock and changes nothing).
 * - removeDeadLetter(sequenceNumber): Service Bus has no "delete by sequence number" for ordinary
 *   messages, so we receive (peek-lock) from the dead-letter sub-queue, complete the message with that
 *   sequence number, and abandon every other message we held (still locked meanwhile, so we do not see it
 *   twice). The scan stops after `removeScanLimit` messages. Abandon only bumps the delivery count of a
 *   dead-lettered message; it stays in the dead-letter queue.
 */
import { ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusMessage } from "@azure/service-bus";
import type { TokenCredential } from "@azure/identity";
import { AppError, ConfigurationError, ThrottledError, UnauthorizedError, UnavailableError, ValidationError } from "../errors";
import type { DeadLetteredMessage, MessageBus, OutgoingMessage } from "../ports";

// The parts of the SDK this adapter uses: small on purpose so that tests can pass fakes.
export interface BatchLike {
  readonly count: number;
  tryAddMessage(message: ServiceBusMessage): boolean;
}
export interface SenderLike {
  createMessageBatch(): Promise<BatchLike>;
  sendMessages(batch: BatchLike): Promise<void>;
  scheduleMessages(messages: ServiceBusMessage[], scheduledEnqueueTimeUtc: Date): Promise<unknown>;
  close(): Promise<void>;
}
export interface ReceivedLike {
  messageId?: unknown;
  body: unknown;
  subject?: string;
  contentType?: string;
  sequenceNumber?: { toString(): string };
  deliveryCount?: number;
  enqueuedTimeUtc?: Date;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  applicationProperties?: Record<string, unknown>;
}
export interface ReceiverLike {
  peekMessages(maxMessageCount: number): Promise<ReceivedLike[]>;
  receiveMessages(maxMessageCount: number, options?: { maxWaitTimeInMs?: number }): Promise<ReceivedLike[]>;
  completeMessage(message: ReceivedLike): Promise<void>;
  abandonMessage(message: ReceivedLike): Promise<void>;
  close(): Promise<void>;
}
export interface ServiceBusClientLike {
  createSender(queue: string): SenderLike;
  createReceiver(queue: string, options: { subQueueType: "deadLetter"; receiveMode: "peekLock" }): ReceiverLike;
  close(): Promise<void>;
}
export interface AdminClientLike {
  getQueueRuntimeProperties(queue: string): Promise<{ activeMessageCount: number }>;
}

/** Our OutgoingMessage as the SDK's ServiceBusMessage. JSON bodies; the messageId is mandatory. */
export function toServiceBusMessage(m: OutgoingMessage): ServiceBusMessage {
  if (!m.messageId) throw new ValidationError("bus.messageId", "every message needs a messageId (its stable business key)");
  if (m.messageId.length > 128) {
    throw new ValidationError("bus.messageId", `messageId is longer than Service Bus allows (128): ${m.messageId.slice(0, 40)}...`);
  }
  return {
    messageId: m.messageId,
    body: m.body,
    contentType: "application/json",
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
    ...(m.applicationProperties ? { applicationProperties: { ...m.applicationProperties } } : {}),
  };
}

function bodyOf(body: unknown): unknown {
  // Messages sent by other tools may carry JSON as bytes.
  if (body instanceof Uint8Array) {
    const text = Buffer.from(body).toString("utf8");
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return body;
}

function scalarProperties(props: Record<string, unknown> | undefined): Record<string, string | number | boolean> | undefined {
  if (!props) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
    else if (v instanceof Date) out[k] = v.toISOString();
    else if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

/** A received dead-lettered message as our DeadLetteredMessage. */
export function fromDeadLettered(queue: string, m: ReceivedLike): DeadLetteredMessage {
  return {
    queue,
    messageId: m.messageId === undefined || m.messageId === null ? "" : String(m.messageId),
    sequenceNumber: m.sequenceNumber ? m.sequenceNumber.toString() : "",
    body: bodyOf(m.body),
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(m.deadLetterReason !== undefined ? { deadLetterReason: m.deadLetterReason } : {}),
    ...(m.deadLetterErrorDescription !== undefined ? { deadLetterErrorDescription: m.deadLetterErrorDescription } : {}),
    deliveryCount: m.deliveryCount ?? 0,
    ...(m.enqueuedTimeUtc ? { enqueuedTime: m.enqueuedTimeUtc } : {}),
    ...(m.applicationProperties ? { applicationProperties: scalarProperties(m.applicationProperties) } : {}),
  };
}

/** ServiceBusError codes (and transport failures) as the app's errors. */
export function mapServiceBusError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const code = typeof err === "object" && err !== null ? String((err as { code?: unknown }).code ?? "") : "";
  const message = `${what}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  const opts = { where: what, cause: err, details: { code } };
  switch (code) {
    case "MessagingEntityNotFound":
      return new ConfigurationError("bus.queueNotFound", `${message} (is the queue deployed with this name? see QUEUE_* settings)`, opts);
    case "UnauthorizedAccess":
      return new UnauthorizedError("bus.forbidden", `${message} (grant the app's identity the Service Bus data roles)`, opts);
    case "MessageSizeExceeded":
      return new ValidationError("bus.messageTooLarge", message, opts);
    case "ServiceBusy":
      return new ThrottledError("bus.busy", message, 10_000, opts);
    case "QuotaExceeded":
      return new ThrottledError("bus.quotaExceeded", message, 30_000, opts);
    default:
      return new UnavailableError("bus.unavailable", message, opts);
  }
}

export interface ServiceBusMessageBusOptions {
  /** How many dead-lettered messages removeDeadLetter looks at before giving up (default 500). */
  removeScanLimit?: number;
  /** How long one receive waits for dead-lettered messages in removeDeadLetter (default 3 s). */
  receiveWaitMs?: number;
}

export class ServiceBusMessageBus implements MessageBus {
  private readonly senders = new Map<string, SenderLike>();

  constructor(
    private readonly client: ServiceBusClientLike,
    private readonly admin?: AdminClientLike,
    private readonly options: ServiceBusMessageBusOptions = {},
  ) {}

  static fromNamespace(fullyQualifiedNamespace: string, credential: TokenCredential): ServiceBusMessageBus {
    const ns = fullyQualifiedNamespace.replace(/^sb:\/\//, "").replace(/\/$/, "");
    const client = new ServiceBusClient(ns, credential);
    const admin = new ServiceBusAdministrationClient(ns, credential);
    return new ServiceBusMessageBus(client as unknown as ServiceBusClientLike, admin as unknown as AdminClientLike);
  }

  private sender(queue: string): SenderLike {
    let s = this.senders.get(queue);
    if (!s) this.senders.set(queue, (s = this.client.createSender(queue)));
    return s;
  }

  async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    const list = Array.isArray(messages) ? messages : [messages];
    const now: ServiceBusMessage[] = [];
    const scheduled = new Map<number, ServiceBusMessage[]>();
    for (const m of list) {
      const sb = toServiceBusMessage(m);
      if (m.scheduledEnqueueTime) {
        const at = m.scheduledEnqueueTime.getTime();
        scheduled.set(at, [...(scheduled.get(at) ?? []), sb]);
      } else {
        now.push(sb);
      }
    }
    const sender = this.sender(queue);
    try {
      if (now.length) {
        let batch = await sender.createMessageBatch();
        for (const m of now) {
          if (batch.tryAddMessage(m)) continue;
          if (batch.count === 0)
            throw new ValidationError("bus.messageTooLarge", `message ${m.messageId} is larger than a Service Bus message may be`);
          await sender.sendMessages(batch);
          batch = await sender.createMessageBatch();
          if (!batch.tryAddMessage(m))
            throw new ValidationError("bus.messageTooLarge", `message ${m.messageId} is larger than a Service Bus message may be`);
        }
        if (batch.count > 0) await sender.sendMessages(batch);
      }
      for (const [at, group] of scheduled) await sender.scheduleMessages(group, new Date(at));
    } catch (err) {
      throw mapServiceBusError(err, `queue ${queue}`);
    }
  }

  async peekDeadLetters(queue: string, max = 100): Promise<DeadLetteredMessage[]> {
    const receiver = this.client.createReceiver(queue, { subQueueType: "deadLetter", receiveMode: "peekLock" });
    const out: DeadLetteredMessage[] = [];
    try {
      // One peek returns at most one link credit's worth; successive peeks continue after the last one seen.
      while (out.length < max) {
        const page = await receiver.peekMessages(Math.min(max - out.length, 100));
        if (page.length === 0) break;
        out.push(...page.map((m) => fromDeadLettered(queue, m)));
      }
      return out;
    } catch (err) {
      throw mapServiceBusError(err, `dead-letter queue of ${queue}`);
    } finally {
      await receiver.close().catch(() => undefined);
    }
  }

  async removeDeadLetter(queue: string, sequenceNumber: string): Promise<boolean> {
    const limit = this.options.removeScanLimit ?? 500;
    const wait = this.options.receiveWaitMs ?? 3000;
    const receiver = this.client.createReceiver(queue, { subQueueType: "deadLetter", receiveMode: "peekLock" });
    const held: ReceivedLike[] = [];
    try {
      while (held.length < limit) {
        const got = await receiver.receiveMessages(Math.min(50, limit - held.length), { maxWaitTimeInMs: wait });
        if (got.length === 0) return false;
        for (const m of got) {
          if (m.sequenceNumber?.toString() === sequenceNumber) {
            await receiver.completeMessage(m);
            // The rest of this batch is released below with the others we held.
            held.push(...got.filter((x) => x !== m));
            return true;
          }
        }
        held.push(...got);
      }
      return false;
    } catch (err) {
      throw mapServiceBusError(err, `dead-letter queue of ${queue}`);
    } finally {
      for (const m of held) await receiver.abandonMessage(m).catch(() => undefined);
      await receiver.close().catch(() => undefined);
    }
  }

  async countActive(queue: string): Promise<number | undefined> {
    if (!this.admin) return undefined;
    try {
      return (await this.admin.getQueueRuntimeProperties(queue)).activeMessageCount;
    } catch {
      // Reading runtime properties needs Manage rights the app may not have: the status page shows "unknown".
      return undefined;
    }
  }

  async close(): Promise<void> {
    for (const s of this.senders.values()) await s.close().catch(() => undefined);
    this.senders.clear();
    await this.client.close();
  }
}
