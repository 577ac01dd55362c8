/**
 * One correlation id follows a message: an ORDER_CHANGE notification POSTed with a W3C traceparent goes
 * through the notifications queue, the router and the order import queue to the D365 request that creates
 * its sales order. The D365 simulator's request log shows the same trace id on that request, and every
 * step's log lines carry it; a settlement import's orchestration and activities keep the trace of the call.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { EnvSecretStore } from "../../../src/platform/secrets";
import { loadConfig } from "../../../src/wiring/config";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { clientFor } from "../amazon/sim-client";
import { REPO_MAPPINGS, d365For } from "../orders/sim-deps";

const API_KEY = "fake-trace-notification-key";
let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
const lines: string[] = [];

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 7 });
  spapi = await startSpApiSimulator({ port: 0, seed: 7, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "trace-")) });
  host = await startLocalHost({
    port: 0,
    schedules: false,
    timeScale: 1000,
    dataDir: mkdtempSync(join(tmpdir(), "trace-host-")),
    busOptions: { retryDelayMs: 10, maxRetryDelayMs: 100 },
    config: loadConfig({}),
    app: {
      state: new MemoryStateStore(),
      d365: d365For(d365Sim),
      spapi: clientFor(spapi, { maxRetries: 3, backoffBaseMs: 5 }),
      mappings: Mappings.load(REPO_MAPPINGS),
      blobs: new MemoryBlobStore(),
      secrets: new EnvSecretStore({ NOTIFICATION_API_KEY: API_KEY }),
    },
    log: (level, message) => lines.push(`${level} ${message}`),
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** The log lines of one function that carry a trace id. */
function linesOf(functionName: string, traceId: string): string[] {
  return lines.filter((l) => l.includes(` ${functionName}: `) && l.includes(`"traceId":"${traceId}"`));
}

describe("a notification's traceparent", () => {
  it("reaches the D365 request that created its order, and every step's log lines", async () => {
    const order = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Unshipped",
      items: [{ sku: "DEMO-MOUSE-WL", quantity: 1 }],
    });
    const notification = spapi.sim.notifications().at(-1);
    const res = await fetch(`${host.url}/api/amazon/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY, traceparent: TRACEPARENT },
      body: JSON.stringify({
        version: "0",
        "detail-type": "ORDER_CHANGE",
        source: "aws.partner/sellingpartnerapi.amazon.com",
        detail: notification,
      }),
    });
    expect(res.status).toBe(202);
    await host.drain({ timeoutMs: 60_000 });

    const header = d365Sim.rows("SalesOrderHeadersV4", "usmf").find((h) => h.CustomersOrderReference === order.amazonOrderId);
    expect(header, "the order reached D365").toBeDefined();
    const creates = d365Sim.requests().log.filter((r) => r.method === "POST" && /SalesOrderHeaders/.test(r.path + r.target));
    expect(creates.length).toBeGreaterThan(0);
    for (const r of creates) expect(r.traceparent, JSON.stringify(r)).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    // Each step is a span of its own in the same trace.
    expect(creates[0]!.traceparent).not.toBe(TRACEPARENT);

    for (const step of ["amazon-notifications", "notification-router", "order-import"]) {
      expect(linesOf(step, TRACE_ID).length, `${step} logged with the trace id:\n${lines.slice(-30).join("\n")}`).toBeGreaterThan(0);
    }
    const imported = lines.find((l) => l.includes('"event":"order.imported"') && l.includes(order.amazonOrderId));
    expect(imported).toContain(`"traceId":"${TRACE_ID}"`);
  });

  it("starts a trace of its own for a call that brings none, and keeps it through a settlement's orchestration and activities", async () => {
    const file = readFileSync(join(__dirname, "../../fixtures/settlements/uk-v2-24-columns.txt"));
    const res = await fetch(`${host.url}/api/settlements/import`, {
      method: "POST",
      headers: { "content-type": "text/tab-separated-values" },
      body: file,
    });
    expect(res.status).toBe(202);
    await host.drain({ timeoutMs: 60_000 });
    const started = lines.find((l) => l.includes('"event":"settlement.started"'));
    expect(started, lines.slice(-20).join("\n")).toBeDefined();
    const traceId = /"traceId":"([0-9a-f]{32})"/.exec(started!)![1]!;
    // The activities (analyze, create the journal, verify) log in the same trace.
    const activityLines = lines.filter((l) => /^\w+ settlement(Analyze|EnsureJournal|CreateLines|Verify|RecordStatus)\w*: /.test(l));
    expect(activityLines.length).toBeGreaterThan(0);
    for (const l of activityLines.filter((x) => x.includes('"traceId"'))) expect(l).toContain(`"traceId":"${traceId}"`);
    const journalCreates = d365Sim.requests().log.filter((r) => r.method === "POST" && /LedgerJournal/.test(r.path + r.target));
    expect(journalCreates.length).toBeGreaterThan(0);
    for (const r of journalCreates) expect(r.traceparent).toContain(`-${traceId}-`);
  });
});
