/**
 * The documented schemas tell the truth: the app, on the local host with the D365 and SP-API simulators,
 * is called through its HTTP API as a flow would call it, and every answer is parsed with the schema its route
 * description gives for that status (async routes: the result for 200, the accepted body for 202; errors:
 * the common error body). A status the description does not list fails too.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { ErrorBody } from "../../../src/platform/api-docs/common";
import { type DescribedRoute, describedRoutes } from "../../../src/platform/api-docs/routes";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { EnvSecretStore } from "../../../src/platform/secrets";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { loadConfig } from "../../../src/wiring/config";
import { runOrdersBackfill } from "../../../src/local/backfill-cli";
import { clientFor } from "../amazon/sim-client";
import { REPO_MAPPINGS, d365For } from "../orders/sim-deps";

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
const answered = new Map<string, Set<number>>();

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 5 });
  spapi = await startSpApiSimulator({ port: 0, seed: 5, timeScale: 500, dataDir: mkdtempSync(join(tmpdir(), "api-responses-")) });
  host = await startLocalHost({
    port: 0,
    schedules: false,
    timeScale: 1000,
    dataDir: mkdtempSync(join(tmpdir(), "api-responses-host-")),
    busOptions: { retryDelayMs: 10, maxRetryDelayMs: 100 },
    config: loadConfig({}),
    app: {
      state: new MemoryStateStore(),
      d365: d365For(d365Sim),
      spapi: clientFor(spapi, { maxRetries: 3, backoffBaseMs: 5 }),
      mappings: Mappings.load(REPO_MAPPINGS),
      blobs: new MemoryBlobStore(),
      secrets: new EnvSecretStore({ NOTIFICATION_API_KEY: "local-notification-key" }),
    },
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

function route(operationId: string): DescribedRoute {
  const r = describedRoutes().find((d) => d.operationId === operationId);
  if (!r) throw new Error(`no route with operationId ${operationId}`);
  return r;
}

function schemaFor(r: DescribedRoute, status: number): z.ZodType | undefined | "undocumented" {
  if (r.async && status === 200) return r.async.result;
  if (r.async && status === 202) return r.async.accepted?.schema;
  const doc = r.responses?.[status];
  if (doc) return doc.schema;
  if (status >= 400) return ErrorBody;
  return "undocumented";
}

/** Calls the route `operationId` and checks the answer against its description; returns status, headers and body. */
async function call(operationId: string, init: { url?: string; path?: Record<string, string>; body?: unknown; query?: string } = {}) {
  const r = route(operationId);
  const path = r.route.replace(/\{(\w+)[^}]*\}/g, (_, name: string) => encodeURIComponent(init.path?.[name] ?? ""));
  const url = init.url ?? `${host.url}/api/${path}${init.query ? `?${init.query}` : ""}`;
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: init.url ? "GET" : r.method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  const schema = schemaFor(r, res.status);
  expect(schema, `${operationId} answered ${res.status}, which its description does not list: ${text.slice(0, 300)}`).not.toBe(
    "undocumented",
  );
  if (schema && schema !== "undocumented") {
    const parsed = schema.safeParse(body);
    expect(parsed.success, `${operationId} ${res.status}: ${parsed.success ? "" : JSON.stringify(parsed.error.issues.slice(0, 5))}`).toBe(
      true,
    );
  }
  const set = answered.get(operationId) ?? new Set<number>();
  set.add(res.status);
  answered.set(operationId, set);
  return { status: res.status, headers: res.headers, body };
}

