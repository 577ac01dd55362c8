/**
 * The products flow through its real adapters (ODataProducts on the D365 simulator, SpApiListings on the
 * SP-API simulator) with the repository's mapping files: the seeded D365 products land in the simulator's
 * listings with the mapped attributes, a price change costs one patch per marketplace, an incomplete product
 * is not published and its issues are listed, and nothing is sent when nothing changed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleProductsMessage } from "../../../src/flows/products/handle-message";
import { getListingRecord } from "../../../src/flows/products/listing-records";
import type { ProductsMessage } from "../../../src/flows/products/messages";
import { summarizeProducts } from "../../../src/flows/products/status-page";
import { syncProducts } from "../../../src/flows/products/sync";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { demoUpc } from "../../../src/local/d365-sim/demo-company";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Dec } from "../../../src/platform/money";
import { listParked } from "../../../src/platform/parked-messages";
import { d365For } from "../orders/sim-deps";
import { DE, productsDeps, type ProductsSimDeps, UK, US } from "./sim-deps";

let d365: D365Simulator;
let spapi: SpApiSimulator;
let deps: ProductsSimDeps;

async function runSync(): Promise<{
  items: number;
  calls: Record<string, number>;
  writes: { op: string; mp: string; preview: boolean }[];
}> {
  spapi.sim.reset();
  const plan = await syncProducts({ source: "http", batchSize: 20, refreshHours: 24 }, deps.sync);
  for (const m of deps.bus.sent.splice(0)) await handleProductsMessage(m.body as ProductsMessage, deps.publish as never);
  const log = spapi.sim.requests();
  return {
    items: plan.items,
    calls: spapi.sim.requestCounts().counts,
    writes: log
      .filter((r) => r.operation === "patchListingsItem" || r.operation === "putListingsItem")
      .map((r) => ({ op: r.operation, mp: String(r.query.marketplaceIds), preview: r.query.mode === "VALIDATION_PREVIEW" })),
  };
}

const listing = (sku: string, mp: string) => spapi.sim.listings.find(spapi.sim.sellerId, sku, mp);

let first: Awaited<ReturnType<typeof runSync>>;

beforeAll(async () => {
  d365 = await startD365Simulator({ port: 0, seed: 3 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "products-it-")) });
  deps = productsDeps(d365, spapi);
  first = await runSync();
}, 60_000);

afterAll(async () => {
  await spapi?.stop();
  await d365?.stop();
});

describe("products from the D365 simulator to the SP-API simulator", () => {
  it("lists the new products: an offer on the catalog's ASIN for the power bank, a full listing for the webcam", () => {
    for (const mp of [US, UK, DE]) {
      const offer = listing("DEMO-POWERBANK-10K", mp)!;
      expect(offer, mp).toMatchObject({ asin: "B0CATPWR01", requirements: "LISTING_OFFER_ONLY" });
      expect(offer.attributes?.item_name, "an offer carries no product facts").toBeUndefined();
      const webcam = listing("DEMO-WEBCAM-HD", mp)!;
      expect(webcam.asin, mp).toMatch(/^B0SIM/);
      expect(webcam).toMatchObject({ requirements: "LISTING", productType: "PRODUCT", title: "Demo HD Webcam" });
      expect(webcam.attributes?.externally_assigned_product_identifier).toEqual([
        { type: "upc", value: demoUpc("D0012"), marketplace_id: mp },
      ]);
      expect(webcam.attributes?.bullet_point?.map((b) => b.value)).toEqual([
        "Demo HD Webcam: built for everyday use",
        "Two-year manufacturer warranty",
      ]);
    }
    expect(listing("DEMO-WEBCAM-HD", US)!.price).toBe("54.99");
    expect(listing("DEMO-WEBCAM-HD", UK)).toMatchObject({ price: "49.99", currency: "GBP" });
    expect(listing("DEMO-WEBCAM-HD", DE)).toMatchObject({ price: "52.99", currency: "EUR" });
    expect(listing("DEMO-WEBCAM-HD", DE)!.attributes?.product_description).toEqual([
      { value: "A 1080p webcam with a privacy shutter and two microphones.", language_tag: "de_DE", marketplace_id: DE },
    ]);
  });

  it("does not publish the earbuds (HEADPHONES without a form factor) and lists Amazon's issue as a review item", async () => {
    for (const mp of [US, DE]) expect(listing("DEMO-EARBUDS-WL", mp), mp).toBeUndefined();
    expect(first.writes.filter((w) => !w.preview && w.op === "putListingsItem")).toHaveLength(6);
    const reviews = (await listParked(deps.state)).filter((p) => p.messageId.startsWith("product:D0013"));
    expect(reviews.map((r) => r.messageId).sort()).toEqual([`product:D0013@${DE}`, `product:D0013@${US}`]);
    expect(reviews[0]).toMatchObject({ reason: "listing-invalid", code: "amazon.90220" });
    expect(reviews[0]!.description).toContain("'headphones_form_factor' is required but not supplied.");
    expect(await getListingRecord(deps.state, "D0013", US)).toMatchObject({ state: "review", listed: false });
  });

  it("finds the seeded listings in step, except the DE bag, whose missing description it patches (and Amazon's issue clears)", async () => {
    const bag = listing("DEMO-BAG-15", DE)!;
    expect(bag.attributes?.product_description?.[0]?.value).toBe(
      "Demo Laptop Bag 15 inch. Demo product of the d365-amazon-connect simulator.",
    );
    expect(spapi.sim.listings.issuesOf(bag)).toEqual([]);
    const patches = first.writes.filter((w) => w.op === "patchListingsItem");
    expect(patches).toEqual([
      { op: "patchListingsItem", mp: DE, preview: true },
      { op: "patchListingsItem", mp: DE, preview: false },
    ]);
    const bagRecord = (await getListingRecord(deps.state, "D0010", DE))!;
    expect(bagRecord).toMatchObject({ state: "published", asin: "B0DEMO0010", issues: [] });
    expect(bagRecord.fnsku, "FBM: Amazon knows no FNSKU").toBeUndefined();
    expect(await getListingRecord(deps.state, "D0001", US)).toMatchObject({ state: "published", asin: "B0DEMO0001", fnsku: "X0DEMO0001" });
  });

  it("surfaces the blocked keyboard listing in the US with Amazon's message", async () => {
    const review = (await listParked(deps.state)).find((p) => p.messageId === `product:D0008@${US}`);
    expect(review).toMatchObject({ reason: "listing-issues", code: "amazon.90000900" });
  });

  it("reads the listings with one search and the catalog with one search per marketplace, and each definition once per marketplace", () => {
    expect(first.calls.searchListingsItems).toBe(3);
    expect(first.calls.searchCatalogItems).toBe(3);
    // PRODUCT (LISTING and LISTING_OFFER_ONLY) and HEADPHONES (LISTING) in US, UK and DE.
    expect(first.calls.getDefinitionsProductType).toBe(9);
    expect(first.calls.getListingsItem ?? 0).toBe(0);
  });

  it("suggests the ASINs Amazon gave the new listings for sku-crossref.json", async () => {
    const s = await summarizeProducts(deps.state);
    expect(s.crossrefSuggestions.map((x) => [x.sellerSku, x.itemNumber, x.asin?.slice(0, 5)])).toEqual([
      ["DEMO-POWERBANK-10K", "D0011", "B0CAT"],
      ["DEMO-WEBCAM-HD", "D0012", "B0SIM"],
    ]);
  });

  it("sends nothing when nothing changed", async () => {
    const again = await runSync();
    expect(again).toEqual({ items: 0, calls: {}, writes: [] });
  });

  it("sends a price change in D365 as exactly one patch per marketplace (after its validation preview)", async () => {
    const client = d365For(d365);
    await client.update("ReleasedProductsV2", { dataAreaId: "usmf", ItemNumber: "D0005" }, { SalesPrice: new Dec("13.49") });
    for (const row of d365.rows("SalesPriceAgreements", "usmf").filter((r) => r.ItemNumber === "D0005"))
      await client.update(
        "SalesPriceAgreements",
        { dataAreaId: "usmf", RecordId: row.RecordId as number },
        { Price: new Dec(row.PriceCurrencyCode === "GBP" ? "11.49" : "12.49") },
      );
    const change = await runSync();
    expect(change.items).toBe(1);
    for (const mp of [US, UK, DE]) {
      expect(
        change.writes.filter((w) => w.mp === mp && !w.preview),
        mp,
      ).toEqual([{ op: "patchListingsItem", mp, preview: false }]);
      expect(
        change.writes.filter((w) => w.mp === mp && w.preview),
        mp,
      ).toHaveLength(1);
    }
    expect(change.calls).toEqual({ patchListingsItem: 6 });
    expect(listing("DEMO-CABLE-USBC-2M", US)!.price).toBe("13.49");
    expect(listing("DEMO-CABLE-USBC-2M", UK)!.price).toBe("11.49");
    expect(listing("DEMO-CABLE-USBC-2M", DE)!.price).toBe("12.49");
    expect((await getListingRecord(deps.state, "D0005", UK))!.published.purchasable_offer).toBe("11.49 GBP");
  });
});
