/**
 * Jobs over HTTP on the local host, as Power Automate uses them: a call that may wait answers 202 with an absolute
 * Location and Retry-After, the Location answers 202 while the job waits or runs and 200 with the result when it is
 * done (or the failure's status), and a job that meets throttling is retried later and still finishes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../amazon/sim-client";
import { d365For } from "../orders/sim-deps";

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 5 });
  spapi = await startSpApiSimulator({ port: 0, seed: 5, timeScale: 500, dataDir: mkdtempSync(join(tmpdir(), "jobs-spapi-")) });
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "jobs-host-")),
    busOptions: { timeScale: 1000 },
    // Answer 202 at once, so that every call goes through the status URL.
    config: loadConfig({ HTTP_JOB_WAIT_SECONDS: "0" }),
    app: {
      state: new MemoryStateStore(),
      blobs: new MemoryBlobStore(),
      d365: d365For(d365Sim),
      spapi: clientFor(spapi, { maxRetries: 0, backoffBaseMs: 5 }),
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
    },
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

/** Follows a Location the way Power Automate does: wait Retry-After, ask again, until the answer is not 202. */
async function poll(location: string): Promise<{ status: number; body: any; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(location);
    const body = (await res.json()) as { status: string };
    seen.push(body.status);
    if (res.status !== 202) return { status: res.status, body, seen };
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50)); // Retry-After says 5 s; the test does not wait that long
  }
  const last = await (await fetch(location)).json();
  throw new Error(`the job did not finish: ${JSON.stringify(last).slice(0, 1500)}`);
}

describe("a long HTTP call as a job", () => {
  it("answers 202 with an absolute status URL that answers 202, then 200 with the outcome", async () => {
    const o = spapi.sim.addOrder({ marketplaceId: "ATVPDKIKX0DER", status: "Unshipped", items: [{ sku: "DEMO-MOUSE-WL", quantity: 1 }] });
    const res = await fetch(`${host.url}/api/orders/${o.amazonOrderId}/sync?code=fake-function-key`, { method: "POST" });
    expect(res.status).toBe(202);
    const location = res.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^${host.url}/api/jobs/[0-9a-f-]{36}\\?code=fake-function-key$`));
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ kind: "orders.syncOne", status: "queued", statusUrl: location });

    const done = await poll(location);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "succeeded", result: { outcome: "created", amazonOrderId: o.amazonOrderId } });
    expect(d365Sim.rows("SalesOrderHeadersV4", "usmf").filter((h) => h.CustomersOrderReference === o.amazonOrderId)).toHaveLength(1);
  });

  it("retries a job that meets SP-API throttling later (a scheduled copy of its message) and finishes it", async () => {
    const o = spapi.sim.addOrder({ marketplaceId: "ATVPDKIKX0DER", status: "Unshipped", items: [{ sku: "DEMO-MOUSE-WL", quantity: 3 }] });
    spapi.sim.addFaults([{ operation: "getOrder", status: 429, count: 3 }]);
    const res = await fetch(`${host.url}/api/orders/${o.amazonOrderId}/sync`, { method: "POST" });
    expect(res.status).toBe(202);
    const done = await poll(res.headers.get("location")!);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "succeeded", result: { outcome: "created" } });
    expect(done.body.attempts).toBeGreaterThanOrEqual(2);
    expect(spapi.sim.requestCounts().throttled.getOrder ?? 0).toBeGreaterThanOrEqual(3);
  });

  it("reports a job that cannot succeed with the failure's status and what to do", async () => {
    const bad = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Unshipped",
      items: [{ sku: "UNMAPPED-GADGET-01", quantity: 1 }],
    });
    const res = await fetch(`${host.url}/api/orders/${bad.amazonOrderId}/sync`, { method: "POST" });
    const done = await poll(res.headers.get("location")!);
    expect(done.status).toBe(422);
    expect(done.body).toMatchObject({ status: "failed", error: { code: "mapping.unknownSku", retryable: false } });
    expect(done.body.error.message).toContain("UNMAPPED-GADGET-01");
  });

  it("runs the catch-up now as a job too", async () => {
    const res = await fetch(`${host.url}/api/orders/sync`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ since: new Date(Date.now() - 50 * 86_400_000).toISOString(), marketplaceIds: ["A1F83G8C2ARO7P"] }),
    });
    expect(res.status).toBe(202);
    const done = await poll(res.headers.get("location")!);
    expect(done.status).toBe(200);
    expect(done.body.result.results[0]).toMatchObject({ marketplaceId: "A1F83G8C2ARO7P", ok: true });
    await host.drain({ timeoutMs: 60_000 });
  });

  it("answers 404 for an unknown job and 400 for a malformed id", async () => {
    expect((await fetch(`${host.url}/api/jobs/0b8f7c1e-4a4b-4d4c-9e1f-2a3b4c5d6e7f`)).status).toBe(404);
    const bad = await fetch(`${host.url}/api/jobs/not-a-job`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "validation.invalid" });
  });
});
