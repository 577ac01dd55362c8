import { describe, expect, it } from "vitest";
import type { ServiceBusMessage } from "@azure/service-bus";
import {
  ServiceBusMessageBus,
  fromDeadLettered,
  mapServiceBusError,
  toServiceBusMessage,
  type BatchLike,
  type ReceivedLike,
  type ReceiverLike,
  type SenderLike,
  type ServiceBusClientLike,
} from "../../../src/platform/azure/service-bus";
import { ConfigurationError, ThrottledError, UnavailableError, ValidationError } from "../../../src/platform/errors";

class FakeBatch implements BatchLike {
  readonly messages: ServiceBusMessage[] = [];
  constructor(private readonly capacity: number) {}
  get count() {
    return this.messages.length;
  }
  tryAddMessage(m: ServiceBusMessage): boolean {
    const size = JSON.stringify(m.body).length;
    if (this.messages.reduce((n, x) => n + JSON.stringify(x.body).length, 0) + size > this.capacity) return false;
    this.messages.push(m);
    return true;
  }
}

class FakeSender implements SenderLike {
  sentBatches: ServiceBusMessage[][] = [];
  scheduled: { at: Date; messages: ServiceBusMessage[] }[] = [];
  constructor(private readonly capacity = 1000) {}
  async createMessageBatch() {
    return new FakeBatch(this.capacity);
  }
  async sendMessages(batch: BatchLike) {
    this.sentBatches.push([...(batch as FakeBatch).messages]);
  }
  async scheduleMessages(messages: ServiceBusMessage[], at: Date) {
    this.scheduled.push({ at, messages });
    return [];
  }
  async close() {}
}

const long = (n: number) => ({ toString: () => String(n) });

class FakeDeadLetterReceiver implements ReceiverLike {
  locked = new Set<ReceivedLike>();
  completed: ReceivedLike[] = [];
  abandoned: ReceivedLike[] = [];
  private peekCursor = 0;
  constructor(
    public messages: ReceivedLike[],
    private readonly pageSize = 2,
  ) {}
  async peekMessages(max: number) {
    const page = this.messages.slice(this.peekCursor, this.peekCursor + Math.min(max, this.pageSize));
    this.peekCursor += page.length;
    return page;
  }
  async receiveMessages(max: number) {
    const free = this.messages.filter((m) => !this.locked.has(m)).slice(0, Math.min(max, this.pageSize));
    free.forEach((m) => this.locked.add(m));
    return free;
  }
  async completeMessage(m: ReceivedLike) {
    this.completed.push(m);
    this.messages = this.messages.filter((x) => x !== m);
    this.locked.delete(m);
  }
  async abandonMessage(m: ReceivedLike) {
    this.abandoned.push(m);
    this.locked.delete(m);
  }
  async close() {}
}

function fakeClient(sender: FakeSender, receiver?: FakeDeadLetterReceiver): ServiceBusClientLike & { receiverOptions: unknown[] } {
  const receiverOptions: unknown[] = [];
  return {
    receiverOptions,
    createSender: () => sender,
    createReceiver: (_q, options) => {
      receiverOptions.push(options);
      return receiver!;
    },
    close: async () => {},
  };
}

const dl = (seq: number, messageId: string): ReceivedLike => ({
  messageId,
  sequenceNumber: long(seq),
  body: { amazonOrderId: messageId },
  deliveryCount: 10,
  deadLetterReason: "MaxDeliveryCountExceeded",
  deadLetterErrorDescription: "Message could not be consumed after 10 delivery attempts.",
  enqueuedTimeUtc: new Date("2026-01-01T00:00:00Z"),
  applicationProperties: { source: "timer", at: new Date("2026-01-01T00:00:00Z") },
});

describe("Service Bus message mapping", () => {
  it("always sets messageId and sends JSON with subject, correlation id and properties", () => {
    expect(
      toServiceBusMessage({
        messageId: "111-2223333-4444444@2026-01-01T00:00:00Z",
        body: { a: 1 },
        subject: "order",
        correlationId: "c-1",
        applicationProperties: { marketplaceId: "ATVPDKIKX0DER" },
      }),
    ).toEqual({
      messageId: "111-2223333-4444444@2026-01-01T00:00:00Z",
      body: { a: 1 },
      contentType: "application/json",
      subject: "order",
      correlationId: "c-1",
      applicationProperties: { marketplaceId: "ATVPDKIKX0DER" },
    });
  });

  it("refuses a message without a messageId or with one longer than Service Bus allows", () => {
    expect(() => toServiceBusMessage({ messageId: "", body: {} })).toThrow(ValidationError);
    expect(() => toServiceBusMessage({ messageId: "x".repeat(129), body: {} })).toThrow(ValidationError);
  });

  it("reads a dead-lettered message with its sequence number as an exact string and JSON bytes parsed", () => {
    const m = fromDeadLettered("order-import", {
      // A sequence number beyond 2^53, as Service Bus may hand out; the message carries it as a Long-like object.
      ...dl(Number("9007199254740993"), "m1"),
      sequenceNumber: { toString: () => "9007199254740993" },
      body: Buffer.from('{"x":1}'),
    });
    expect(m).toMatchObject({
      queue: "order-import",
      messageId: "m1",
      sequenceNumber: "9007199254740993",
      body: { x: 1 },
      deliveryCount: 10,
      deadLetterReason: "MaxDeliveryCountExceeded",
    });
    expect(m.applicationProperties).toEqual({ source: "timer", at: "2026-01-01T00:00:00.000Z" });
  });
});

