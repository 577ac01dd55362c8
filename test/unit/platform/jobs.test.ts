import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ManualClock } from "../../../src/platform/clock";
import { MappingGapError, ThrottledError } from "../../../src/platform/errors";
import { absoluteUrl, getJob, jobHandler, jobResponse, runJob, submitJob, waitForJob, type JobHandlers } from "../../../src/platform/jobs";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";

class Bus implements MessageBus {
  sent: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

function setup(run: (input: { n: number }) => Promise<unknown>) {
  const deps = { state: new MemoryStateStore(), bus: new Bus(), queue: "jobs", clock: new ManualClock(), telemetry: new MemoryTelemetry() };
  const handlers: JobHandlers = { "demo.count": jobHandler(z.object({ n: z.number() }), run) };
  return { deps, handlers };
}
const first = { messageId: "job:x", deliveryCount: 1, attempt: 1, lastAttempt: false };

describe("jobs", () => {
  it("writes the record before its message, and runs it once: a redelivered message finds it done", async () => {
    let runs = 0;
    const { deps, handlers } = setup(async ({ n }) => {
      runs++;
      return { doubled: n * 2 };
    });
    const job = await submitJob(deps, "demo.count", { n: 21 });
    expect(deps.bus.sent).toEqual([
      {
        messageId: `job:${job.id}`,
        body: { jobId: job.id, kind: "demo.count" },
        subject: "job",
        applicationProperties: { kind: "demo.count" },
      },
    ]);
    const done = await runJob({ jobId: job.id, kind: "demo.count" }, first, handlers, deps);
    expect(done).toMatchObject({ status: "succeeded", result: { doubled: 42 }, attempts: 1 });
    await runJob({ jobId: job.id, kind: "demo.count" }, first, handlers, deps);
    expect(runs).toBe(1);
    expect(jobResponse(done, "https://app/api/jobs/x")).toMatchObject({
      status: 200,
      jsonBody: { status: "succeeded", result: { doubled: 42 } },
    });
  });

  it("records a failure that may pass as retrying and rethrows it (the queue retries later); on the last attempt the job fails", async () => {
    const { deps, handlers } = setup(async () => Promise.reject(new ThrottledError("spapi.throttled", "getOrder is throttled", 2000)));
    const job = await submitJob(deps, "demo.count", { n: 1 });
    await expect(runJob({ jobId: job.id, kind: "demo.count" }, first, handlers, deps)).rejects.toThrow("throttled");
    const waiting = (await getJob(deps.state, job.id))!;
    expect(waiting).toMatchObject({ status: "retrying", attempts: 1 });
    expect(waiting.lastError).toContain("getOrder is throttled");
    expect(jobResponse(waiting, "https://app/api/jobs/x")).toMatchObject({
      status: 202,
      headers: { Location: "https://app/api/jobs/x", "Retry-After": "5" },
      jsonBody: { status: "retrying", lastError: expect.stringContaining("throttled") },
    });
    const failed = await runJob({ jobId: job.id, kind: "demo.count" }, { ...first, attempt: 30, lastAttempt: true }, handlers, deps);
    expect(failed).toMatchObject({ status: "failed", attempts: 2, error: { code: "spapi.throttled", status: 500, retryable: true } });
    expect(jobResponse(failed, "u").status).toBe(500);
  });

  it("fails at once on what cannot succeed, with its own 4xx status and suggestion", async () => {
    const { deps, handlers } = setup(async () =>
      Promise.reject(new MappingGapError("mapping.unknownSku", "SKU X is unknown", { suggestion: { file: "sku-crossref.json" } })),
    );
    const job = await submitJob(deps, "demo.count", { n: 1 });
    const failed = await runJob({ jobId: job.id, kind: "demo.count" }, first, handlers, deps);
    expect(failed.error).toMatchObject({ code: "mapping.unknownSku", status: 422, suggestion: { file: "sku-crossref.json" } });
    expect(jobResponse(failed, "u")).toMatchObject({ status: 422, jsonBody: { status: "failed", error: { code: "mapping.unknownSku" } } });
  });

  it("fails a job of a kind this version does not know, or with an input that does not fit", async () => {
    const { deps, handlers } = setup(async () => 1);
    const unknown = await submitJob(deps, "demo.gone", {});
    expect(await runJob({ jobId: unknown.id, kind: "demo.gone" }, first, handlers, deps)).toMatchObject({
      status: "failed",
      error: { code: "job.unknownKind" },
    });
    const bad = await submitJob(deps, "demo.count", { n: "one" });
    expect(await runJob({ jobId: bad.id, kind: "demo.count" }, first, handlers, deps)).toMatchObject({
      status: "failed",
      error: { code: "job.invalidInput", status: 400 },
    });
  });

  it("waits for a job only as long as it is told", async () => {
    const { deps, handlers } = setup(async () => 1);
    const job = await submitJob(deps, "demo.count", { n: 1 });
    const started = Date.now();
    expect((await waitForJob(deps.state, job.id, 300))?.status).toBe("queued");
    expect(Date.now() - started).toBeLessThan(1000);
    await runJob({ jobId: job.id, kind: "demo.count" }, first, handlers, deps);
    expect((await waitForJob(deps.state, job.id, 5000))?.status).toBe("succeeded");
  });

  it("builds the status URL on the caller's origin and keeps a function key given as ?code=", () => {
    expect(absoluteUrl("https://app.example.net/api/orders/sync?code=k1&x=2", "/api/jobs/abc")).toBe(
      "https://app.example.net/api/jobs/abc?code=k1",
    );
    expect(absoluteUrl("http://127.0.0.1:7071/api/orders/sync", "/api/jobs/abc")).toBe("http://127.0.0.1:7071/api/jobs/abc");
  });
});
