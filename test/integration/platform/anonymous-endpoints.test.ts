/**
 * The anonymous endpoints do no work for a caller they do not know, and bad input gets a 4xx, through the local
 * host as a caller reaches them: POST /api/amazon/notifications checks the key before it reads the body and reads
 * at most NOTIFICATION_MAX_BODY_BYTES; GET /api/health answers from its cache without writes or upstream calls and
 * keeps the checks' texts for keyed callers (GET /api/health/details).
 */
import * as http from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { SecretStore, StateEntity } from "../../../src/platform/ports";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../amazon/sim-client";
import { d365For } from "../orders/sim-deps";

const KEY = "fake-anonymous-test-key";
const CAP = 1024 * 1024;

class CountingState extends MemoryStateStore {
  writes = 0;
  override async upsert(table: string, entity: StateEntity) {
    this.writes++;
    return super.upsert(table, entity);
  }
  override async insert(table: string, entity: StateEntity) {
    this.writes++;
    return super.insert(table, entity);
  }
  override async replace(table: string, entity: StateEntity, etag: string) {
    this.writes++;
    return super.replace(table, entity, etag);
  }
}

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
const state = new CountingState();

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 9 });
  spapi = await startSpApiSimulator({ port: 0, seed: 9, timeScale: 100, dataDir: mkdtempSync(join(tmpdir(), "anon-spapi-")) });
  const secrets: SecretStore = { get: async () => KEY, tryGet: async () => KEY };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "anon-host-")),
    config: loadConfig({ NOTIFICATION_MAX_BODY_BYTES: String(CAP), HEALTH_CACHE_SECONDS: "30" }),
    app: {
      state,
      secrets,
      d365: d365For(d365Sim),
      spapi: clientFor(spapi, { maxRetries: 0 }),
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

/**
 * POSTs `total` bytes as fast as the server takes them and reports the answer and how many bytes left this side
 * before it came: a server that does not read the body stops taking it after the socket buffers are full.
 */
function upload(path: string, total: number, headers: Record<string, string>): Promise<{ status: number; body: string; sent: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x5b); // "[[[[..."
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(`${host.url}${path}`, { method: "POST", headers });
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8"), sent }));
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const pump = () => {
      while (sent < total && !answered) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function postJson(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${host.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, any> | undefined };
}

const FIFTY_MB = 50 * 1024 * 1024;

describe("POST /api/amazon/notifications works only after it checks", () => {
  it("refuses a caller without the key (401) before reading its 50 MB body", async () => {
    const r = await upload("/api/amazon/notifications", FIFTY_MB, {
      "content-type": "application/json",
      "content-length": String(FIFTY_MB),
    });
    expect(r.status).toBe(401);
    expect(r.sent).toBeLessThan(FIFTY_MB / 4);
  });

  it("refuses a body over the cap with 413 and a message, at once when it declares its length", async () => {
    const r = await upload("/api/amazon/notifications", FIFTY_MB, {
      "content-type": "application/json",
      "content-length": String(FIFTY_MB),
      "x-api-key": KEY,
    });
    expect(r.status).toBe(413);
    expect(r.sent).toBeLessThan(FIFTY_MB / 4);
    expect(JSON.parse(r.body)).toMatchObject({ error: "http.bodyTooLarge", message: expect.stringContaining(`at most ${CAP} bytes`) });
  });

  it("stops reading a streamed body (no length given) as soon as it passes the cap", async () => {
    const r = await upload("/api/amazon/notifications", 8 * 1024 * 1024, { "content-type": "application/json", "x-api-key": KEY });
    expect(r.status).toBe(413);
    expect(r.sent).toBeLessThan(8 * 1024 * 1024);
  });

  it("answers 400, not a stack overflow, for 100,000 nested [", async () => {
    const r = await postJson("/api/amazon/notifications", "[".repeat(100_000) + "]".repeat(100_000), { "x-api-key": KEY });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: "notification.invalidJson" });
    expect(r.json!.message).toContain("nested more than 64 levels");
  });

  it("refuses a NotificationId longer than the 128 characters Service Bus allows as a message id (400 naming it), and keeps the others", async () => {
    const n = (id: string) => ({
      NotificationVersion: "1.0",
      NotificationType: "ANY_OFFER_CHANGED",
      PayloadVersion: "1.0",
      EventTime: "2026-01-01T00:00:00Z",
      Payload: {},
      NotificationMetadata: { ApplicationId: "app", SubscriptionId: "sub", PublishTime: "2026-01-01T00:00:00Z", NotificationId: id },
    });
    const long = "n".repeat(200);
    const r = await postJson("/api/amazon/notifications", JSON.stringify([n(long), n("0b8f7c1e-4a4b-4d4c-9e1f-2a3b4c5d6e7f")]), {
      "x-api-key": KEY,
    });
    expect(r.status).toBe(400);
    expect(r.json!.message).toContain("at most 128 characters");
    expect(r.json!.where).toBe("$.NotificationMetadata.NotificationId");
    await host.drain({ timeoutMs: 10_000 });
  });
});

describe("bad input elsewhere answers 4xx", () => {
  it("answers 400 for malformed JSON on POST /api/settlements/{id}/approve", async () => {
    const r = await postJson("/api/settlements/24000000001/approve", "{approvedBy: finance");
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: "http.invalidJson" });
  });

  it("answers 400 for a malformed %-escape in a path parameter", async () => {
    const res = await fetch(`${host.url}/api/settlements/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "http.invalidPath" });
    expect((await fetch(`${host.url}/api/orders/111-%zz/sync`, { method: "POST" })).status).toBe(400);
  });
});

describe("GET /api/health", () => {
  it("answers anonymous callers from its cache: names and outcomes only, no writes and no upstream calls per call", async () => {
    const first = await fetch(`${host.url}/api/health`);
    const body = (await first.json()) as { status: string; checks: Record<string, unknown>[] };
    expect([200, 503]).toContain(first.status);
    expect(body.checks.map((c) => c.name)).toEqual(["state", "secrets", "mappings", "spapi", "d365"]);
    for (const c of body.checks) expect(Object.keys(c).sort()).toEqual(["name", "ok"]);

    const writes = state.writes;
    const d365Requests = d365Sim.requests().total;
    const spapiCalls = spapi.sim.requestCounts().total;
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${host.url}/api/health`).then((r) => r.json())));
    expect(new Set(answers.map((a) => (a as { checkedAt: string }).checkedAt)).size).toBe(1);
    expect(state.writes).toBe(writes);
    expect(d365Sim.requests().total).toBe(d365Requests);
    expect(spapi.sim.requestCounts().total).toBe(spapiCalls);
  });

  it("gives the checks' texts to keyed callers on /api/health/details", async () => {
    const res = await fetch(`${host.url}/api/health/details`);
    const body = (await res.json()) as { checks: { name: string; detail?: string; ms: number }[] };
    expect(body.checks.find((c) => c.name === "secrets")?.detail).toBe("environment: 4 of 4 set");
    expect(body.checks.every((c) => typeof c.ms === "number")).toBe(true);
  });
});
