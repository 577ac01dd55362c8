import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ManualClock } from "../../../src/platform/clock";
import {
  ConcurrencyError,
  ConfigurationError,
  MappingGapError,
  NotFoundError,
  ThrottledError,
  UnavailableError,
  ValidationError,
} from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { listParked } from "../../../src/platform/parked-messages";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import {
  handleQueueMessage,
  httpError,
  parseJsonBody,
  retryDelayMs,
  retryMessageId,
  type QueueRetryPolicy,
} from "../../../src/platform/trigger-adapters";

const OrderImport = z.object({ amazonOrderId: z.string().regex(/^\d{3}-\d{7}-\d{7}$/), marketplaceId: z.string() });

function context(messageId = "111-2223333-4444444@1", deliveryCount = 1) {
  return new InvocationContext({
    invocationId: "inv-1",
    functionName: "order-import",
    triggerMetadata: { messageId, deliveryCount },
    logHandler: () => {},
  });
}

function deps() {
  return {
    state: new MemoryStateStore(),
    telemetry: new MemoryTelemetry(),
    clock: new ManualClock("2026-02-01T00:00:00Z"),
    maxDeliveryCount: 5,
  };
}

const good = { amazonOrderId: "111-2223333-4444444", marketplaceId: "ATVPDKIKX0DER" };

describe("httpError", () => {
  it("answers an AppError with its status, code, message and where", () => {
    const r = httpError(new NotFoundError("orders.notFound", "No order 111-2223333-4444444", { where: "amazonOrderId" }));
    expect(r.status).toBe(404);
    expect(r.jsonBody).toMatchObject({
      error: "orders.notFound",
      message: "No order 111-2223333-4444444",
      where: "amazonOrderId",
      retryable: false,
    });
  });

  it("answers a ZodError with 400 and the paths of the issues", () => {
    const parsed = OrderImport.safeParse({ amazonOrderId: "nope" });
    const r = httpError(parsed.error);
    expect(r.status).toBe(400);
    const body = r.jsonBody as { issues: { path: string }[] };
    expect(body.issues.map((i) => i.path).sort()).toEqual(["amazonOrderId", "marketplaceId"]);
  });

  it("tells a throttled caller when to come back", () => {
    const r = httpError(new ThrottledError("spapi.throttled", "slow down", 2500));
    expect(r.status).toBe(429);
    expect(r.headers).toEqual({ "Retry-After": "3" });
  });

  it("hides the internals of unexpected errors", () => {
    const r = httpError(new TypeError("Cannot read properties of undefined (reading 'secretThing')"), "inv-9");
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.jsonBody)).not.toContain("secretThing");
    expect(JSON.stringify(r.jsonBody)).toContain("inv-9");
  });
});

describe("parseJsonBody", () => {
  const req = (body?: string) =>
    new HttpRequest({ method: "POST", url: "http://localhost:7071/api/x", ...(body !== undefined ? { body: { string: body } } : {}) });

  it("returns the typed body when it is valid", async () => {
    expect(await parseJsonBody(req(JSON.stringify(good)), OrderImport)).toEqual(good);
  });

  it("rejects empty, malformed and invalid bodies as validation errors (400)", async () => {
    await expect(parseJsonBody(req(""), OrderImport)).rejects.toBeInstanceOf(ValidationError);
    await expect(parseJsonBody(req("{nope"), OrderImport)).rejects.toThrow(/not valid JSON/);
    const err = (await parseJsonBody(req(JSON.stringify({ amazonOrderId: "x", marketplaceId: "US" })), OrderImport).catch(
      (e: unknown) => e,
    )) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.where).toBe("amazonOrderId");
    expect(httpError(err).status).toBe(400);
  });
});

