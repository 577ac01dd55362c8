import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import {
  configuredQueues,
  deadLettersHandler,
  replayMessageHandler,
  replayMessageId,
  replayQueueHandler,
  statusHandler,
  type OperationsDeps,
} from "../../../src/platform/operations";
import type { DeadLetteredMessage, MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { listParked, parkMessage } from "../../../src/platform/parked-messages";
import { recordRun, setWatermark } from "../../../src/platform/run-records";

/** Just enough of a bus: sent messages are recorded, dead letters are a list. */
class FakeBus implements MessageBus {
  sent: { queue: string; message: OutgoingMessage }[] = [];
  dead = new Map<string, DeadLetteredMessage[]>();
  failSend = false;
  async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]) {
    if (this.failSend) throw new Error("namespace unreachable");
    for (const message of Array.isArray(messages) ? messages : [messages]) this.sent.push({ queue, message });
  }
  async peekDeadLetters(queue: string, max = 100) {
    return (this.dead.get(queue) ?? []).slice(0, max);
  }
  async removeDeadLetter(queue: string, sequenceNumber: string) {
    const list = this.dead.get(queue) ?? [];
    const i = list.findIndex((m) => m.sequenceNumber === sequenceNumber);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }
  async countActive() {
    return 3;
  }
}

const QUEUES = ["amazon-notifications", "order-import", "d365-events"];
const ctx = () => new InvocationContext({ invocationId: "inv-ops", functionName: "status", logHandler: () => {} });
const get = (url: string) => new HttpRequest({ method: "GET", url });
const post = (url: string, params: Record<string, string>) => new HttpRequest({ method: "POST", url, params });

function setup() {
  const state = new MemoryStateStore();
  const bus = new FakeBus();
  const deps: OperationsDeps = { state, bus, queues: QUEUES, clock: new ManualClock("2026-02-01T12:00:00Z") };
  return { state, bus, deps };
}

function deadLetter(queue: string, seq: number, messageId: string): DeadLetteredMessage {
  return {
    queue,
    messageId,
    sequenceNumber: String(seq),
    body: { amazonOrderId: messageId },
    deliveryCount: 10,
    deadLetterReason: "MaxDeliveryCountExceeded",
  };
}

describe("GET /api/status", () => {
  it("shows per flow the last run, watermark and counters, and per queue parked and dead-lettered counts", async () => {
    const { state, bus, deps } = setup();
    await recordRun(state, {
      flow: "orders-catchup",
      scope: "ATVPDKIKX0DER",
      startedAt: new Date("2026-02-01T11:55:00Z"),
      finishedAt: new Date("2026-02-01T11:55:03Z"),
      outcome: "succeeded",
      counts: { orders: 4 },
    });
    await setWatermark(state, "orders-catchup", "ATVPDKIKX0DER", new Date("2026-02-01T11:50:00Z"));
    await parkMessage(state, { queue: "order-import", messageId: "m1", body: {}, reason: "mapping-gap", description: "SKU unknown" });
    bus.dead.set("d365-events", [deadLetter("d365-events", 1, "e1"), deadLetter("d365-events", 2, "e2")]);

    const res = await statusHandler(get("http://localhost:7071/api/status"), ctx(), deps);
    expect(res.status).toBe(200);
    const body = res.jsonBody as any;
    expect(body.status).toBe("attention");
    expect(body.generatedAt).toBe("2026-02-01T12:00:00.000Z");
    expect(body.flows).toEqual([
      {
        flow: "orders-catchup",
        scopes: [
          expect.objectContaining({
            scope: "ATVPDKIKX0DER",
            watermark: "2026-02-01T11:50:00.000Z",
            lastRun: expect.objectContaining({ outcome: "succeeded", counts: { orders: 4 } }),
            runs: { succeeded: 1, partial: 0, failed: 0, skipped: 0 },
          }),
        ],
      },
    ]);
    expect(body.queues).toEqual([
      { queue: "amazon-notifications", parked: 0, deadLettered: 0, deadLetteredCapped: false, active: 3 },
      { queue: "order-import", parked: 1, deadLettered: 0, deadLetteredCapped: false, active: 3 },
      { queue: "d365-events", parked: 0, deadLettered: 2, deadLetteredCapped: false, active: 3 },
    ]);
    expect(body.parkedTotal).toBe(1);
    expect(body.deadLetteredTotal).toBe(2);
  });

  it("is ok when nothing needs attention, and reports a bus problem per queue instead of failing", async () => {
    const { deps } = setup();
    expect(((await statusHandler(get("http://localhost/api/status"), ctx(), deps)).jsonBody as any).status).toBe("ok");
    const noBus: OperationsDeps = {
      ...deps,
      get bus(): MessageBus {
        throw new Error("No Service Bus namespace");
      },
    };
    const res = await statusHandler(get("http://localhost/api/status"), ctx(), noBus);
    expect(res.status).toBe(200);
    expect((res.jsonBody as any).queues[0].error).toContain("No Service Bus namespace");
  });
});