describe("ServiceBusMessageBus", () => {
  it("sends in batches that fit and schedules messages with a scheduledEnqueueTime", async () => {
    const sender = new FakeSender(40);
    const bus = new ServiceBusMessageBus(fakeClient(sender));
    const at = new Date("2026-01-01T01:00:00Z");
    await bus.send("order-import", [
      { messageId: "a", body: { id: "a".repeat(15) } },
      { messageId: "b", body: { id: "b".repeat(15) } },
      { messageId: "c", body: { id: "c" }, scheduledEnqueueTime: at },
      { messageId: "d", body: { id: "d".repeat(15) } },
    ]);
    expect(sender.sentBatches.map((b) => b.map((m) => m.messageId))).toEqual([["a"], ["b"], ["d"]]);
    expect(sender.scheduled).toEqual([{ at, messages: [expect.objectContaining({ messageId: "c" })] }]);
  });

  it("says clearly when one message is too large for any batch", async () => {
    const bus = new ServiceBusMessageBus(fakeClient(new FakeSender(10)));
    await expect(bus.send("q", { messageId: "big", body: { text: "x".repeat(100) } })).rejects.toThrow(/larger than a Service Bus message/);
  });

  it("peeks dead letters page by page from the dead-letter sub-queue in peek-lock mode", async () => {
    const receiver = new FakeDeadLetterReceiver([dl(1, "m1"), dl(2, "m2"), dl(3, "m3"), dl(4, "m4"), dl(5, "m5")]);
    const client = fakeClient(new FakeSender(), receiver);
    const bus = new ServiceBusMessageBus(client);
    const peeked = await bus.peekDeadLetters("order-import", 4);
    expect(peeked.map((m) => m.messageId)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(client.receiverOptions[0]).toEqual({ subQueueType: "deadLetter", receiveMode: "peekLock" });
    expect(receiver.completed).toHaveLength(0);
  });

  it("removes one dead-lettered message by sequence number and releases the others it held", async () => {
    const receiver = new FakeDeadLetterReceiver([dl(1, "m1"), dl(2, "m2"), dl(3, "m3"), dl(4, "m4")]);
    const bus = new ServiceBusMessageBus(fakeClient(new FakeSender(), receiver), undefined, { receiveWaitMs: 1 });
    expect(await bus.removeDeadLetter("order-import", "3")).toBe(true);
    expect(receiver.completed.map((m) => m.messageId)).toEqual(["m3"]);
    expect(receiver.abandoned.map((m) => m.messageId).sort()).toEqual(["m1", "m2", "m4"]);
    expect(receiver.locked.size).toBe(0);
    expect(await bus.removeDeadLetter("order-import", "42")).toBe(false);
    expect(receiver.messages.map((m) => m.messageId)).toEqual(["m1", "m2", "m4"]);
  });

  it("counts active messages through the administration client, and answers undefined without rights", async () => {
    const bus = new ServiceBusMessageBus(fakeClient(new FakeSender()), {
      getQueueRuntimeProperties: async () => ({ activeMessageCount: 7 }),
    });
    expect(await bus.countActive("q")).toBe(7);
    const denied = new ServiceBusMessageBus(fakeClient(new FakeSender()), {
      getQueueRuntimeProperties: async () => {
        throw Object.assign(new Error("Unauthorized"), { code: "UnauthorizedAccess" });
      },
    });
    expect(await denied.countActive("q")).toBeUndefined();
  });

  it("maps Service Bus error codes to errors that say whether to retry", () => {
    expect(mapServiceBusError(Object.assign(new Error("gone"), { code: "MessagingEntityNotFound" }), "queue x")).toBeInstanceOf(
      ConfigurationError,
    );
    expect(mapServiceBusError(Object.assign(new Error("busy"), { code: "ServiceBusy" }), "queue x")).toBeInstanceOf(ThrottledError);
    expect(mapServiceBusError(new Error("socket hang up"), "queue x")).toBeInstanceOf(UnavailableError);
  });
});
