/**
 * The inventory flow end to end on the local host, as `npm start` runs it: the app's HTTP API and inventory
 * queue, Azurite (the test run's) for state and blobs, the D365 and SP-API simulators on loopback, and the
 * shipped mapping files (mappings/inventory.json: warehouse 11 feeds US 60 %, UK 20 %, DE 20 % after a safety
 * stock of 2; the FBA items are excluded; FBA-US/UK/DE stand for Amazon's network).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpApiClient } from "../../../src/amazon";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { onHandRow } from "../../../src/local/d365-sim/demo-company";
import { DEMO_FBA_DISCREPANCIES } from "../../../src/local/demo-fba-stock";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import type { BlobStore, SecretStore, StateStore } from "../../../src/platform/ports";
import { createBlobStore, createStateStore } from "../../../src/platform/stores";
import { type App, createApp, useApp } from "../../../src/wiring/app";
import { type AppConfig, loadConfig } from "../../../src/wiring/config";
import { clientFor, control, startSim } from "../amazon/sim-client";
import { d365For, REPO_MAPPINGS } from "../orders/sim-deps";

const US = "ATVPDKIKX0DER";
const UK = "A1F83G8C2ARO7P";
const DE = "A1PA6795UKMFR9";
const KEY = "fake-notification-key-inventory";
/** SKUs of mappings/sku-crossref.json whose D365 products the products flow has not listed on Amazon yet. */
const UNLISTED = ["DEMO-POWERBANK-10K", "DEMO-WEBCAM-HD", "DEMO-EARBUDS-WL"];

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let client: SpApiClient;
let host: LocalHost;
let config: AppConfig;
let state: StateStore;
let blobs: BlobStore;
const mappings = Mappings.load(REPO_MAPPINGS);
const secrets: SecretStore = {
  get: async (name) => {
    if (name === "notification-api-key") return KEY;
    throw new Error(`no secret ${name}`);
  },
  tryGet: async (name) => (name === "notification-api-key" ? KEY : undefined),
};

function install(m: Mappings): App {
  const app = createApp(config, { state, blobs, bus: host.bus, secrets, d365: d365For(d365Sim), spapi: client, mappings: m });
  useApp(app);
  return app;
}

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 42 });
  // 30× real time: a feed is processed (10 simulated seconds) in a third of a second.
  spapi = await startSim({ timeScale: 30 });
  client = clientFor(spapi, { maxRetries: 3, backoffBaseMs: 5 });
  config = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: `inv${Date.now().toString(36)}`,
    INVENTORY_FEED_POLL_SECONDS: "1",
    INVENTORY_FEED_WAIT_SECONDS: "60",
  });
  state = createStateStore(config);
  blobs = createBlobStore(config);
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "inventory-host-")),
    busOptions: { timeScale: 1000 },
    config,
    app: false,
    log: () => undefined,
  });
  install(mappings);
}, 60_000);

