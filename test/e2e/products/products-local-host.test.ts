/**
 * End to end on the local host (every function, the in-memory bus, Azurite state), both simulators, the
 * repository's mapping files, and the SP-API simulator delivering its listing notifications to the app's
 * notification endpoint as EventBridge would:
 *
 * - POST /api/products/sync answers 202 with a Location that answers 202 until every batch is published and
 *   200 after; the seeded D365 products are then in the simulator's listings of their marketplaces with the
 *   mapped attributes (name, description, bullet points, brand, condition, price in each currency);
 * - the incomplete product (HEADPHONES without a form factor) is not published: GET /api/products/D0013 and
 *   GET /api/deadletters list Amazon's issue and a suggested fix;
 * - listing notifications reach the products flow through the router: statuses and issues land on the records;
 * - a price change in D365 costs exactly one patch per marketplace; a sync with nothing changed sends nothing;
 * - POST /api/products/{itemNumber}/publish publishes one item now; the sync timer runs.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { Dec } from "../../../src/platform/money";
import type { SecretStore } from "../../../src/platform/ports";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../../integration/amazon/sim-client";
import { d365For } from "../../integration/orders/sim-deps";

const KEY = "fake-products-e2e-notification-key";
const US = "ATVPDKIKX0DER";
const UK = "A1F83G8C2ARO7P";
const DE = "A1PA6795UKMFR9";

let d365: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(path.startsWith("http") ? path : `${host.url}/api/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** The sync through its HTTP API, settled: its plan, its final status, and the SP-API calls it cost. */
async function syncAndSettle(): Promise<{
  plan: any;
  location: string;
  final: any;
  calls: Record<string, number>;
  writes: { op: string; mp: string; preview: boolean }[];
}> {
  spapi.sim.reset();
  const started = await api("POST", "products/sync", {});
  expect(started.status).toBe(202);
  const location = started.headers.get("location")!;
  for (let i = 0; i < 5; i++) {
    await host.drain({ timeoutMs: 60_000 });
    await spapi.sim.hub.flush();
  }
  const final = await api("GET", location);
  const log = spapi.sim.requests();
  return {
    plan: started.json,
    location,
    final,
    calls: spapi.sim.requestCounts().counts,
    writes: log
      .filter((r) => r.operation === "patchListingsItem" || r.operation === "putListingsItem")
      .map((r) => ({ op: r.operation, mp: String(r.query.marketplaceIds), preview: r.query.mode === "VALIDATION_PREVIEW" })),
  };
}

const listing = (sku: string, mp: string) => spapi.sim.listings.find(spapi.sim.sellerId, sku, mp);
let first: Awaited<ReturnType<typeof syncAndSettle>>;

