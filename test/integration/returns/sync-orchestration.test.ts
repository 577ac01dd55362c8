/**
 * The returns sync orchestration on the local host, with the flow's Amazon and D365 ports replaced by fakes
 * (the app's one seam, `app.ports.returns`): a report Amazon cancels had no data, a FATAL report leaves the
 * watermark where it was (the next sync reads the window again), an activity that keeps failing fails the sync
 * visibly on the status page and on the sync's status URL, and a second start while a sync runs answers with
 * the running one.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReturnsReports } from "../../../src/flows/returns/ports";
import { RETURNS_FLOW } from "../../../src/flows/returns/sync";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { Mappings } from "../../../src/mapping/mappings";
import { getRun, getWatermark } from "../../../src/platform/run-records";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { anFbaRow, FakeD365Returns, fbaReport } from "../../unit/returns/builders";

let host: LocalHost;
const outcome: { status: string; failRequests: number; requested: number; gate?: Promise<void> } = {
  status: "DONE",
  failRequests: 0,
  requested: 0,
};
const reports: ReturnsReports = {
  async requestReport(q) {
    outcome.requested++;
    await outcome.gate;
    if (outcome.failRequests > 0) {
      outcome.failRequests--;
      throw new Error("Amazon answered 500");
    }
    return `R-${q.kind}-${q.marketplaceId}-${outcome.requested}`;
  },
  reportStatus: async () =>
    outcome.status === "DONE" ? { processingStatus: "DONE", reportDocumentId: "DOC" } : { processingStatus: outcome.status },
  downloadReport: async () => Buffer.from(fbaReport([anFbaRow()])),
};

async function sync(): Promise<{ status: number; json: any }> {
  const started = await fetch(`${host.url}/api/returns/sync`, { method: "POST" });
  expect(started.status).toBe(202);
  const location = started.headers.get("location")!;
  for (let i = 0; i < 400; i++) {
    const res = await fetch(location);
    const json = (await res.json()) as any;
    if (res.status === 200) return { status: res.status, json };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the sync did not finish");
}

beforeAll(async () => {
  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: `rso${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, ""),
    SPAPI_MARKETPLACE_IDS: "ATVPDKIKX0DER",
    RETURNS_SOURCES: "fba",
  });
  host = await startLocalHost({
    port: 0,
    schedules: false,
    timeScale: 10_000,
    dataDir: mkdtempSync(join(tmpdir(), "returns-sync-host-")),
    config: cfg,
    app: {
      mappings: Mappings.load("mappings"),
      ports: { returns: { reports, refunds: { refunds: async () => [] }, d365: new FakeD365Returns() } },
    },
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
});

describe("the returns sync orchestration", () => {
  it("counts a report Amazon cancelled as no data, and moves the watermark", async () => {
    outcome.status = "CANCELLED";
    const { json } = await sync();
    expect(json.runtimeStatus).toBe("Completed");
    expect(json.result.status).toBe("done");
    expect(json.result.reports).toEqual([{ kind: "fba", marketplaceId: "ATVPDKIKX0DER", reportId: expect.any(String), status: "no-data" }]);
    expect((await getWatermark(currentApp().state, RETURNS_FLOW))?.toISOString()).toBe(json.result.to);
  });

  it("leaves the watermark where it was when Amazon ends a report FATAL (partial), so the window is read again", async () => {
    const before = await getWatermark(currentApp().state, RETURNS_FLOW);
    outcome.status = "FATAL";
    const { json } = await sync();
    expect(json.result.status).toBe("partial");
    expect(json.result.reports[0].status).toBe("failed");
    expect(await getWatermark(currentApp().state, RETURNS_FLOW)).toEqual(before);
    expect((await getRun(currentApp().state, RETURNS_FLOW))?.lastRun?.outcome).toBe("partial");
  });

  it("fails visibly when an activity keeps failing: the status URL, the run record and the status page say so", async () => {
    outcome.status = "DONE";
    outcome.failRequests = 100;
    const { json } = await sync();
    expect(json.runtimeStatus).toBe("Failed");
    expect(json.error).toMatch(/500/);
    expect((await getRun(currentApp().state, RETURNS_FLOW))?.lastRun?.outcome).toBe("failed");
    const status = (await (await fetch(`${host.url}/api/status`)).json()) as { status: string };
    expect(status.status).toBe("attention");
    outcome.failRequests = 0;
  });

  it("answers a second start with the running sync, then reads the report and imports its return", async () => {
    let open!: () => void;
    outcome.gate = new Promise<void>((r) => (open = r));
    const first = await fetch(`${host.url}/api/returns/sync`, { method: "POST" });
    expect(((await first.json()) as { started: boolean }).started).toBe(true);
    const second = await fetch(`${host.url}/api/returns/sync`, { method: "POST" });
    expect(second.status).toBe(202);
    expect((await second.json()) as object).toMatchObject({ started: false, instanceId: "returns-sync" });
    const running = await fetch(`${host.url}/api/returns/sync`);
    expect(running.status).toBe(202);
    expect(running.headers.get("retry-after")).toBe("60");
    open();
    outcome.gate = undefined;
    let done: any;
    for (let i = 0; i < 400 && !done; i++) {
      const res = await fetch(`${host.url}/api/returns/sync`);
      if (res.status === 200) done = (await res.json()) as any;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(done.result.reports[0]).toMatchObject({ status: "read", rows: 1, returns: 1 });
    await host.drain({ timeoutMs: 30_000 });
    const list = (await (await fetch(`${host.url}/api/returns?status=waiting-for-order`)).json()) as { returns: { returnId: string }[] };
    expect(list.returns.map((r: { returnId: string }) => r.returnId)).toEqual(["LPNAAAA0001"]);
    // The function key as Azure also takes it (?code=) is not an unknown filter.
    const keyed = await fetch(`${host.url}/api/returns?status=waiting-for-order&code=fake-function-key`);
    expect(keyed.status).toBe(200);
  });

  it("refuses a bad filter or body with a 400 that names it", async () => {
    const bad = await fetch(`${host.url}/api/returns?status=lost`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain("status");
    const body = await fetch(`${host.url}/api/returns/sync`, { method: "POST", body: JSON.stringify({ since: "yesterday" }) });
    expect(body.status).toBe(400);
    expect(((await body.json()) as { message: string }).message).toContain("since");
  });
});