afterAll(async () => {
  useApp(undefined);
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

const api = (path: string, init?: RequestInit) => fetch(`${host.url}/api/${path}`, init);

/** POST, then follow Location until the request is finished (as Power Automate does). */
async function runRequest(path: string, body?: unknown): Promise<any> {
  const res = await api(path, { method: "POST", headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : "" });
  expect(res.status).toBe(202);
  const location = res.headers.get("location")!;
  expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/inventory\/requests\/(push|fba-reconcile)-/);
  for (let i = 0; i < 600; i++) {
    const poll = await fetch(location);
    if (poll.status === 200) return poll.json();
    expect(poll.status).toBe(202);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not finish`);
}

async function listingQuantity(sku: string, marketplaceId: string): Promise<number | undefined> {
  const l = (await control(spapi, "GET", `/_control/listings?sku=${sku}&marketplaceId=${marketplaceId}`)).json;
  const rows = Array.isArray(l) ? l : l.listings;
  return rows[0]?.quantity;
}

const spapiCalls = () => {
  const { counts } = spapi.sim.requestCounts();
  return Object.entries(counts)
    .filter(([op]) => op !== "lwa")
    .reduce((n, [, v]) => n + v, 0);
};

describe("FBM push on the local host", () => {
  it("sends the allocated quantity after one sync once on-hand changes in D365, and nothing at all on a second sync", async () => {
    await fetch(`${d365Sim.url}/_control/onhand`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ItemNumber: "D0005", WarehouseId: "11", OnHandQuantity: 100, ReservedQuantity: 0 }),
    });
    const first = await runRequest("inventory/sync");
    expect(first.status).toBe("done");
    expect(first.result.outcome).toBe("succeeded");
    // (100 − 2) × 60 % = 58 in the US; × 20 % = 19 in the UK and DE.
    expect(await listingQuantity("DEMO-CABLE-USBC-2M", US)).toBe(58);
    expect(await listingQuantity("DEMO-CABLE-USBC-2M", UK)).toBe(19);
    expect(await listingQuantity("DEMO-CABLE-USBC-2M", DE)).toBe(19);
    // The seven FBM SKUs per marketplace went by patch; the seeded blocked listing was refused with Amazon's message,
    // and so were the three D365 products the cross-reference has for the products flow, which are not listed on
    // Amazon yet (no products sync runs here): Amazon says the SKU does not exist.
    const us = first.result.marketplaces.find((m: any) => m.marketplaceId === US);
    expect(us).toMatchObject({ path: "patch", changed: 7, accepted: 3 });
    expect(us.refused.map((r: any) => [r.sellerSku, r.code])).toEqual([
      ["DEMO-KEYBOARD-DE", "90000900"],
      ...UNLISTED.map((sku) => [sku, "4000003"]),
    ]);
    expect(first.result.excluded.count).toBe(18);

    const review = (await (await api("deadletters?queue=inventory-sync")).json()) as any;
    expect(review.parked.map((p: any) => [p.messageId, p.code]).sort()).toEqual(
      [
        [`inventory:${US}:DEMO-KEYBOARD-DE`, "90000900"],
        ...[US, UK, DE].flatMap((m) => UNLISTED.map((sku) => [`inventory:${m}:${sku}`, "4000003"])),
      ].sort(),
    );
    expect(review.parked.find((p: any) => p.code === "90000900").description).toContain("is blocked in this marketplace");

    const before = spapiCalls();
    const second = await runRequest("inventory/sync");
    expect(second.result.marketplaces.map((m: any) => [m.changed, m.path])).toEqual([
      [0, "none"],
      [0, "none"],
      [0, "none"],
    ]);
    expect(spapiCalls()).toBe(before);
  });

  it("replays a refused SKU's review item through the inventory queue: pushed again, and parked again while Amazon still refuses it", async () => {
    const id = `inventory:${US}:DEMO-KEYBOARD-DE`;
    const before = spapi.sim.requestCounts().counts.patchListingsItem ?? 0;
    const res = await api(`deadletters/inventory-sync/${encodeURIComponent(id)}/replay`, { method: "POST" });
    expect(res.status).toBe(200);
    await host.drain({ timeoutMs: 30_000 });
    expect((spapi.sim.requestCounts().counts.patchListingsItem ?? 0) - before).toBe(1);
    const review = (await (await api("deadletters?queue=inventory-sync")).json()) as any;
    expect(review.parked.filter((p: any) => p.messageId === id).map((p: any) => p.code)).toEqual(["90000900"]);
  });

  it("pushes one SKU at once over POST /api/inventory/sync/{sellerSku}, and answers 404 for a SKU it does not know", async () => {
    await fetch(`${d365Sim.url}/_control/onhand`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ItemNumber: "D0010", WarehouseId: "11", OnHandQuantity: 12, ReservedQuantity: 0 }),
    });
    const res = await api("inventory/sync/DEMO-BAG-15?marketplaceId=A1PA6795UKMFR9", { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.marketplaces).toEqual([
      expect.objectContaining({ marketplaceId: DE, accepted: 1, quantities: [{ sellerSku: "DEMO-BAG-15", quantity: 2, pool: "12" }] }),
    ]);
    expect(await listingQuantity("DEMO-BAG-15", DE)).toBe(2);
    expect((await api("inventory/sync/NOT-A-SKU", { method: "POST" })).status).toBe(404);
    // A preview: Amazon validates, nothing changes (the seeded blocked listing says why it would be refused).
    const before = await listingQuantity("DEMO-BAG-15", DE);
    const preview = (await (await api(`inventory/sync/DEMO-BAG-15?marketplaceId=${DE}&preview=true`, { method: "POST" })).json()) as any;
    expect(preview.marketplaces[0]).toMatchObject({ accepted: 1, refused: [] });
    const blocked = (await (
      await api(`inventory/sync/DEMO-KEYBOARD-DE?marketplaceId=${US}&preview=true`, { method: "POST" })
    ).json()) as any;
    expect(blocked.marketplaces[0].refused).toEqual([expect.objectContaining({ code: "90000900" })]);
    expect(await listingQuantity("DEMO-BAG-15", DE)).toBe(before);
  });

  it("pushes nothing while D365 is down, and shows the failure on the status page", async () => {
    await fetch(`${d365Sim.url}/_control/onhand`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ItemNumber: "D0006", WarehouseId: "11", OnHandQuantity: 3, ReservedQuantity: 0 }),
    });
    d365Sim.injectFault({ kind: "error", target: "WarehousesOnHandV2", status: 503, times: 0 });
    try {
      const before = spapiCalls();
      const r = await runRequest("inventory/sync");
      expect(r.status).toBe("failed");
      expect(r.result.error).toMatch(/nothing was pushed/);
      expect(spapiCalls()).toBe(before);
      const status = (await (await api("status")).json()) as any;
      expect(status.sections.inventory.push).toMatchObject({ outcome: "failed" });
      expect(status.flows.find((f: any) => f.flow === "inventory-push").scopes[0].lastRun.outcome).toBe("failed");
    } finally {
      d365Sim.clearFaults();
    }
    await runRequest("inventory/sync");
    expect(await listingQuantity("DEMO-CHARGER-65W", US)).toBe(0);
  });

  it("sends 600 changed SKUs of one marketplace as ONE JSON_LISTINGS_FEED (a handful of SP-API calls)", async () => {
    const count = 600;
    await control(spapi, "POST", "/_control/listings/bulk", { count, prefix: "BULK-", marketplaceIds: [US], quantity: 0 });
    const items = Array.from({ length: count }, (_, i) => `B${String(i + 1).padStart(5, "0")}`);
    d365Sim.seedRows(
      "WarehousesOnHandV2",
      items.map((item, i) => onHandRow("usmf", item, `Bulk item ${i + 1}`, "1", "11", 10 + (i % 50))),
    );
    const bulk = new Mappings(
      mappings.marketplacesFile,
      {
        ...mappings.skuFile,
        items: [
          ...mappings.skuFile.items,
          ...items.map((itemNumber, i) => ({ sellerSku: `BULK-${String(i + 1).padStart(5, "0")}`, itemNumber, marketplaceIds: [US] })),
        ],
      },
      mappings.statusFile,
      mappings.files,
    );
    install(bulk);
    try {
      const before = spapi.sim.requestCounts().counts;
      const r = await runRequest("inventory/sync", { marketplaceIds: [US] });
      const us = r.result.marketplaces[0];
      expect(us).toMatchObject({ path: "feed", changed: count, accepted: count, feed: { status: "DONE", messages: count } });
      const after = spapi.sim.requestCounts().counts;
      const used = (op: string) => (after[op] ?? 0) - (before[op] ?? 0);
      expect([used("createFeedDocument"), used("createFeed"), used("getFeedDocument"), used("patchListingsItem")]).toEqual([1, 1, 1, 0]);
      expect(used("getFeed")).toBeLessThanOrEqual(3);
      const feeds = (await control(spapi, "GET", "/_control/feeds")).json;
      const list = Array.isArray(feeds) ? feeds : feeds.feeds;
      expect(list.filter((f: any) => f.feedType === "JSON_LISTINGS_FEED")).toHaveLength(1);
      // (10 + 7 − 2) × 60 % = 9 for the eighth item.
      expect(await listingQuantity("BULK-00008", US)).toBe(9);
    } finally {
      install(mappings);
    }
  });
});

describe("FBA reconciliation on the local host", () => {
  it("reports exactly the seeded differences, as JSON and CSV, and prepares one unposted counting journal per marketplace that differs", async () => {
    const r = await runRequest("inventory/fba/reconcile");
    expect(r.status).toBe("done");
    expect(r.result.marketplaces.map((m: any) => [m.marketplaceId, m.skus, m.discrepancies])).toEqual([
      [US, 6, 1],
      [UK, 6, 0],
      [DE, 6, 1],
    ]);
    const report = (await (await api("inventory/fba/discrepancies")).json()) as any;
    expect(
      report.discrepancies.map((d: any) => ({
        marketplaceId: d.marketplaceId,
        sku: d.sellerSku,
        itemNumber: d.itemNumber,
        d365OnHand: Number(d.d365OnHand),
        amazon: { fulfillable: d.fulfillable, reserved: d.reserved, unfulfillable: d.unfulfillable, researching: d.researching },
        difference: Number(d.difference),
      })),
    ).toEqual(
      [...DEMO_FBA_DISCREPANCIES]
        .map((d) => ({ ...d, amazon: { ...d.amazon } }))
        .sort((a, b) => a.marketplaceId.localeCompare(b.marketplaceId)),
    );
    const csv = await (await api("inventory/fba/discrepancies?format=csv")).text();
    expect(csv.split("\r\n").filter(Boolean)).toHaveLength(3);
    expect(csv).toContain(`${US},DEMO-SPEAKER-WHT,D0002,FBA-US,40,30,3,1,2,44,48,4,`);

    const journals = d365Sim.rows("InventoryCountingJournalHeaders", "usmf");
    expect(journals.map((j) => [j.DefaultWarehouseId, j.IsPosted])).toEqual([
      ["FBA-US", "No"],
      ["FBA-DE", "No"],
    ]);
    const lines = d365Sim.rows("InventoryCountingJournalLines", "usmf");
    expect(lines.map((l) => [l.ItemNumber, l.WarehouseId, l.CountedQuantity, l.OnHandQuantity, l.AdjustmentQuantity])).toEqual([
      ["D0002", "FBA-US", 44, 48, -4],
      ["D0007", "FBA-DE", 57, 50, 7],
    ]);
    // Again: the journals wait for review, no second one.
    await runRequest("inventory/fba/reconcile");
    expect(d365Sim.rows("InventoryCountingJournalHeaders", "usmf")).toHaveLength(2);
  });

  it("refreshes a SKU when Amazon notifies FBA_INVENTORY_AVAILABILITY_CHANGES, and offers ASIN/FNSKU suggestions", async () => {
    await control(spapi, "PUT", "/_control/notifications/delivery", {
      enabled: true,
      url: `${host.url}/api/amazon/notifications`,
      apiKey: KEY,
      types: ["FBA_INVENTORY_AVAILABILITY_CHANGES"],
    });
    try {
      await control(spapi, "POST", "/_control/inventory", {
        marketplaceId: US,
        sku: "DEMO-SPEAKER-WHT",
        fulfillable: 44,
        reserved: 3,
        unfulfillable: 1,
      });
      await control(spapi, "POST", "/_control/notifications/flush");
      await host.drain({ timeoutMs: 30_000 });
      const report = (await (await api("inventory/fba/discrepancies")).json()) as any;
      // D365 48 against 44 + 3 + 1: no longer differs; DE still does.
      expect(report.discrepancies.map((d: any) => d.sellerSku)).toEqual(["DEMO-MOUSE-WL"]);
    } finally {
      await control(spapi, "PUT", "/_control/notifications/delivery", { enabled: false });
    }
    const suggestions = (await (await api("inventory/sku-suggestions")).json()) as any;
    // The shipped cross-reference has every demo ASIN and FNSKU.
    expect(suggestions.suggestions).toEqual([]);
    const status = (await (await api("status")).json()) as any;
    const fba = status.sections.inventory.fba.map((f: any) => [f.marketplaceId, f.discrepancies, f.openJournal?.kind]);
    expect(fba.sort()).toEqual(
      [
        [US, 0, "counting"],
        [UK, 0, undefined],
        [DE, 1, "counting"],
      ].sort(),
    );
    expect(status.sections.inventory.discrepancies).toBe(1);
  });
});