beforeAll(async () => {
  d365 = await startD365Simulator({ port: 0, seed: 11 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "products-e2e-")) });
  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: `prod${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, ""),
  });
  const secrets: SecretStore = { get: async () => KEY, tryGet: async () => KEY };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "products-e2e-host-")),
    busOptions: { retryDelayMs: 10, maxRetryDelayMs: 100, concurrency: 4 },
    config: cfg,
    app: {
      secrets,
      d365: d365For(d365),
      spapi: clientFor(spapi, { maxRetries: 3, backoffBaseMs: 5 }),
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
    },
    log: () => undefined,
  });
  spapi.sim.hub.configure({ enabled: true, url: `${host.url}/api/amazon/notifications`, apiKey: KEY, retryDelayMs: 20 });
  first = await syncAndSettle();
}, 180_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365?.stop();
});

describe("products end to end on the local host", () => {
  it("answers the sync with 202 and a Location that says 200 once every batch is published", () => {
    expect(first.plan).toMatchObject({ items: 13, batches: 1, listings: 38, counts: { new: 38 } });
    expect(first.location).toBe(`${host.url}/api/products/sync/${first.plan.syncId}`);
    expect(first.final.status).toBe(200);
    expect(first.final.json).toMatchObject({
      status: "done",
      batchesDone: 1,
      results: { "in-step": 29, created: 3, "offer-created": 3, patched: 1, review: 2, "not-sold": 1 },
    });
  });

  it("puts the seeded D365 products into the simulator's listings of their marketplaces with the mapped attributes", () => {
    for (const [mp, lang, currency, price] of [
      [US, "en_US", "USD", "54.99"],
      [UK, "en_GB", "GBP", "49.99"],
      [DE, "de_DE", "EUR", "52.99"],
    ] as const) {
      const webcam = listing("DEMO-WEBCAM-HD", mp)!;
      expect(webcam, mp).toMatchObject({ title: "Demo HD Webcam", price, currency, productType: "PRODUCT" });
      expect(webcam.attributes).toMatchObject({
        brand: [{ value: "DemoBrand", language_tag: lang, marketplace_id: mp }],
        manufacturer: [{ value: "Demo Manufacturing Ltd.", language_tag: lang, marketplace_id: mp }],
        condition_type: [{ value: "new_new", marketplace_id: mp }],
        product_description: [
          { value: "A 1080p webcam with a privacy shutter and two microphones.", language_tag: lang, marketplace_id: mp },
        ],
      });
      expect(listing("DEMO-POWERBANK-10K", mp), mp).toMatchObject({
        asin: "B0CATPWR01",
        price: { [US]: "29.99", [UK]: "26.99", [DE]: "27.99" }[mp],
      });
    }
    // The seeded listings match D365 already; the DE bag got the description Amazon was missing.
    expect(listing("DEMO-BAG-15", DE)!.attributes?.product_description?.[0]?.value).toMatch(/^Demo Laptop Bag 15 inch\./);
    expect(first.writes.filter((w) => w.op === "patchListingsItem" && !w.preview)).toEqual([
      { op: "patchListingsItem", mp: DE, preview: false },
    ]);
  });

  it("lists the incomplete product's issues with Amazon's message and a fix, and does not publish it", async () => {
    expect(listing("DEMO-EARBUDS-WL", US)).toBeUndefined();
    const item = await api("GET", "products/D0013");
    expect(item.status).toBe(200);
    const us = item.json.marketplaces.find((m: any) => m.marketplaceId === US);
    expect(us).toMatchObject({ sellerSku: "DEMO-EARBUDS-WL", state: "review", amazonStatus: [] });
    expect(us.issues).toEqual([
      expect.objectContaining({ code: "90220", message: "'headphones_form_factor' is required but not supplied.", source: "amazon" }),
    ]);
    expect(us.review).toMatchObject({
      reason: "listing-invalid",
      replay: "/api/deadletters/product-publish/product%3AD0013%40ATVPDKIKX0DER/replay",
    });
    expect(us.review.suggestion.add[0]).toMatchObject({
      attribute: "headphones_form_factor",
      source: { constant: "<one of over_ear, on_ear, in_ear>" },
    });
    const dead = await api("GET", "deadletters");
    const parked = dead.json.parked
      .filter((p: any) => p.queue === "product-publish")
      .map((p: any) => p.messageId)
      .sort();
    expect(parked).toEqual([`product:D0008@${US}`, `product:D0013@${DE}`, `product:D0013@${US}`]);
  });

  it("takes Amazon's listing notifications through the router: statuses of the new listings and the bag's cleared issue", async () => {
    const types = new Set(spapi.sim.notifications().map((n) => n.NotificationType));
    expect(types).toEqual(new Set(["LISTINGS_ITEM_STATUS_CHANGE", "LISTINGS_ITEM_ISSUES_CHANGE"]));
    expect(spapi.sim.hub.deliveries().every((d) => d.status === 202)).toBe(true);
    const webcam = (await api("GET", "products/D0012")).json;
    expect(webcam.marketplaces.map((m: any) => [m.marketplaceId, m.sellerSku, m.state, m.amazonStatus])).toEqual([
      [UK, "DEMO-WEBCAM-HD", "published", ["BUYABLE", "DISCOVERABLE"]],
      [DE, "DEMO-WEBCAM-HD", "published", ["BUYABLE", "DISCOVERABLE"]],
      [US, "DEMO-WEBCAM-HD", "published", ["BUYABLE", "DISCOVERABLE"]],
    ]);
    const de = webcam.marketplaces.find((m: any) => m.marketplaceId === DE);
    expect(de.asin).toMatch(/^B0SIM/);
    expect(de.lastPublished).toMatchObject({ item_name: "Demo HD Webcam", purchasable_offer: "52.99 EUR" });
    const bag = (await api("GET", "products/D0010")).json.marketplaces.find((m: any) => m.marketplaceId === DE);
    expect(bag).toMatchObject({ state: "published", issues: [], amazonStatus: ["BUYABLE", "DISCOVERABLE"] });
  });

  it("shows the products on the status page, with the sku-crossref.json suggestions", async () => {
    const status = (await api("GET", "status")).json;
    expect(status.sections.products).toMatchObject({ total: 38, byStatus: { published: 35, review: 3 } });
    expect(status.sections.products.crossrefSuggestions.map((s: any) => s.sellerSku)).toEqual(["DEMO-POWERBANK-10K", "DEMO-WEBCAM-HD"]);
  });

  it("sends nothing when nothing changed", async () => {
    const again = await syncAndSettle();
    expect(again.plan).toMatchObject({ items: 0, batches: 0 });
    expect(again.final.status).toBe(200);
    expect(again.calls).toEqual({});
  });

  it("costs exactly one patch per marketplace for a price change in D365", async () => {
    const client = d365For(d365);
    await client.update("ReleasedProductsV2", { dataAreaId: "usmf", ItemNumber: "D0007" }, { SalesPrice: new Dec("26.50") });
    for (const row of d365.rows("SalesPriceAgreements", "usmf").filter((r) => r.ItemNumber === "D0007"))
      await client.update(
        "SalesPriceAgreements",
        { dataAreaId: "usmf", RecordId: row.RecordId as number },
        { Price: new Dec(row.PriceCurrencyCode === "GBP" ? "22.90" : "24.90") },
      );
    const change = await syncAndSettle();
    expect(change.plan).toMatchObject({ items: 1, counts: { changed: 3 } });
    expect(change.final.json.results).toEqual({ patched: 3 });
    for (const mp of [US, UK, DE])
      expect(
        change.writes.filter((w) => w.mp === mp && !w.preview),
        mp,
      ).toEqual([{ op: "patchListingsItem", mp, preview: false }]);
    expect(change.calls).toEqual({ patchListingsItem: 6 });
    expect([US, UK, DE].map((mp) => listing("DEMO-MOUSE-WL", mp)!.price)).toEqual(["26.50", "22.90", "24.90"]);
  });

  it("publishes one item now on POST /api/products/{itemNumber}/publish, and the timer runs the sync", async () => {
    const now = await api("POST", "products/D0001/publish");
    expect(now.status).toBe(200);
    expect(now.json.counts).toEqual({ "in-step": 3 });
    expect((await api("POST", "products/NOPE/publish")).status).toBe(404);
    expect((await api("GET", "products/NOPE")).status).toBe(404);
    expect((await host.runTimer("product-sync")).ok).toBe(true);
  });
});
