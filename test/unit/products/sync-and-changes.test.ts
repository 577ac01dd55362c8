import { beforeEach, describe, expect, it } from "vitest";
import { applyListingChange } from "../../../src/flows/products/listing-changes";
import { getListingRecord } from "../../../src/flows/products/listing-records";
import type { PublishMessage } from "../../../src/flows/products/messages";
import { CachedProductTypes } from "../../../src/flows/products/product-types";
import { publishProducts } from "../../../src/flows/products/publish";
import { reviewId } from "../../../src/flows/products/review";
import { summarizeProducts } from "../../../src/flows/products/status-page";
import { syncProducts } from "../../../src/flows/products/sync";
import { getSyncStatus, recordSyncBatch } from "../../../src/flows/products/sync-records";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { getParked } from "../../../src/platform/parked-messages";
import { getRun } from "../../../src/platform/run-records";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { aProduct, FakeAmazon, FakeD365, KeepingBus, publishDepsFor, syncDepsFor, UK, US } from "./builders";

let d365: FakeD365;
let amazon: FakeAmazon;
let state: MemoryStateStore;
let clock: ManualClock;
let bus: KeepingBus;

beforeEach(() => {
  d365 = new FakeD365();
  amazon = new FakeAmazon();
  state = new MemoryStateStore();
  clock = new ManualClock("2026-11-20T10:00:00Z");
  bus = new KeepingBus();
  for (let i = 1; i <= 5; i++)
    d365.add(aProduct(`I${i}`, { itemGroup: i === 5 ? "Bags" : "Audio" }), { upc: `00000000000${i}`, gbp: "9.00" });
});

const sync = (o: { force?: boolean; refreshHours?: number } = {}) =>
  syncProducts(
    { source: "timer", batchSize: 2, refreshHours: o.refreshHours ?? 24, ...(o.force ? { force: true } : {}) },
    syncDepsFor({ d365, state, clock, bus }),
  );

async function publishAll(): Promise<void> {
  const deps = publishDepsFor({ d365, amazon, state, clock });
  for (const m of bus.sent.splice(0)) {
    const body = m.body as PublishMessage;
    const out = await publishProducts(body, deps);
    if (body.syncId) await recordSyncBatch(state, body.syncId, body.batch ?? 0, out.counts, clock.now());
  }
}

describe("the products sync", () => {
  it("sends every selected item the first time, in batches, and nothing once everything is published", async () => {
    const plan = await sync();
    expect(plan).toMatchObject({ listings: 9, items: 5, batches: 3, counts: { new: 9, changed: 0, unchanged: 0 } });
    expect(bus.sent.map((m) => (m.body as PublishMessage).itemNumbers)).toEqual([["I1", "I2"], ["I3", "I4"], ["I5"]]);
    expect(bus.sent.map((m) => m.messageId)).toEqual([0, 1, 2].map((b) => `products:${plan.syncId}:${b}`));
    expect((await getSyncStatus(state, plan.syncId))!.status).toBe("running");
    await publishAll();
    const status = (await getSyncStatus(state, plan.syncId))!;
    expect(status).toMatchObject({ status: "done", batchesDone: 3, results: { created: 9 } });
    expect(await getRun(state, "products-sync")).toMatchObject({ lastRun: { outcome: "succeeded" } });

    const again = await sync();
    expect(again).toMatchObject({ items: 0, batches: 0, counts: { unchanged: 9 } });
    expect(bus.sent).toEqual([]);
  });

  it("sends only the items whose D365 data changed", async () => {
    await sync();
    await publishAll();
    d365.product("I3").salesPrice = "12.00";
    const plan = await sync();
    expect(plan.counts).toMatchObject({ changed: 1, unchanged: 8 });
    expect(bus.sent.map((m) => (m.body as PublishMessage).itemNumbers)).toEqual([["I3"]]);
  });

  it("reads listings again once their record is older than PRODUCTS_REFRESH_HOURS (lost notifications), and every item when forced", async () => {
    await sync();
    await publishAll();
    clock.advance(25 * 3_600_000);
    const plan = await sync();
    expect(plan.counts).toMatchObject({ stale: 9 });
    expect(bus.sent.flatMap((m) => (m.body as PublishMessage).refreshItems ?? [])).toEqual(["I1", "I2", "I3", "I4", "I5"]);
    bus.sent.length = 0;
    expect((await sync({ refreshHours: 0, force: true })).counts).toMatchObject({ changed: 9 });
    expect(bus.sent.every((m) => (m.body as PublishMessage).force)).toBe(true);
  });
});