describe("GET /api/deadletters", () => {
  it("lists parked messages and dead-lettered messages of every queue", async () => {
    const { state, bus, deps } = setup();
    await parkMessage(state, {
      queue: "order-import",
      messageId: "m1",
      body: { amazonOrderId: "111-2223333-4444444" },
      reason: "mapping-gap",
      description: "SKU unknown",
    });
    bus.dead.set("order-import", [deadLetter("order-import", 7, "m2")]);
    const res = await deadLettersHandler(get("http://localhost/api/deadletters"), ctx(), deps);
    expect(res.status).toBe(200);
    const body = res.jsonBody as any;
    expect(body.parked.map((p: any) => p.messageId)).toEqual(["m1"]);
    expect(body.deadLettered.map((d: any) => [d.queue, d.messageId, d.sequenceNumber])).toEqual([["order-import", "m2", "7"]]);
    expect(body.errors).toEqual([]);
  });

  it("filters by queue and refuses a queue the app does not use", async () => {
    const { deps } = setup();
    expect((await deadLettersHandler(get("http://localhost/api/deadletters?queue=order-import"), ctx(), deps)).status).toBe(200);
    const res = await deadLettersHandler(get("http://localhost/api/deadletters?queue=nope"), ctx(), deps);
    expect(res.status).toBe(404);
    expect((res.jsonBody as any).error).toBe("operations.unknownQueue");
  });

  it("masks buyer data that a foreign message might carry", async () => {
    const { bus, deps } = setup();
    bus.dead.set("amazon-notifications", [{ ...deadLetter("amazon-notifications", 1, "n1"), body: { BuyerEmail: "jane@example.com" } }]);
    const res = await deadLettersHandler(get("http://localhost/api/deadletters"), ctx(), deps);
    expect(JSON.stringify(res.jsonBody)).not.toContain("jane@example.com");
  });
});

describe("POST /api/deadletters/{queue}/replay and /{queue}/{messageId}/replay", () => {
  it("resends every parked and dead-lettered message of a queue under a replay id and removes the originals", async () => {
    const { state, bus, deps } = setup();
    await parkMessage(state, {
      queue: "order-import",
      messageId: "m1",
      body: { amazonOrderId: "1" },
      reason: "mapping-gap",
      description: "gap",
    });
    await parkMessage(state, { queue: "d365-events", messageId: "e9", body: { eventId: "e9" }, reason: "validation", description: "x" });
    bus.dead.set("order-import", [deadLetter("order-import", 5, "m2")]);

    const res = await replayQueueHandler(
      post("http://localhost/api/deadletters/order-import/replay", { queue: "order-import" }),
      ctx(),
      deps,
    );
    expect(res.status).toBe(200);
    expect(bus.sent.map((s) => [s.queue, s.message.messageId, s.message.body])).toEqual([
      ["order-import", "m1:replay:1", { amazonOrderId: "1" }],
      ["order-import", "m2:replay:1", { amazonOrderId: "m2" }],
    ]);
    expect(bus.sent[0]!.message.applicationProperties).toMatchObject({ replayOf: "m1" });
    expect(await listParked(state, { queue: "order-import" })).toHaveLength(0);
    expect(await listParked(state, { queue: "d365-events" })).toHaveLength(1); // other queues untouched
    expect(bus.dead.get("order-import")).toHaveLength(0);
  });

  it("replays one message by id, counting replays in the new id", async () => {
    const { state, deps } = setup();
    await parkMessage(state, {
      queue: "order-import",
      messageId: "m1:replay:1",
      body: { amazonOrderId: "1" },
      reason: "mapping-gap",
      description: "still a gap",
    });
    await parkMessage(state, { queue: "order-import", messageId: "other", body: {}, reason: "mapping-gap", description: "gap" });
    const res = await replayMessageHandler(
      post("http://localhost/api/deadletters/order-import/m1%3Areplay%3A1/replay", { queue: "order-import", messageId: "m1:replay:1" }),
      ctx(),
      deps,
    );
    expect(res.status).toBe(200);
    expect((res.jsonBody as any).replayed).toEqual([
      { queue: "order-import", messageId: "m1:replay:1", newMessageId: "m1:replay:2", source: "parked" },
    ]);
    expect((await listParked(state)).map((p) => p.messageId)).toEqual(["other"]);
  });

  it("answers 404 for an unknown message or queue", async () => {
    const { deps } = setup();
    expect((await replayMessageHandler(post("http://localhost/x", { queue: "order-import", messageId: "nope" }), ctx(), deps)).status).toBe(
      404,
    );
    expect((await replayQueueHandler(post("http://localhost/x", { queue: "not-a-queue" }), ctx(), deps)).status).toBe(404);
  });

  it("keeps the parked message when the resend fails, and says so", async () => {
    const { state, bus, deps } = setup();
    await parkMessage(state, { queue: "order-import", messageId: "m1", body: {}, reason: "mapping-gap", description: "gap" });
    bus.failSend = true;
    const res = await replayQueueHandler(post("http://localhost/x", { queue: "order-import" }), ctx(), deps);
    expect(res.status).toBe(502);
    expect((res.jsonBody as any).failed[0]).toMatchObject({ messageId: "m1", source: "parked" });
    expect(await listParked(state)).toHaveLength(1);
  });
});

describe("replay ids and queues", () => {
  it("derives stable replay ids within 128 characters", () => {
    expect(replayMessageId("abc")).toBe("abc:replay:1");
    expect(replayMessageId("abc:replay:9")).toBe("abc:replay:10");
    const long = replayMessageId("x".repeat(127));
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toBe(replayMessageId("x".repeat(127)));
  });

  it("takes the queue names from every QUEUE_* setting", () => {
    expect(
      configuredQueues({
        QUEUE_NOTIFICATIONS: "a",
        QUEUE_ORDER_IMPORT: "b",
        QUEUE_D365_EVENTS: "c",
        QUEUE_MAX_DELIVERY_COUNT: 10,
        OTHER: "x",
      }),
    ).toEqual(["a", "b", "c"]);
  });
});
