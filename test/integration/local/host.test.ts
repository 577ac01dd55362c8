import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { loadAppAsync } from "../../../src/local/registry";
import { MemoryServiceBus } from "../../../src/local/memory-bus";
import { MemoryInstanceStore } from "../../../src/local/durable/store";
import { currentApp } from "../../../src/wiring/app";
import { fixtureState } from "../../fixtures/local-app";

let host: LocalHost;
const logs: string[] = [];

beforeAll(async () => {
  const registrations = (await loadAppAsync(() => import("../../fixtures/local-app"))).filter((r) => r.name.startsWith("fx"));
  host = await startLocalHost({
    port: 0,
    registrations,
    bus: new MemoryServiceBus({ maxDeliveryCount: 3, retryDelayMs: 1, maxRetryDelayMs: 5 }),
    durableStore: new MemoryInstanceStore(),
    schedules: false,
    timeScale: 100,
    settings: { FX_QUEUE: "fx-queue", FX_TICK_SCHEDULE: "0 */5 * * * *" },
    log: (level, message) => logs.push(`${level} ${message}`),
  });
});
afterAll(async () => {
  await host?.stop();
});

describe("the local Functions host", () => {
  it("serves an HTTP function on /api/<route> with route parameters and query", async () => {
    const res = await fetch(`${host.url}/api/hello/Contoso?verbose=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ hello: "Contoso", verbose: "1" });
  });

  it("passes a JSON body and returns the function's status and headers", async () => {
    const res = await fetch(`${host.url}/api/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: "ABC" }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-fixture")).toBe("yes");
    expect(await res.json()).toEqual({ received: { sku: "ABC" } });
  });

  it("answers 404 for unknown routes and for methods a function does not accept", async () => {
    expect((await fetch(`${host.url}/api/nothing-here`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/echo`)).status).toBe(404);
    expect((await fetch(`${host.url}/elsewhere`)).status).toBe(404);
  });

  it("answers 500 when the function throws and records the failure", async () => {
    const res = await fetch(`${host.url}/api/echo`, { method: "POST", body: JSON.stringify({ fail: true }) });
    expect(res.status).toBe(500);
    const summary = await host.summary();
    expect(summary.failures.some((f) => f.function === "fxEcho" && f.error === "echo was asked to fail")).toBe(true);
  });

  it("runs every timer function once on request", async () => {
    const before = fixtureState().ticks;
    const runs = await host.runTimersOnce();
    expect(runs).toContainEqual({ function: "fxTick", ok: true });
    expect(runs.map((r) => r.function).sort()).toEqual(["fxRetryingTimer", "fxTick"]);
    expect(fixtureState().ticks).toBe(before + 1);
  });

  it("retries a failing timer function by its retry policy, telling it the retry count", async () => {
    fixtureState().timerFailuresLeft = 2;
    fixtureState().timerRetryCounts = [];
    expect(await host.runTimer("fxRetryingTimer")).toEqual({ function: "fxRetryingTimer", ok: true });
    expect(fixtureState().timerRetryCounts).toEqual([0, 1, 2]);
    fixtureState().timerFailuresLeft = 5;
    const failed = await host.runTimer("fxRetryingTimer");
    expect(failed).toEqual({ function: "fxRetryingTimer", ok: false, error: "D365 unavailable" });
  });

  it("feeds a queue trigger from the bus, resolving %SETTING% queue names, with Service Bus trigger metadata", async () => {
    await host.bus.send("fx-queue", { messageId: "order-1@1", body: { orderId: "111-1" }, applicationProperties: { Source: "test" } });
    await host.drain();
    const got = fixtureState().queueMessages.find((m) => m.messageId === "order-1@1");
    expect(got).toEqual({
      body: { orderId: "111-1" },
      messageId: "order-1@1",
      deliveryCount: 1,
      applicationProperties: { source: "test" },
    });
  });

  it("dead-letters a message whose function keeps failing and reports it in the summary", async () => {
    await host.bus.send("fx-queue", { messageId: "bad-1", body: { fail: true } });
    const summary = await host.drain();
    const deliveries = fixtureState()
      .queueMessages.filter((m) => m.messageId === "bad-1")
      .map((m) => m.deliveryCount);
    expect(deliveries).toEqual([1, 2, 3]);
    expect(summary.deadLettered).toContainEqual({
      queue: "fx-queue",
      messageId: "bad-1",
      reason: "MaxDeliveryCountExceeded",
      description: "cannot handle bad-1",
      deliveryCount: 3,
    });
    expect(summary.invocations.fxQueue?.failed).toBeGreaterThanOrEqual(3);
    expect(summary.queues["fx-queue"]).toEqual({ active: 0, deadLettered: 1, hasReceiver: true });
  });

  it("reports timedOut from drain() when work is still running at its timeout", async () => {
    await host.bus.send("fx-queue", { messageId: "slow-1", body: { sleepMs: 400 } });
    const early = await host.drain({ timeoutMs: 100 });
    expect(early.timedOut).toBe(true);
    const settled = await host.drain();
    expect(settled.timedOut).toBeUndefined();
    expect(fixtureState().queueMessages.some((m) => m.messageId === "slow-1")).toBe(true);
  });

  it("makes the memory bus the installed app's bus, so flows send through it", async () => {
    // The app's bus is the host's, wrapped to add the sender's trace (platform/trace.ts).
    await currentApp().bus.send("fx-queue", { messageId: "via-runtime", body: 7 });
    await host.drain();
    expect(fixtureState().queueMessages.some((m) => m.messageId === "via-runtime" && m.body === 7)).toBe(true);
  });

  it("waits in drain() for orchestrations started by functions", async () => {
    const res = await fetch(`${host.url}/api/orchestrators/fxFanOut/drain-1`, { method: "POST", body: "4" });
    expect(res.status).toBe(202);
    const summary = await host.drain();
    expect(summary.orchestrations.instances).toContainEqual({
      instanceId: "drain-1",
      name: "fxFanOut",
      runtimeStatus: "Completed",
      error: undefined,
    });
  });

  it("runs a timer function on its NCRONTAB schedule, with the schedule taken from an app setting", async () => {
    const regs = host.registrations.filter((r) => r.name === "fxTick");
    const scheduled = await startLocalHost({
      port: 0,
      registrations: regs,
      durableStore: new MemoryInstanceStore(),
      settings: { FX_TICK_SCHEDULE: "* * * * * *" }, // every second
      app: false,
      log: () => undefined,
    });
    try {
      const before = fixtureState().ticks;
      const deadline = Date.now() + 3500;
      while (fixtureState().ticks < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(fixtureState().ticks).toBeGreaterThanOrEqual(before + 2);
    } finally {
      await scheduled.stop();
    }
  });
});