describe("listing changes Amazon notifies", () => {
  beforeEach(async () => {
    await publishProducts({ itemNumbers: ["I1"], marketplaceIds: [US] }, publishDepsFor({ d365, amazon, state, clock }));
    amazon.calls.length = 0;
  });
  const deps = () => ({ amazon, state, clock, telemetry: new MemoryTelemetry(), queue: "product-publish" });

  it("writes a status change to the record without asking Amazon", async () => {
    const out = await applyListingChange({ kind: "listing-change", sku: "I1", marketplaceId: US, status: ["DISCOVERABLE"] }, deps());
    expect(out.updated).toEqual([{ itemNumber: "I1", marketplaceId: US, state: "published", amazonStatus: ["DISCOVERABLE"], errors: 0 }]);
    expect(amazon.calls).toEqual([]);
  });

  it("reads new issues for Amazon's messages and opens a review item; closes it when the issues clear", async () => {
    amazon.listings.get(amazon.key("I1", US))!.issues = [{ code: "18027", message: "Image missing.", severity: "ERROR" }];
    await applyListingChange({ kind: "listing-change", sku: "I1", marketplaceId: US, severities: ["ERROR"] }, deps());
    expect(amazon.count("getListing")).toBe(1);
    expect(await getParked(state, "product-publish", reviewId("I1", US))).toMatchObject({ reason: "listing-issues", code: "amazon.18027" });
    expect((await getListingRecord(state, "I1", US))!.state).toBe("review");
    await applyListingChange({ kind: "listing-change", sku: "I1", marketplaceId: US, severities: ["NONE"] }, deps());
    expect(amazon.count("getListing")).toBe(1);
    expect(await getParked(state, "product-publish", reviewId("I1", US))).toBeUndefined();
    expect((await getListingRecord(state, "I1", US))!).toMatchObject({ state: "published", issues: [] });
  });

  it("lists a listing Amazon deleted again at the next sync (D365 is the source)", async () => {
    await applyListingChange({ kind: "listing-change", sku: "I1", marketplaceId: US, status: ["DELETED"] }, deps());
    expect(await getListingRecord(state, "I1", US)).toMatchObject({ listed: false, state: "pending", amazonStatus: ["DELETED"] });
    const plan = await sync();
    expect(plan.counts).toMatchObject({ changed: 1 });
    expect(bus.sent.flatMap((m) => (m.body as PublishMessage).itemNumbers)).toContain("I1");
  });

  it("leaves a SKU it never published alone", async () => {
    expect(
      await applyListingChange({ kind: "listing-change", sku: "OTHER", marketplaceId: UK, severities: ["ERROR"] }, deps()),
    ).toMatchObject({ ignored: true });
    expect(amazon.calls).toEqual([]);
  });
});

describe("the products section of the status page and the definition cache", () => {
  it("counts listings per state and marketplace and lists the crossref suggestions", async () => {
    await sync();
    await publishAll();
    const s = await summarizeProducts(state);
    expect(s).toMatchObject({
      total: 9,
      byStatus: { published: 9 },
      byMarketplace: { [US]: { total: 4 }, [UK]: { total: 5 } },
      withErrors: 0,
    });
    expect(s.crossrefSuggestions).toHaveLength(5);
    expect(s.crossrefSuggestions[0]).toEqual({ sellerSku: "I1", itemNumber: "I1", asin: "B0NEW00001" });
  });

  it("asks Amazon for a definition once per product type, marketplace and requirements, and again after the cache hours", async () => {
    const cache = new CachedProductTypes(amazon, state, clock, 24);
    await cache.get("PRODUCT", US, "LISTING");
    await cache.get("PRODUCT", US, "LISTING");
    await new CachedProductTypes(amazon, state, clock, 24).get("PRODUCT", US, "LISTING");
    await cache.get("PRODUCT", UK, "LISTING");
    await cache.get("PRODUCT", US, "LISTING_OFFER_ONLY");
    expect(amazon.count("productType")).toBe(3);
    clock.advance(25 * 3_600_000);
    await cache.get("PRODUCT", US, "LISTING");
    expect(amazon.count("productType")).toBe(4);
  });
});
