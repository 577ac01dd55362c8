import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { afterEach, describe, expect, it } from "vitest";
import { DurableDriver } from "../../../../src/local/durable/driver";
import { MemoryInstanceStore } from "../../../../src/local/durable/store";
import type { Registration } from "../../../../src/local/registry";

// durable-functions ships no types for its testing helpers: createOrchestrator is what df.app.orchestration registers.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createOrchestrator } = require("durable-functions/lib/src/util/testingUtils") as {
  createOrchestrator: (fn: OrchestrationHandler) => Registration["handler"];
};

const executed: string[] = [];

function orchestration(name: string, fn: OrchestrationHandler): Registration {
  const trigger = { type: "orchestrationTrigger", direction: "in", name: "context" };
  return { name, kind: "orchestration", trigger, metadata: { name, bindings: { context: trigger } }, handler: createOrchestrator(fn) };
}

function activity(name: string): Registration {
  const trigger = { type: "activityTrigger", direction: "in", name: "input" };
  return {
    name,
    kind: "activity",
    trigger,
    metadata: { name, bindings: { input: trigger } },
    handler: async (input: unknown) => {
      executed.push(name);
      return `${name}:${JSON.stringify(input)}`;
    },
  };
}

const ACTIVITIES = ["reserveStock", "checkCredit", "postInvoice", "notifyFinance"].map(activity);

/** An orchestrator that runs its steps in order, then waits for "approval", then runs its final steps. */
function steps(before: (string | { timerMs: number })[], after: string[] = []): OrchestrationHandler {
  return function* (context: OrchestrationContext) {
    const results: unknown[] = [];
    for (const step of before) {
      if (typeof step === "string") results.push(yield context.df.callActivity(step, "SO-1"));
      else yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + step.timerMs));
    }
    yield context.df.waitForExternalEvent("approval");
    for (const step of after) results.push(yield context.df.callActivity(step, "SO-1"));
    return results;
  };
}

const drivers: DurableDriver[] = [];
function driver(store: MemoryInstanceStore, orchestrator: OrchestrationHandler): DurableDriver {
  const d = new DurableDriver({ registrations: [orchestration("invoiceOrder", orchestrator), ...ACTIVITIES], store, hubName: "Replay" });
  drivers.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.stop()));
  executed.length = 0;
});

/** Runs the first version until it waits for approval, stops it, and starts the second version on the same history. */
async function changeBetweenRuns(first: OrchestrationHandler, second: OrchestrationHandler) {
  const store = new MemoryInstanceStore();
  const v1 = driver(store, first);
  await v1.start();
  await v1.startNew("invoiceOrder", { instanceId: "order-1" });
  await v1.waitForIdle({ timeoutMs: 10_000 });
  expect(v1.getStatus("order-1")?.runtimeStatus).toBe("Running");
  await v1.stop();
  executed.length = 0;

  const v2 = driver(store, second);
  await v2.start(); // replays the saved history with the changed orchestrator
  await v2.waitForIdle({ timeoutMs: 10_000 });
  return v2;
}

describe("the local durable driver on a replay that does not match the history", () => {
  it("fails the instance as Azure does when a scheduled activity's name changed", async () => {
    const d = await changeBetweenRuns(steps(["reserveStock", "postInvoice"]), steps(["checkCredit", "postInvoice"]));
    const status = d.getStatus("order-1");
    expect(status?.runtimeStatus).toBe("Failed");
    expect(String(status?.output)).toMatch(/^Non-Deterministic workflow detected: /);
    expect(String(status?.output)).toContain(
      "scheduled an activity task with sequence number 0 named 'reserveStock', but the current orchestration replay instead scheduled an activity task named 'checkCredit'",
    );
    expect(executed).toEqual([]); // the changed orchestrator's new activity never ran
  });

  it("fails it when the order of the activities changed", async () => {
    const d = await changeBetweenRuns(steps(["reserveStock", "postInvoice"]), steps(["postInvoice", "reserveStock"]));
    expect(d.getStatus("order-1")?.runtimeStatus).toBe("Failed");
    expect(String(d.getStatus("order-1")?.output)).toContain("sequence number 0 named 'reserveStock'");
    expect(String(d.getStatus("order-1")?.output)).toContain("instead scheduled an activity task named 'postInvoice'");
  });

  it("fails it when a timer took an activity's place", async () => {
    const d = await changeBetweenRuns(steps(["reserveStock"]), steps([{ timerMs: 1000 }]));
    expect(String(d.getStatus("order-1")?.output)).toContain(
      "scheduled an activity task with sequence number 0 named 'reserveStock', but the current orchestration replay instead produced a timer task",
    );
  });

  it("fails it when an activity the history recorded is no longer scheduled", async () => {
    const d = await changeBetweenRuns(steps(["reserveStock", "postInvoice"]), steps(["reserveStock"]));
    expect(d.getStatus("order-1")?.runtimeStatus).toBe("Failed");
    expect(String(d.getStatus("order-1")?.output)).toContain(
      "scheduled an activity task with sequence number 1 named 'postInvoice', but the current replay execution hasn't (yet?) scheduled this task",
    );
  });

  it("lets a change after the point the instance reached replay and finish (and an unchanged orchestrator too)", async () => {
    const d = await changeBetweenRuns(
      steps(["reserveStock", { timerMs: 10 }]),
      steps(["reserveStock", { timerMs: 10 }], ["notifyFinance"]),
    );
    expect(d.getStatus("order-1")?.runtimeStatus).toBe("Running");
    expect(await d.raiseEvent("order-1", "approval", { by: "finance" })).toBe("accepted");
    const done = await d.waitForCompletion("order-1", 10_000);
    expect(done?.runtimeStatus).toBe("Completed");
    expect(done?.output).toEqual(['reserveStock:"SO-1"', 'notifyFinance:"SO-1"']);
    expect(executed).toEqual(["notifyFinance"]); // reserveStock was not run again
  });
});