describe("handleQueueMessage", () => {
  it("completes a message the handler handled, passing the delivery facts", async () => {
    const d = deps();
    const outcome = await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: context("m-1", 2),
      schema: OrderImport,
      deps: d,
      handle: async (cmd, delivery) => `${cmd.amazonOrderId}/${delivery.messageId}/${delivery.deliveryCount}`,
    });
    expect(outcome).toEqual({ status: "completed", messageId: "m-1", result: "111-2223333-4444444/m-1/2" });
  });

  it("parks an invalid message as 'invalid-message' and completes it without calling the handler", async () => {
    const d = deps();
    let called = false;
    const outcome = await handleQueueMessage({
      queue: "order-import",
      body: JSON.stringify({ amazonOrderId: "bad" }),
      context: context("m-2"),
      schema: OrderImport,
      deps: d,
      handle: async () => {
        called = true;
      },
    });
    expect(called).toBe(false);
    expect(outcome).toMatchObject({ status: "parked", reason: "invalid-message" });
    const [parked] = await listParked(d.state);
    expect(parked).toMatchObject({ queue: "order-import", messageId: "m-2", reason: "invalid-message", body: { amazonOrderId: "bad" } });
    expect(parked!.description).toMatch(/amazonOrderId/);
    expect(d.telemetry.events("message.parked")).toHaveLength(1);
  });

  it.each([
    [
      "mapping-gap",
      new MappingGapError("mapping.skuUnknown", "SKU ABC-1 has no ItemNumber: add it to mappings/sku.json", {
        suggestion: { sku: "ABC-1", itemNumber: "?" },
      }),
    ],
    ["validation", new ValidationError("orders.noLines", "Order has no lines")],
    ["not-found", new NotFoundError("orders.gone", "Amazon does not know this order")],
  ])("parks a message whose handler fails with %s, and completes it", async (reason, err) => {
    const d = deps();
    const outcome = await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: context("m-3"),
      schema: OrderImport,
      deps: d,
      handle: async () => Promise.reject(err),
    });
    expect(outcome).toMatchObject({ status: "parked", reason, code: err.code });
    const [parked] = await listParked(d.state, { queue: "order-import" });
    expect(parked).toMatchObject({ reason, code: err.code, description: err.message, timesParked: 1, body: good });
    if (err instanceof MappingGapError) expect(parked!.suggestion).toEqual({ sku: "ABC-1", itemNumber: "?" });
    expect(d.telemetry.events("message.parked")[0]!.properties).toMatchObject({ queue: "order-import", messageId: "m-3", reason });
  });

  it.each([
    ["a throttled call", new ThrottledError("spapi.throttled", "quota", 1000)],
    ["an unavailable service", new UnavailableError("d365.down", "503")],
    ["a lost ETag race", new ConcurrencyError("state.etagMismatch", "changed")],
    ["an unknown error", new Error("socket hang up")],
    ["a configuration problem", new ConfigurationError("d365.auth", "no client secret")],
  ])("rethrows %s so that the bus redelivers the message", async (_what, err) => {
    const d = deps();
    await expect(
      handleQueueMessage({
        queue: "order-import",
        body: good,
        context: context("m-4"),
        schema: OrderImport,
        deps: d,
        handle: async () => Promise.reject(err),
      }),
    ).rejects.toBe(err);
    expect(await listParked(d.state)).toHaveLength(0);
    expect(d.telemetry.events("message.deadLettering")).toHaveLength(0);
  });

  it("announces the last delivery before the bus dead-letters the message", async () => {
    const d = deps();
    await expect(
      handleQueueMessage({
        queue: "order-import",
        body: good,
        context: context("m-5", 5),
        schema: OrderImport,
        deps: d,
        handle: async () => Promise.reject(new UnavailableError("x", "down")),
      }),
    ).rejects.toThrow("down");
    expect(d.telemetry.events("message.deadLettering")).toHaveLength(1);
  });

  it("counts a message parked twice (a replay that failed again) on the same record", async () => {
    const d = deps();
    const fail = async () => Promise.reject(new MappingGapError("mapping.skuUnknown", "SKU ABC-1 unknown"));
    await handleQueueMessage({ queue: "order-import", body: good, context: context("m-6"), schema: OrderImport, deps: d, handle: fail });
    await handleQueueMessage({ queue: "order-import", body: good, context: context("m-6"), schema: OrderImport, deps: d, handle: fail });
    const parked = await listParked(d.state);
    expect(parked).toHaveLength(1);
    expect(parked[0]!.timesParked).toBe(2);
  });
});

