import { InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryServiceBus, type ReceivedMessage } from "../../../src/local/memory-bus";
import { MappingGapError, UnavailableError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { replayOne, replayQueue, type OperationsDeps } from "../../../src/platform/operations";
import { listParked } from "../../../src/platform/parked-messages";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { handleQueueMessage, type QueueRetryPolicy } from "../../../src/platform/trigger-adapters";

const Msg = z.object({ amazonOrderId: z.string(), sku: z.string() });
const QUEUE = "order-import";

let bus: MemoryServiceBus | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

/** Wires a queue the way the local host does: the trigger payload and triggerMetadata from the bus delivery. */
function wire(handle: (m: z.infer<typeof Msg>) => Promise<void>, retry?: QueueRetryPolicy) {
  bus = new MemoryServiceBus({ maxDeliveryCount: 3 });
  const b = bus;
  const state = new MemoryStateStore();
  const telemetry = new MemoryTelemetry();
  bus.subscribe(QUEUE, async (m: ReceivedMessage) => {
    const context = new InvocationContext({
      invocationId: `inv-${m.sequenceNumber}-${m.deliveryCount}`,
      triggerMetadata: { messageId: m.messageId, deliveryCount: m.deliveryCount, applicationProperties: m.applicationProperties },
      logHandler: () => {},
    });
    const deps = { state, telemetry, maxDeliveryCount: 3, ...(retry ? { bus: b, retry } : {}) };
    await handleQueueMessage({ queue: QUEUE, body: m.body, context, schema: Msg, deps, handle });
  });
  const deps: OperationsDeps = { state, bus, queues: [QUEUE], telemetry };
  return { bus, state, telemetry, deps };
}

describe("queue outcomes end to end on the in-memory bus", () => {
  it("parks a mapping gap at once (completed, not redelivered), and a replay after the fix succeeds", async () => {
    const known = new Set<string>();
    const handled: string[] = [];
    const { bus, state, deps } = wire(async (m) => {
      if (!known.has(m.sku)) throw new MappingGapError("mapping.skuUnknown", `SKU ${m.sku} has no ItemNumber`);
      handled.push(m.amazonOrderId);
    });
    await bus.send(QUEUE, { messageId: "111-2223333-4444444@1", body: { amazonOrderId: "111-2223333-4444444", sku: "ABC-1" } });
    await bus.drain(10_000);
    expect(bus.stats.completed).toBe(1);
    expect(bus.stats.abandoned).toBe(0);
    expect(await bus.peekDeadLetters(QUEUE)).toHaveLength(0);
    expect((await listParked(state)).map((p) => p.reason)).toEqual(["mapping-gap"]);

    known.add("ABC-1"); // the admin fixes the mapping
    const report = await replayOne(deps, QUEUE, "111-2223333-4444444@1");
    expect(report.replayed[0]?.newMessageId).toBe("111-2223333-4444444@1:replay:1");
    await bus.drain(10_000);
    expect(handled).toEqual(["111-2223333-4444444"]);
    expect(await listParked(state)).toHaveLength(0);
  });

  it("lets transient failures retry up to maxDeliveryCount, then dead-letters, and a queue replay brings it back", async () => {
    let down = true;
    const handled: string[] = [];
    const { bus, telemetry, deps } = wire(async (m) => {
      if (down) throw new UnavailableError("d365.unavailable", "D365 answered 503");
      handled.push(m.amazonOrderId);
    });
    await bus.send(QUEUE, { messageId: "m-1", body: { amazonOrderId: "111-0000000-0000001", sku: "ABC-1" } });
    await bus.drain(10_000);
    const dead = await bus.peekDeadLetters(QUEUE);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ messageId: "m-1", deliveryCount: 3 });
    expect(telemetry.events("message.deadLettering")).toHaveLength(1);

    down = false;
    const report = await replayQueue(deps, QUEUE);
    expect(report.replayed).toEqual([{ queue: QUEUE, messageId: "m-1", newMessageId: "m-1:replay:1", source: "dead-letter" }]);
    await bus.drain(10_000);
    expect(handled).toEqual(["111-0000000-0000001"]);
    expect(await bus.peekDeadLetters(QUEUE)).toHaveLength(0);
  });

  it("parks a malformed message without calling the handler", async () => {
    let calls = 0;
    const { bus, state } = wire(async () => {
      calls++;
    });
    await bus.send(QUEUE, { messageId: "bad-1", body: { amazonOrderId: 42 } });
    await bus.drain(10_000);
    expect(calls).toBe(0);
    expect(bus.stats.completed).toBe(1);
    expect((await listParked(state))[0]).toMatchObject({ messageId: "bad-1", reason: "invalid-message", body: { amazonOrderId: 42 } });
  });

  it("retries a failure that may pass by scheduled copies, far beyond maxDeliveryCount, without dead-lettering", async () => {
    let failures = 0;
    const handled: string[] = [];
    const { bus, telemetry } = wire(
      async (m) => {
        if (failures < 6) {
          failures++;
          throw new UnavailableError("d365.unavailable", "D365 answered 503");
        }
        handled.push(m.amazonOrderId);
      },
      { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 40 },
    );
    await bus.send(QUEUE, { messageId: "m-2", body: { amazonOrderId: "111-0000000-0000002", sku: "ABC-1" } });
    await bus.drain(10_000);
    expect(handled).toEqual(["111-0000000-0000002"]);
    expect(await bus.peekDeadLetters(QUEUE)).toHaveLength(0);
    // Seven messages, each delivered once: the original and six copies, every one completed.
    expect(bus.stats).toMatchObject({ sent: 7, completed: 7, abandoned: 0, deadLettered: 0 });
    expect(telemetry.events("message.retryScheduled").map((e) => e.properties.retryMessageId)).toEqual(
      [2, 3, 4, 5, 6, 7].map((n) => `m-2:retry:${n}`),
    );
  });

  it("parks a message whose retries ran out, for a person to see, and a replay after the outage brings it through", async () => {
    let down = true;
    const handled: string[] = [];
    const { bus, state, deps } = wire(
      async (m) => {
        if (down) throw new UnavailableError("d365.unavailable", "D365 answered 503");
        handled.push(m.amazonOrderId);
      },
      { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    );
    await bus.send(QUEUE, { messageId: "m-3", body: { amazonOrderId: "111-0000000-0000003", sku: "ABC-1" } });
    await bus.drain(10_000);
    expect(await bus.peekDeadLetters(QUEUE)).toHaveLength(0);
    const parked = await listParked(state);
    expect(parked.map((p) => [p.messageId, p.reason])).toEqual([["m-3", "retries-exhausted"]]);
    expect(parked[0]!.description).toContain("D365 answered 503");

    down = false;
    const report = await replayOne(deps, QUEUE, "m-3");
    expect(report.replayed[0]?.newMessageId).toBe("m-3:replay:1");
    await bus.drain(10_000);
    expect(handled).toEqual(["111-0000000-0000003"]);
    expect(await listParked(state)).toHaveLength(0);
  });
});
