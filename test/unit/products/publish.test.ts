import { beforeEach, describe, expect, it } from "vitest";
import { getListingRecord } from "../../../src/flows/products/listing-records";
import { type PublishDeps, publishProducts } from "../../../src/flows/products/publish";
import { reviewId } from "../../../src/flows/products/review";
import { ManualClock } from "../../../src/platform/clock";
import { ThrottledError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { getParked, listParked } from "../../../src/platform/parked-messages";
import { aProduct, aProductsFile, FakeAmazon, FakeD365, publishDepsFor, refused, throttled, UK, US } from "./builders";

let d365: FakeD365;
let amazon: FakeAmazon;
let state: MemoryStateStore;
let clock: ManualClock;
let deps: PublishDeps;

const standard = (mp: string, name: string, price: string, currency: string) => ({
  item_name: [{ value: name, language_tag: mp === US ? "en_US" : "en_GB", marketplace_id: mp }],
  product_description: [{ value: "About I1", language_tag: mp === US ? "en_US" : "en_GB", marketplace_id: mp }],
  bullet_point: [
    { value: `${name}: made to last`, language_tag: mp === US ? "en_US" : "en_GB", marketplace_id: mp },
    { value: "Two-year warranty", language_tag: mp === US ? "en_US" : "en_GB", marketplace_id: mp },
  ],
  brand: [{ value: "DemoBrand", language_tag: mp === US ? "en_US" : "en_GB", marketplace_id: mp }],
  condition_type: [{ value: "new_new", marketplace_id: mp }],
  purchasable_offer: [{ marketplace_id: mp, currency, our_price: [{ schedule: [{ value_with_tax: price }] }] }],
});

beforeEach(() => {
  d365 = new FakeD365();
  amazon = new FakeAmazon();
  state = new MemoryStateStore();
  clock = new ManualClock("2026-11-20T10:00:00Z");
  deps = publishDepsFor({ d365, amazon, state, clock });
});

describe("publishing items that Amazon already lists", () => {
  beforeEach(() => {
    d365.add(aProduct("I1", { name: "Speaker", salesPrice: "49.99" }), { upc: "084000000015", gbp: "44.99" });
    amazon.seedListing({
      sku: "I1",
      marketplaceId: US,
      asin: "B0DEMO0001",
      fnsku: "X0DEMO0001",
      attributes: standard(US, "Speaker", "49.99", "USD"),
    });
    amazon.seedListing({ sku: "I1", marketplaceId: UK, asin: "B0DEMO0001", attributes: standard(UK, "Speaker", "44.99", "GBP") });
  });

  it("reads them once, finds them in step, records SKU, ASIN, FNSKU and the hash — and sends nothing when nothing changed", async () => {
    const first = await publishProducts({ itemNumbers: ["I1"] }, deps);
    expect(first.counts).toEqual({ "in-step": 2 });
    expect(amazon.calls.filter((c) => c.op === "put" || c.op === "patch")).toEqual([]);
    expect(await getListingRecord(state, "I1", US)).toMatchObject({
      sku: "I1",
      asin: "B0DEMO0001",
      fnsku: "X0DEMO0001",
      state: "published",
      listed: true,
    });
    amazon.calls.length = 0;
    const second = await publishProducts({ itemNumbers: ["I1"] }, deps);
    expect(second.counts).toEqual({ unchanged: 2 });
    expect(amazon.calls).toEqual([]);
  });

  it("sends a price change as exactly one patch of purchasable_offer per marketplace, after its preview", async () => {
    await publishProducts({ itemNumbers: ["I1"] }, deps);
    amazon.calls.length = 0;
    d365.product("I1").salesPrice = "52.99";
    d365.prices[0]!.price = "46.99";
    const out = await publishProducts({ itemNumbers: ["I1"] }, deps);
    expect(out.counts).toEqual({ patched: 2 });
    for (const mp of [US, UK]) {
      expect(amazon.count("patch", { marketplaceId: mp, preview: false })).toBe(1);
      expect(amazon.count("patch", { marketplaceId: mp, preview: true })).toBe(1);
    }
    expect(amazon.calls.filter((c) => c.op === "readListings" || c.op === "put")).toEqual([]);
    const sent = amazon.calls.find((c) => c.op === "patch" && !c.preview && c.marketplaceId === UK)!.detail as { patches: unknown[] };
    expect(sent.patches).toEqual([
      {
        op: "replace",
        attribute: "purchasable_offer",
        value: [{ marketplace_id: UK, currency: "GBP", our_price: [{ schedule: [{ value_with_tax: "46.99" }] }] }],
      },
    ]);
    expect((await getListingRecord(state, "I1", UK))!.published.purchasable_offer).toBe("46.99 GBP");
  });

  it("with PRODUCTS_PREVIEW=new-listings sends a price change as one patch and nothing else", async () => {
    deps = publishDepsFor({ d365, amazon, state, clock, preview: "new-listings" });
    await publishProducts({ itemNumbers: ["I1"] }, deps);
    amazon.calls.length = 0;
    d365.product("I1").salesPrice = "52.99";
    await publishProducts({ itemNumbers: ["I1"], marketplaceIds: [US] }, deps);
    expect(amazon.calls.map((c) => `${c.op}${c.preview ? " preview" : ""}`)).toEqual(["patch"]);
  });

  it("patches what differs on the live listing (a missing description) and clears Amazon's issue about it", async () => {
    const live = amazon.listings.get(amazon.key("I1", UK))!;
    delete live.attributes.product_description;
    live.issues = [
      {
        code: "90220",
        message: "'product_description' is required but not supplied.",
        severity: "ERROR",
        attributeNames: ["product_description"],
      },
    ];
    const out = await publishProducts({ itemNumbers: ["I1"] }, deps);
    expect(out.listings.find((l) => l.marketplaceId === UK)).toMatchObject({ action: "patched", patched: ["product_description"] });
    const r = (await getListingRecord(state, "I1", UK))!;
    expect(r.issues).toEqual([]);
    expect(r.state).toBe("published");
    expect(await listParked(state)).toEqual([]);
  });

  it("turns errors Amazon reports on a live listing into a review item with Amazon's message", async () => {
    amazon.listings.get(amazon.key("I1", US))!.issues = [
      {
        code: "90000900",
        message: "The listing is blocked (product safety review).",
        severity: "ERROR",
        attributeNames: ["fulfillment_availability"],
      },
    ];
    await publishProducts({ itemNumbers: ["I1"] }, deps);
    const review = await getParked(state, "product-publish", reviewId("I1", US));
    expect(review).toMatchObject({ reason: "listing-issues", code: "amazon.90000900" });
    expect(review!.description).toMatch(
      /I1 \(item I1\) in ATVPDKIKX0DER live listing has errors Amazon reports: Amazon 90000900: The listing is blocked/,
    );
    expect(review!.body).toEqual({ kind: "publish", itemNumbers: ["I1"], marketplaceIds: [US], force: true });
    expect((await getListingRecord(state, "I1", US))!.state).toBe("review");
  });
});

describe("publishing items Amazon has no listing of", () => {
  it("matches before creating: the crossref's ASIN or the barcode make an offer on the existing ASIN; only the rest get a full listing", async () => {
    d365.add(aProduct("I1"), { upc: "000000000011", gbp: "9.00" });
    d365.add(aProduct("I2"), { upc: "000000000022", gbp: "9.00" });
    d365.add(aProduct("I3"), { upc: "000000000033", gbp: "9.00" });
    amazon.catalog.set("000000000022", "B0CATALOG2");
    amazon.catalog.set("B0CROSSREF", "B0CROSSREF");
    deps = publishDepsFor({ d365, amazon, state, clock, crossref: [{ sellerSku: "SKU-I1", itemNumber: "I1", asin: "B0CROSSREF" }] });
    const out = await publishProducts({ itemNumbers: ["I1", "I2", "I3"], marketplaceIds: [US] }, deps);
    expect(out.listings.map((l) => [l.itemNumber, l.action, l.asin])).toEqual([
      ["I1", "offer-created", "B0CROSSREF"],
      ["I2", "offer-created", "B0CATALOG2"],
      ["I3", "created", "B0NEW00001"],
    ]);
    const puts = amazon.calls
      .filter((c) => c.op === "put" && !c.preview)
      .map((c) => c.detail as { sku: string; requirements: string; attributes: Record<string, unknown> });
    expect(puts.map((p) => [p.sku, p.requirements])).toEqual([
      ["SKU-I1", "LISTING_OFFER_ONLY"],
      ["I2", "LISTING_OFFER_ONLY"],
      ["I3", "LISTING"],
    ]);
    expect(Object.keys(puts[1]!.attributes).sort()).toEqual(["condition_type", "merchant_suggested_asin", "purchasable_offer"]);
    expect(puts[2]!.attributes.externally_assigned_product_identifier).toEqual([
      { type: "upc", value: "000000000033", marketplace_id: US },
    ]);
    // One listing read and one catalog search per identifier type for all three, in one marketplace.
    expect(amazon.count("readListings")).toBe(1);
    expect(amazon.count("findCatalogItems")).toBe(2);
    // Every put was previewed first.
    expect(amazon.count("put", { preview: true })).toBe(3);
    // The ASINs Amazon knows become suggestions for sku-crossref.json (I1's entry has it already).
    expect((await getListingRecord(state, "I1", US))!.crossrefSuggestion).toBeUndefined();
    expect((await getListingRecord(state, "I3", US))!.crossrefSuggestion).toEqual({
      sellerSku: "I3",
      itemNumber: "I3",
      asin: "B0NEW00001",
    });
  });

  it("never half-publishes an incomplete product: nothing is written, a review item carries Amazon's message and a fix", async () => {
    d365.add(aProduct("E1", { itemGroup: "Earbuds" }), { upc: "000000000044", gbp: "9.00" });
    deps = publishDepsFor({
      d365,
      amazon,
      state,
      clock,
      file: aProductsFile({
        itemGroups: [
          { itemGroup: "Earbuds", productType: "HEADPHONES", template: "standard" },
          { itemGroup: "*", productType: "PRODUCT", template: "standard" },
        ],
      }),
    });
    const out = await publishProducts({ itemNumbers: ["E1"], marketplaceIds: [UK] }, deps);
    expect(out.listings[0]).toMatchObject({ action: "review" });
    expect(amazon.count("put", { preview: false })).toBe(0);
    expect(amazon.listings.size).toBe(0);
    const review = await getParked(state, "product-publish", reviewId("E1", UK));
    expect(review).toMatchObject({ reason: "listing-invalid", code: "amazon.90220" });
    expect(review!.description).toMatch(/Amazon 90220: 'headphones_form_factor' is required but not supplied\./);
    expect(review!.suggestion).toEqual({
      file: "products.json",
      itemGroup: "Earbuds",
      productType: "HEADPHONES",
      template: "standard",
      add: [{ attribute: "headphones_form_factor", title: "Form Factor", source: { constant: "<one of over_ear, on_ear, in_ear>" } }],
    });
    // Unchanged, it is not sent again; a replay (force) is.
    amazon.calls.length = 0;
    expect((await publishProducts({ itemNumbers: ["E1"], marketplaceIds: [UK] }, deps)).counts).toEqual({ unchanged: 1 });
    expect(amazon.calls).toEqual([]);
    await publishProducts({ itemNumbers: ["E1"], marketplaceIds: [UK], force: true }, deps);
    expect(amazon.count("put", { preview: true })).toBe(1);
  });

  it("stops at the mapping without calling Amazon when there is no price, and the review item says which agreement is missing", async () => {
    d365.add(aProduct("I1"), { upc: "000000000011" });
    const out = await publishProducts({ itemNumbers: ["I1"], marketplaceIds: [UK] }, deps);
    expect(out.listings[0]).toMatchObject({ action: "needs-mapping" });
    expect(amazon.calls).toEqual([]);
    const review = await getParked(state, "product-publish", reviewId("I1", UK));
    expect(review).toMatchObject({ reason: "needs-mapping", code: "products.noPrice" });
    // The price arrives in D365: the item publishes and its review item goes away.
    d365.prices.push({
      ...d365.prices[0]!,
      itemNumber: "I1",
      price: "8.50",
      perQuantity: "1",
      currency: "GBP",
      unit: "ea",
      customerAccount: "AMZ-UK",
      priceGroup: "",
      validFrom: "",
      validTo: "",
      fromQuantity: "0",
      toQuantity: "0",
      specific: false,
    });
    expect((await publishProducts({ itemNumbers: ["I1"], marketplaceIds: [UK] }, deps)).counts).toEqual({ created: 1 });
    expect(await getParked(state, "product-publish", reviewId("I1", UK))).toBeUndefined();
  });

  it("reports items D365 does not have and items a marketplace does not sell", async () => {
    d365.add(aProduct("B1", { itemGroup: "Bags" }), { gbp: "5.00" });
    const out = await publishProducts({ itemNumbers: ["B1", "NOPE"] }, deps);
    expect(out.listings.filter((l) => l.marketplaceId === US).map((l) => [l.itemNumber, l.action])).toEqual([
      ["B1", "not-sold"],
      ["NOPE", "not-found"],
    ]);
  });
});

describe("failures", () => {
  beforeEach(() => {
    for (const i of ["I1", "I2"]) d365.add(aProduct(i), { upc: `00000000001${i.slice(1)}`, gbp: "9.00" });
  });

  it("a listing Amazon refuses outright becomes a review item and the rest of the batch goes on", async () => {
    amazon.failures.push({ op: "put", error: refused() });
    const out = await publishProducts({ itemNumbers: ["I1", "I2"], marketplaceIds: [US] }, deps);
    expect(out.listings.map((l) => l.action)).toEqual(["review", "created"]);
    expect((await getParked(state, "product-publish", reviewId("I1", US)))!.description).toMatch(/bad attribute/);
  });

  it("throttling throws (the message is redelivered), and the redelivery sends only what was not done", async () => {
    amazon.failures.push({ op: "put", error: throttled() }, { op: "put", error: throttled() });
    // The first put of each of the first two deliveries (I1's preview) is throttled.
    await expect(publishProducts({ itemNumbers: ["I1", "I2"], marketplaceIds: [US] }, deps)).rejects.toBeInstanceOf(ThrottledError);
    await expect(publishProducts({ itemNumbers: ["I1", "I2"], marketplaceIds: [US] }, deps)).rejects.toBeInstanceOf(ThrottledError);
    const out = await publishProducts({ itemNumbers: ["I1", "I2"], marketplaceIds: [US] }, deps);
    expect(out.counts).toEqual({ created: 2 });
    amazon.calls.length = 0;
    expect((await publishProducts({ itemNumbers: ["I1", "I2"], marketplaceIds: [US] }, deps)).counts).toEqual({ unchanged: 2 });
    expect(amazon.calls).toEqual([]);
    expect(amazon.listings.size).toBe(2);
  });
});
