/**
 * The orders HTTP API on the local host: POST /api/orders/{id}/sync, POST /api/orders/sync and the backfill.
 * Backfill: POST /api/orders/backfill starts the durable orchestration, which reads
 * one flat-file order report from the SP-API simulator and fans out enqueue activities; the order import
 * queue then creates the orders in the D365 simulator. Starting the same backfill twice is harmless.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOrderReport } from "../../../src/flows/orders/backfill";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { loadConfig } from "../../../src/wiring/config";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { clientFor } from "../amazon/sim-client";
import { d365For, REPO_MAPPINGS } from "./sim-deps";

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 3 });
  spapi = await startSpApiSimulator({ port: 0, seed: 3, timeScale: 500, dataDir: mkdtempSync(join(tmpdir(), "orders-backfill-")) });
  const cfg = loadConfig({});
  host = await startLocalHost({
    port: 0,
    schedules: false,
    timeScale: 1000,
    dataDir: mkdtempSync(join(tmpdir(), "orders-backfill-host-")),
    busOptions: { timeScale: 1000 },
    config: cfg,
    app: {
      state: new MemoryStateStore(),
      blobs: new MemoryBlobStore(),
      d365: d365For(d365Sim),
      spapi: clientFor(spapi, { maxRetries: 3, backoffBaseMs: 5 }),
      mappings: Mappings.load(REPO_MAPPINGS),
    },
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

async function waitForCompletion(statusUrl: string): Promise<{ runtimeStatus: string; output: any }> {
  for (let i = 0; i < 300; i++) {
    const s = (await (await fetch(statusUrl)).json()) as { runtimeStatus: string; output: any };
    if (["Completed", "Failed", "Terminated"].includes(s.runtimeStatus)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("backfill did not finish");
}

describe("POST /api/orders/backfill", () => {
  it("imports the period's orders from one order report, through the import queue", async () => {
    const from = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 5 * 60_000).toISOString();
    const res = await fetch(`${host.url}/api/orders/backfill`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from, to }),
    });
    expect(res.status).toBe(202);
    const links = (await res.json()) as { id: string; statusQueryGetUri: string };
    expect(links.id).toMatch(/^order-backfill-/);
    const done = await waitForCompletion(links.statusQueryGetUri);
    expect(done.runtimeStatus).toBe("Completed");
    await host.drain({ timeoutMs: 60_000 });

    const seeded = spapi.sim.data.orders;
    expect(done.output.status).toBe("done");
    expect(done.output.orders).toBe(seeded.length);
    // The report's orders stay out of the orchestration's history: it keeps the blob's name and the count.
    const withHistory = (await (await fetch(`${links.statusQueryGetUri}&showHistory=true`)).json()) as { historyEvents: unknown[] };
    const history = JSON.stringify(withHistory.historyEvents);
    expect(history).toContain("orders-bulk");
    expect(seeded.filter((o) => history.includes(o.amazonOrderId))).toEqual([]);
    expect(spapi.sim.requestCounts().counts.createReport).toBe(1);
    const importable = seeded.filter(
      (o) => ["Unshipped", "Shipped", "PartiallyShipped"].includes(o.status) && o.items.every((i) => !i.sku.startsWith("UNMAPPED")),
    );
    const headers = d365Sim.rows("SalesOrderHeadersV4", "usmf");
    for (const o of importable)
      expect(
        headers.filter((h) => h.CustomersOrderReference === o.amazonOrderId),
        o.amazonOrderId,
      ).toHaveLength(1);
    expect(headers.length).toBe(importable.length);

    // The same backfill again answers with the same run: no second report, nothing new in D365.
    const again = await fetch(`${host.url}/api/orders/backfill`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from, to }),
    });
    const second = (await again.json()) as { id: string; statusQueryGetUri: string };
    expect(second.id).toBe(links.id);
    await waitForCompletion(second.statusQueryGetUri);
    await host.drain({ timeoutMs: 60_000 });
    expect(spapi.sim.requestCounts().counts.createReport).toBe(1);
    expect(d365Sim.rows("SalesOrderHeadersV4", "usmf").length).toBe(importable.length);
  });

  it("a backfill of an overlapping period skips the orders the ledger has applied", async () => {
    const from = new Date(Date.now() - 41 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 4 * 60_000).toISOString();
    const res = await fetch(`${host.url}/api/orders/backfill`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from, to }),
    });
    const done = await waitForCompletion(((await res.json()) as { statusQueryGetUri: string }).statusQueryGetUri);
    await host.drain({ timeoutMs: 60_000 });
    const before = d365Sim.rows("SalesOrderHeadersV4", "usmf").length;
    // Everything applied at the same Amazon update (created, canceled, or waiting while Pending) is skipped; the
    // orders parked for a missing SKU mapping (the mapping may have been fixed since) go again.
    const open = ["Unshipped", "Shipped", "PartiallyShipped"];
    const again = spapi.sim.data.orders.filter((o) => open.includes(o.status) && o.items.some((i) => i.sku.startsWith("UNMAPPED"))).length;
    expect(done.output.enqueued).toBe(again);
    expect(done.output.skipped).toBe(done.output.orders - again);
    expect(d365Sim.rows("SalesOrderHeadersV4", "usmf").length).toBe(before);
  });

  it("POST /api/orders/{id}/sync imports one order now and answers with the outcome; a mapping gap is a 422 with the suggestion", async () => {
    const o = spapi.sim.addOrder({ marketplaceId: "A1F83G8C2ARO7P", status: "Unshipped", items: [{ sku: "DEMO-MOUSE-WL", quantity: 2 }] });
    const res = await fetch(`${host.url}/api/orders/${o.amazonOrderId}/sync`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "succeeded",
      result: { outcome: "created", amazonOrderId: o.amazonOrderId, linesCreated: 1 },
    });
    const again = await fetch(`${host.url}/api/orders/${o.amazonOrderId}/sync`, { method: "POST" });
    expect(await again.json()).toMatchObject({ result: { outcome: "unchanged" } });

    const bad = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Unshipped",
      items: [{ sku: "UNMAPPED-GADGET-01", quantity: 1 }],
    });
    const gap = await fetch(`${host.url}/api/orders/${bad.amazonOrderId}/sync`, { method: "POST" });
    expect(gap.status).toBe(422);
    expect(await gap.json()).toMatchObject({
      status: "failed",
      error: { code: "mapping.unknownSku", suggestion: { file: "sku-crossref.json" } },
    });
    expect((await fetch(`${host.url}/api/orders/not-an-order/sync`, { method: "POST" })).status).toBe(400);
  });

  it("POST /api/orders/sync enqueues the orders changed since the given time and answers with counts (200: it was quick)", async () => {
    const res = await fetch(`${host.url}/api/orders/sync`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ since: new Date(Date.now() - 50 * 86_400_000).toISOString(), marketplaceIds: ["A1PA6795UKMFR9"] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { results: { marketplaceId: string; seen: number; ok: boolean }[] } };
    expect(body.result.results).toHaveLength(1);
    expect(body.result.results[0]).toMatchObject({ marketplaceId: "A1PA6795UKMFR9", ok: true });
    expect(body.result.results[0].seen).toBeGreaterThan(0);
    await host.drain({ timeoutMs: 60_000 });
    expect(
      (
        await fetch(`${host.url}/api/orders/sync`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ since: "yesterday" }),
        })
      ).status,
    ).toBe(400);
  });

  it("refuses a period that ends before it starts", async () => {
    const res = await fetch(`${host.url}/api/orders/backfill`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from: "2026-11-20T00:00:00Z", to: "2026-11-01T00:00:00Z" }),
    });
    expect(res.status).toBe(400);
  });

  it("reads distinct orders from the flat file by header name and leaves MCF orders out", () => {
    const text = [
      "amazon-order-id\tmerchant-order-id\tlast-updated-date\tsales-channel\tsku",
      "111-0000001-0000001\t\t2026-11-01T10:00:00+00:00\tAmazon.com\tA",
      "111-0000001-0000001\t\t2026-11-01T10:00:00+00:00\tAmazon.com\tB",
      "S02-0000002-0000002\t#1095\t2026-11-02T10:00:00+00:00\tNon-Amazon UK\tC",
    ].join("\n");
    expect(parseOrderReport(text)).toEqual([{ amazonOrderId: "111-0000001-0000001", lastUpdate: "2026-11-01T10:00:00.000Z" }]);
  });
});