async function pollUntil200(operationId: string, location: string) {
  for (let i = 0; i < 300; i++) {
    const res = await call(operationId, { url: location });
    if (res.status !== 202) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${location} still answers 202`);
}

describe("the HTTP API's answers parse with the schemas of the OpenAPI document", () => {
  it("orders: sync one, sync since, and a backfill polled through its Location to the final 200", async () => {
    const o = spapi.sim.addOrder({ marketplaceId: "A1F83G8C2ARO7P", status: "Unshipped", items: [{ sku: "DEMO-MOUSE-WL", quantity: 2 }] });
    expect((await call("SyncOrder", { path: { amazonOrderId: o.amazonOrderId } })).status).toBe(200);
    expect((await call("SyncOrder", { path: { amazonOrderId: "not-an-order" } })).status).toBe(400);
    const since = new Date(Date.now() - 50 * 86_400_000).toISOString();
    expect((await call("SyncOrders", { body: { since, marketplaceIds: ["A1PA6795UKMFR9"] } })).status).toBe(202);
    const from = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const started = await call("BackfillOrders", { body: { from, to: new Date(Date.now() - 60_000).toISOString() } });
    expect(started.status).toBe(202);
    const location = started.headers.get("location")!;
    expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(started.headers.get("retry-after")).toMatch(/^\d+$/);
    // The status URL is the Durable extension's, not a described route: check its 200 against BackfillOrders' 200.
    let done: Response | undefined;
    for (let i = 0; i < 300 && !done; i++) {
      const res = await fetch(location);
      if (res.status === 200) done = res;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const parsed = route("BackfillOrders").async!.result.safeParse(await done!.json());
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect((await call("BackfillOrders", { body: { from: "yesterday" } })).status).toBe(400);
    await host.drain({ timeoutMs: 60_000 });
  });

  it("settlements: import a file, poll its Location to the final 200, list, and refuse an approval that is not awaited", async () => {
    const file = readFileSync(join(__dirname, "../../fixtures/settlements/uk-v2-24-columns.txt"));
    const res = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "text/tab-separated-values" },
      body: file,
    });
    expect(res.status).toBe(202);
    expect(route("ImportSettlement").async!.accepted!.schema.safeParse(await res.json()).success).toBe(true);
    const final = await pollUntil200("GetSettlement", res.headers.get("location")!);
    expect(final.status).toBe(200);
    const again = await call("ImportSettlement", { body: { settlementId: "11111111111" } });
    expect([200, 202]).toContain(again.status);
    expect((await call("ListSettlements")).status).toBe(200);
    expect((await call("GetSettlement", { path: { id: "99999999999" } })).status).toBe(404);
    expect((await call("ApproveSettlement", { path: { id: "11111111111" }, body: {} })).status).toBe(409);
    expect((await call("ImportSettlement", { body: { reportId: "" } })).status).toBe(400);
  });

  it("products: a sync polled through its Location to the final 200, one item published, one item's listings", async () => {
    const started = await call("SyncProducts", { body: {} });
    expect(started.status).toBe(202);
    expect(started.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await pollUntil200("GetProductsSync", started.headers.get("location")!)).status).toBe(200);
    expect((await call("GetProductsSync", { path: { syncId: "no-such-sync" } })).status).toBe(404);
    expect((await call("SyncProducts", { body: { force: "yes" } })).status).toBe(400);
    expect((await call("GetProduct", { path: { itemNumber: "D0012" } })).status).toBe(200);
    expect((await call("GetProduct", { path: { itemNumber: "NOPE" } })).status).toBe(404);
    expect((await call("PublishProduct", { path: { itemNumber: "D0013" } })).status).toBe(200);
    expect((await call("PublishProduct", { path: { itemNumber: "NOPE" } })).status).toBe(404);
    await host.drain({ timeoutMs: 60_000 });
  });

  it("operations: status, dead letters, replays, health, the notifications endpoint and the document itself", async () => {
    expect((await call("GetStatus")).status).toBe(200);
    expect((await call("ListDeadLetters")).status).toBe(200);
    expect((await call("ListDeadLetters", { query: "queue=no-such-queue" })).status).toBe(404);
    const queue = loadConfig({}).QUEUE_ORDER_IMPORT;
    expect((await call("ReplayQueue", { path: { queue } })).status).toBe(200);
    expect((await call("ReplayMessage", { path: { queue, messageId: "nothing-here" } })).status).toBe(404);
    expect([200, 503]).toContain((await call("CheckHealth")).status);
    expect((await call("ReceiveAmazonNotifications", { body: {} })).status).toBe(401);
    expect((await call("GetOpenApiDocument")).status).toBe(200);
  });
});

describe("d365-amazon orders backfill", () => {
  it("starts a backfill on the running app and follows its Location to the result, as Power Automate does", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const code = await runOrdersBackfill(["--from", from, "--api", `${host.url}/api`, "--json"], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    });
    expect(code, err.join("\n")).toBe(0);
    const status = JSON.parse(out.join("\n"));
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: { status: "done" } });
    expect(status.output.orders).toBeGreaterThan(0);
    await host.drain({ timeoutMs: 60_000 });
  });
});