describe("handleQueueMessage: a failure that may pass is retried later by a scheduled copy", () => {
  const policy: QueueRetryPolicy = { maxAttempts: 4, baseDelayMs: 10_000, maxDelayMs: 600_000 };
  class RecordingBus implements MessageBus {
    sent: { queue: string; message: OutgoingMessage }[] = [];
    failing = false;
    async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]) {
      if (this.failing) throw new Error("Service Bus unreachable");
      for (const message of Array.isArray(messages) ? messages : [messages]) this.sent.push({ queue, message });
    }
    async peekDeadLetters() {
      return [];
    }
    async removeDeadLetter() {
      return false;
    }
  }
  const NOW = Date.parse("2026-02-01T00:00:00Z");
  function retrying(random = 0.5) {
    const bus = new RecordingBus();
    return { ...deps(), bus, retry: policy, now: () => NOW, random: () => random };
  }
  function ctx(messageId: string, applicationProperties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
    return new InvocationContext({
      invocationId: "inv-2",
      functionName: "order-import",
      triggerMetadata: { messageId, deliveryCount: 1, applicationProperties, subject: "order-import", ...extra },
      logHandler: () => {},
    });
  }
  const down = new UnavailableError("d365.unavailable", "D365 answered 503");

  it("completes the message and schedules a copy with the attempt, under an id derived from the original", async () => {
    const d = retrying();
    const outcome = await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: ctx("111-2223333-4444444@1", { amazonOrderId: "111-2223333-4444444", source: "notification" }),
      schema: OrderImport,
      deps: d,
      handle: async () => Promise.reject(down),
    });
    expect(outcome).toMatchObject({ status: "retry-scheduled", retryMessageId: "111-2223333-4444444@1:retry:2", attempt: 1 });
    expect(d.bus.sent).toHaveLength(1);
    const { queue, message } = d.bus.sent[0]!;
    expect(queue).toBe("order-import");
    expect(message).toMatchObject({
      messageId: "111-2223333-4444444@1:retry:2",
      body: good,
      subject: "order-import",
      applicationProperties: {
        amazonOrderId: "111-2223333-4444444",
        source: "notification",
        retryOf: "111-2223333-4444444@1",
        retryAttempt: 1,
        retryCode: "d365.unavailable",
      },
    });
    // 10 s base with equal jitter: between 5 and 10 s, here 7.5 s.
    expect(message.scheduledEnqueueTime!.getTime() - NOW).toBe(7_500);
    expect(d.telemetry.events("message.retryScheduled")).toHaveLength(1);
    expect(await listParked(d.state)).toEqual([]);
  });

  it("counts attempts on the copies, doubles the wait and keeps the original id", async () => {
    const d = retrying(1);
    let seen: { attempt?: number; originalMessageId?: string; lastAttempt?: boolean } = {};
    await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: ctx("o-1:retry:3", { retryOf: "o-1", retryAttempt: 2 }),
      schema: OrderImport,
      deps: d,
      handle: async (_m, delivery) => {
        seen = delivery;
        throw down;
      },
    });
    expect(seen).toMatchObject({ attempt: 3, originalMessageId: "o-1", lastAttempt: false });
    const { message } = d.bus.sent[0]!;
    expect(message.messageId).toBe("o-1:retry:4");
    expect(message.applicationProperties).toMatchObject({ retryOf: "o-1", retryAttempt: 3 });
    expect(message.scheduledEnqueueTime!.getTime() - NOW).toBe(40_000); // 10 s * 2^2, jitter at its top
  });

  it("schedules the same copy id when the original is delivered again (duplicate detection drops the second)", async () => {
    const d = retrying();
    for (let delivery = 1; delivery <= 2; delivery++) {
      await handleQueueMessage({
        queue: "order-import",
        body: good,
        context: ctx("o-2", {}, { deliveryCount: delivery }),
        schema: OrderImport,
        deps: d,
        handle: async () => Promise.reject(down),
      });
    }
    expect(d.bus.sent.map((s) => s.message.messageId)).toEqual(["o-2:retry:2", "o-2:retry:2"]);
  });

  it("waits at least what the error asked for (Retry-After, another worker's lease), capped by the longest wait", () => {
    expect(retryDelayMs(1, policy, 55_000, () => 0)).toBe(55_000);
    expect(retryDelayMs(1, policy, 55_000, () => 1)).toBe(60_500);
    expect(retryDelayMs(1, policy, 3_600_000, () => 0)).toBe(600_000);
    expect(retryDelayMs(30, policy, undefined, () => 1)).toBe(600_000);
    expect(retryDelayMs(30, policy, undefined, () => 0)).toBe(300_000);
    expect(retryDelayMs(1, policy, 100, () => 0)).toBe(5_000);
  });

  it("honours a ThrottledError's retryAfterMs on the copy", async () => {
    const d = retrying(0);
    await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: ctx("o-3"),
      schema: OrderImport,
      deps: d,
      handle: async () => Promise.reject(new ThrottledError("order.busy", "another worker imports it", 55_000)),
    });
    expect(d.bus.sent[0]!.message.scheduledEnqueueTime!.getTime() - NOW).toBe(55_000);
  });

  it("parks the message under its original id with its last error after the last attempt", async () => {
    const d = retrying();
    const outcome = await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: ctx("o-4:retry:4", { retryOf: "o-4", retryAttempt: 3 }),
      schema: OrderImport,
      deps: d,
      handle: async () => Promise.reject(down),
    });
    expect(outcome).toMatchObject({ status: "parked", messageId: "o-4", reason: "retries-exhausted", code: "d365.unavailable" });
    expect(d.bus.sent).toEqual([]);
    const [parked] = await listParked(d.state);
    expect(parked).toMatchObject({ messageId: "o-4", reason: "retries-exhausted", body: good });
    expect(parked!.description).toContain("4 attempts");
    expect(parked!.description).toContain("D365 answered 503");
    expect(d.telemetry.events("message.retriesExhausted")).toHaveLength(1);
  });

  it("rethrows when the copy cannot be scheduled, so that the bus delivers the message again and nothing is lost", async () => {
    const d = retrying();
    d.bus.failing = true;
    await expect(
      handleQueueMessage({
        queue: "order-import",
        body: good,
        context: ctx("o-5"),
        schema: OrderImport,
        deps: d,
        handle: async () => Promise.reject(down),
      }),
    ).rejects.toBe(down);
    expect(await listParked(d.state)).toEqual([]);
  });

  it("still parks what can never succeed at once, without retrying it", async () => {
    const d = retrying();
    const outcome = await handleQueueMessage({
      queue: "order-import",
      body: good,
      context: ctx("o-6"),
      schema: OrderImport,
      deps: d,
      handle: async () => Promise.reject(new MappingGapError("mapping.skuUnknown", "SKU ABC-1 unknown")),
    });
    expect(outcome).toMatchObject({ status: "parked", reason: "mapping-gap" });
    expect(d.bus.sent).toEqual([]);
  });

  it("keeps derived ids within Service Bus' 128 characters", () => {
    const long = "x".repeat(128);
    const id = retryMessageId(long, 7);
    expect(id.length).toBeLessThanOrEqual(128);
    expect(id).toMatch(/^[0-9a-f]{40}:retry:7$/);
    expect(retryMessageId(long, 7)).toBe(id);
  });
});

describe("withHttpErrors", () => {
  it("turns a thrown error into its HTTP answer and logs only unexpected ones", async () => {
    const { withHttpErrors } = await import("../../../src/platform/trigger-adapters");
    const telemetry = new MemoryTelemetry();
    const req = new HttpRequest({ method: "GET", url: "http://localhost/api/x" });
    const notFound = withHttpErrors(
      async () => Promise.reject(new NotFoundError("x.gone", "gone")),
      () => telemetry,
    );
    expect((await notFound(req, context())).status).toBe(404);
    expect(telemetry.entries).toHaveLength(0);
    const boom = withHttpErrors(
      async () => Promise.reject(new Error("boom")),
      () => telemetry,
    );
    expect((await boom(req, context())).status).toBe(500);
    expect(telemetry.entries.map((e) => e.name)).toEqual(["http.failed"]);
  });
});
