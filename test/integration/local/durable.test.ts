import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { loadAppAsync, type Registration } from "../../../src/local/registry";
import { fixtureState } from "../../fixtures/local-app";
import { DurableDriver } from "../../../src/local/durable/driver";
import { MemoryInstanceStore } from "../../../src/local/durable/store";

let registrations: Registration[];
const dirs: string[] = [];
const hosts: LocalHost[] = [];
const settings = { FX_QUEUE: "fx-queue", FX_TICK_SCHEDULE: "0 0 0 1 1 *" };

async function host(dataDir?: string, timeScale = 100): Promise<LocalHost> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), "durable-"));
  if (!dataDir) dirs.push(dir);
  const h = await startLocalHost({
    port: 0,
    registrations,
    dataDir: dir,
    hubName: "TestHub",
    timeScale,
    schedules: false,
    settings,
    log: () => undefined,
    app: false,
  });
  hosts.push(h);
  return h;
}

beforeAll(async () => {
  registrations = (await loadAppAsync(() => import("../../fixtures/local-app"))).filter((r) => r.name.startsWith("fx"));
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the local durable driver", () => {
  it("retries a failing activity with the retry options' growing intervals until it succeeds", async () => {
    const h = await host();
    fixtureState().flakyFailuresLeft = 3;
    const before = fixtureState().activityCalls.fxFlaky ?? 0;
    await h.durable.startNew("fxRetry", { instanceId: "retry-1", input: "SO-1" });
    const status = await h.durable.waitForCompletion("retry-1", 20_000);
    expect(status?.runtimeStatus).toBe("Completed");
    const output = status!.output as { result: string; orchestrationMsElapsed: number };
    expect(output.result).toBe("posted:SO-1");
    expect((fixtureState().activityCalls.fxFlaky ?? 0) - before).toBe(4);
    // three retry timers of 200, 400 and 800 ms (backoff 2) passed in orchestration time
    expect(output.orchestrationMsElapsed).toBeGreaterThanOrEqual(1400);
  });

  it("fails the orchestration when the activity still fails after the last attempt", async () => {
    const h = await host();
    await h.durable.startNew("fxRetryExhausted", { instanceId: "exhausted-1" });
    const status = await h.durable.waitForCompletion("exhausted-1", 20_000);
    expect(status?.runtimeStatus).toBe("Failed");
    expect(String(status?.output)).toContain("unknown SKU");
    expect(h.durable.activityExecutions.get("fxAlwaysFails")).toBe(2);
  });

  it("fans out activities and fans their results back in", async () => {
    const h = await host();
    await h.durable.startNew("fxFanOut", { instanceId: "fan-1", input: 5 });
    const status = await h.durable.waitForCompletion("fan-1", 20_000);
    expect(status?.output).toBe(2 + 4 + 6 + 8 + 10);
    expect(h.durable.activityExecutions.get("fxDouble")).toBe(5);
  });

  it("waits for a durable timer (scaled) and moves orchestration time past it", async () => {
    const h = await host(undefined, 200); // 60 s -> 300 ms
    const t0 = Date.now();
    await h.durable.startNew("fxTimer", { instanceId: "timer-1" });
    const status = await h.durable.waitForCompletion("timer-1", 20_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((status?.output as { elapsedOrchestrationMs: number } | undefined)?.elapsedOrchestrationMs).toBeGreaterThanOrEqual(60_000);
  });

  it("runs a sub-orchestration and returns its result to the parent", async () => {
    const h = await host();
    await h.durable.startNew("fxParent", { instanceId: "parent-1" });
    const status = await h.durable.waitForCompletion("parent-1", 20_000);
    expect(status?.output).toEqual({ sum: 2 + 4 + 6 });
    expect(h.durable.getStatus("parent-1:child")?.runtimeStatus).toBe("Completed");
  });

  it("continues as new with the new input until the orchestrator returns", async () => {
    const h = await host();
    await h.durable.startNew("fxContinue", { instanceId: "cont-1", input: 0 });
    const status = await h.durable.waitForCompletion("cont-1", 20_000);
    expect(status?.output).toEqual({ rounds: 3 });
  });

  it("leaves an instance id that exists alone when it is started again", async () => {
    const h = await host();
    const first = await h.durable.startNew("fxFanOut", { instanceId: "same-id", input: 1 });
    await h.durable.waitForCompletion("same-id", 20_000);
    const second = await h.durable.startNew("fxFanOut", { instanceId: "same-id", input: 100 });
    expect(first.created).toBe(true);
    expect(second).toEqual({ instanceId: "same-id", created: false });
    expect(h.durable.getStatus("same-id")?.output).toBe(2);
  });

  it("starts over HTTP through df.getClient, reports 202 while waiting, takes an external event and then answers 200 with the output", async () => {
    const h = await host();
    const started = await fetch(`${h.url}/api/orchestrators/fxApproval/settlement-42`, {
      method: "POST",
      body: JSON.stringify({ amount: "12.50" }),
    });
    expect(started.status).toBe(202);
    const links = (await started.json()) as Record<string, string>;
    expect(links.id).toBe("settlement-42");
    expect(started.headers.get("location")).toBe(links.statusQueryGetUri);
    expect(links.statusQueryGetUri!.startsWith(h.url)).toBe(true);

    await h.durable.waitForIdle();
    const running = await fetch(links.statusQueryGetUri!);
    expect(running.status).toBe(202);
    const runningBody = (await running.json()) as Record<string, unknown>;
    expect(runningBody).toMatchObject({
      runtimeStatus: "Running",
      customStatus: { stage: "waiting for approval" },
      input: { amount: "12.50" },
    });

    // the DurableClient's getStatus goes through the same API (rpcBaseUrl)
    const viaClient = await fetch(`${h.url}/api/status/settlement-42`);
    expect(((await viaClient.json()) as { runtimeStatus: string }).runtimeStatus).toBe("Running");

    const raised = await fetch(links.sendEventPostUri!.replace("{eventName}", "approval"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ approvedBy: "finance" }),
    });
    expect(raised.status).toBe(202);
    await h.durable.waitForCompletion("settlement-42", 10_000);
    const done = await fetch(links.statusQueryGetUri!);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      runtimeStatus: "Completed",
      output: { approvedBy: "finance" },
      customStatus: { stage: "approved" },
    });

    const again = await fetch(links.sendEventPostUri!.replace("{eventName}", "approval"), { method: "POST", body: "{}" });
    expect(again.status).toBe(410);
    const unknown = await fetch(`${h.url}/runtime/webhooks/durabletask/instances/nope`);
    expect(unknown.status).toBe(404);
  });

  it("raises an event through DurableClient.raiseEvent from an HTTP function", async () => {
    const h = await host();
    await h.durable.startNew("fxApproval", { instanceId: "approve-2" });
    await h.durable.waitForIdle();
    const res = await fetch(`${h.url}/api/approve/approve-2`, { method: "POST", body: JSON.stringify({ approvedBy: "controller" }) });
    expect(res.status).toBe(202);
    const status = await h.durable.waitForCompletion("approve-2", 10_000);
    expect(status?.output).toEqual({ approvedBy: "controller" });
  });

  it("terminates and purges instances through the HTTP API", async () => {
    const h = await host();
    await h.durable.startNew("fxApproval", { instanceId: "term-1" });
    await h.durable.waitForIdle();
    const base = `${h.url}/runtime/webhooks/durabletask/instances/term-1`;
    expect((await fetch(`${base}/terminate?reason=cancelled`, { method: "POST" })).status).toBe(202);
    const status = await fetch(base);
    expect(status.status).toBe(400);
    expect(await status.json()).toMatchObject({ runtimeStatus: "Terminated", output: "cancelled" });
    const list = (await (await fetch(`${h.url}/runtime/webhooks/durabletask/instances/?runtimeStatus=Terminated`)).json()) as unknown[];
    expect(list).toHaveLength(1);
    expect((await fetch(base, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(base)).status).toBe(404);
  });

  it("resumes an orchestration after the host is stopped and started again without repeating a completed activity", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "durable-restart-"));
    dirs.push(dir);
    const calls = fixtureState().activityCalls;
    const a0 = calls["fxCount:A"] ?? 0;
    const b0 = calls["fxCount:B"] ?? 0;
    const first = await host(dir, 20); // the 60 s timer waits 3 s: time enough to stop mid-way on a busy machine
    await first.durable.startNew("fxResume", { instanceId: "resume-1" });
    const deadline = Date.now() + 5000;
    while ((calls["fxCount:A"] ?? 0) === a0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    await first.stop(); // mid-way: A done, timer pending, B not started
    expect(first.durable.getStatus("resume-1")?.runtimeStatus).toBe("Running");
    expect((calls["fxCount:B"] ?? 0) - b0).toBe(0);

    const second = await host(dir, 20);
    expect(second.durable.getStatus("resume-1")?.runtimeStatus).toBe("Running");
    const status = await second.durable.waitForCompletion("resume-1", 10_000);
    expect(status?.runtimeStatus).toBe("Completed");
    expect(status?.output).toEqual(["A", "B"]);
    expect((calls["fxCount:A"] ?? 0) - a0).toBe(1);
    expect((calls["fxCount:B"] ?? 0) - b0).toBe(1);
  });

  it("runs an activity that was in flight when the process died again, but not the one that had completed", async () => {
    const store = new MemoryInstanceStore();
    const calls = fixtureState().activityCalls;
    const before0 = calls["fxCount:before-crash"] ?? 0;
    const during0 = calls["fxGated:during-crash"] ?? 0;
    let open!: () => void;
    fixtureState().gate = new Promise<void>((r) => (open = r));
    const dying = new DurableDriver({ registrations, store, hubName: "CrashHub" });
    await dying.start();
    await dying.startNew("fxCrash", { instanceId: "crash-1" });
    const deadline = Date.now() + 5000;
    while ((calls["fxGated:during-crash"] ?? 0) === during0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // The first driver "dies" here: never stopped, its gated activity never finishes for it.
    fixtureState().gate = undefined;
    const next = new DurableDriver({ registrations, store, hubName: "CrashHub" });
    await next.start();
    const status = await next.waitForCompletion("crash-1", 10_000);
    expect(status?.output).toEqual(["before-crash", "during-crash"]);
    expect((calls["fxCount:before-crash"] ?? 0) - before0).toBe(1);
    expect((calls["fxGated:during-crash"] ?? 0) - during0).toBe(2);
    await next.stop();
    open();
    await dying.stop();
  });

  it("counts a parent whose sub-orchestration waits for an event as waiting, and completes both when the event comes", async () => {
    const h = await host();
    await h.durable.startNew("fxParentOfApproval", { instanceId: "p-1" });
    const idle = await h.durable.waitForIdle({ timeoutMs: 5000 });
    expect(idle.waiting).toContainEqual({ instanceId: "p-1", name: "fxParentOfApproval", waitingFor: ["sub-orchestration:p-1:approval"] });
    expect(idle.waiting).toContainEqual({ instanceId: "p-1:approval", name: "fxApproval", waitingFor: ["event:approval"] });
    expect(await h.durable.raiseEvent("p-1:approval", "approval", { approvedBy: "cfo" })).toBe("accepted");
    const status = await h.durable.waitForCompletion("p-1", 5000);
    expect(status?.output).toEqual({ child: { approvedBy: "cfo" } });
  });

  it("races an external event against a durable timer: the event wins when it comes first", async () => {
    const h = await host(undefined, 1); // the one-hour timer really waits an hour: only the event can end it
    await h.durable.startNew("fxApprovalOrTimeout", { instanceId: "race-1" });
    await h.durable.waitForIdle();
    await h.durable.raiseEvent("race-1", "approval", { approvedBy: "controller" });
    const idle = await h.durable.waitForIdle({ timeoutMs: 5000 });
    // the cancelled timer is no longer waited for; only the next event is
    expect(idle.waiting).toContainEqual({ instanceId: "race-1", name: "fxApprovalOrTimeout", waitingFor: ["event:recorded"] });
    await h.durable.raiseEvent("race-1", "recorded", null);
    const status = await h.durable.waitForCompletion("race-1", 5000);
    expect(status?.output).toEqual({ outcome: "approved", by: "controller" });
  });

  it("races an external event against a durable timer: the timer wins when nothing comes", async () => {
    const h = await host(undefined, 3600_000 / 100); // one hour -> 100 ms
    await h.durable.startNew("fxApprovalOrTimeout", { instanceId: "race-2" });
    const status = await h.durable.waitForCompletion("race-2", 5000);
    expect(status?.output).toEqual({ outcome: "timed out" });
  });
});
