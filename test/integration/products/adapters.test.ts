/**
 * The products flow's adapters against the simulators: what they read from ReleasedProductsV2 (with the name
 * and description ReleasedProductCreationsV2 answers), ProductBarcodesV3 and SalesPriceAgreements, and what
 * they make of listings, catalog matches and product type definitions.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { demoUpc } from "../../../src/local/d365-sim/demo-company";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { SpApiListings } from "../../../src/wiring/adapters/amazon-listings";
import { ODataProducts } from "../../../src/wiring/adapters/d365-products";
import { clientFor } from "../amazon/sim-client";
import { d365For } from "../orders/sim-deps";
import { DE, UK, US } from "./sim-deps";

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let d365: ODataProducts;
let amazon: SpApiListings;

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 3 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "products-adapters-")) });
  d365 = new ODataProducts(d365For(d365Sim));
  amazon = new SpApiListings(clientFor(spapi, { maxRetries: 3 }));
}, 30_000);

afterAll(async () => {
  await spapi?.stop();
  await d365Sim?.stop();
});

describe("ODataProducts on the D365 simulator", () => {
  it("reads released products by item group or number, with ProductName and ProductDescription from ReleasedProductCreationsV2", async () => {
    d365Sim.clearRequests();
    const rows = await d365.releasedProducts({
      company: "USMF",
      itemGroups: ["Headphones", "Earbuds"],
      itemNumbers: ["D0012"],
      fields: ["ProductName", "ProductDescription", "SearchName"],
    });
    expect(rows.map((r) => [r.itemNumber, r.itemGroup]).sort()).toEqual([
      ["D0003", "Headphones"],
      ["D0012", "Peripheral"],
      ["D0013", "Earbuds"],
    ]);
    expect(rows.find((r) => r.itemNumber === "D0012")).toMatchObject({
      salesUnit: "ea",
      salesPrice: "54.99",
      salesPriceQuantity: "1",
      fields: {
        ProductName: "Demo HD Webcam",
        ProductDescription: "A 1080p webcam with a privacy shutter and two microphones.",
        SearchName: "Demo HD Webcam",
      },
    });
    expect(d365Sim.requests().counts).toMatchObject({ "ReleasedProductsV2 GET": 1, "ReleasedProductCreationsV2 GET": 1 });
    expect((await d365.releasedProducts({ company: "usmf", fields: [] })).length).toBe(13);
  });

  it("reads the bar codes of the setups asked for, and trade agreement lines of a customer or a price group", async () => {
    const barcodes = await d365.barcodes({ company: "usmf", barcodeSetupIds: ["UPC"], itemNumbers: ["D0001", "D0011"] });
    expect(barcodes.map((b) => [b.itemNumber, b.barcode, b.variant])).toEqual([
      ["D0001", demoUpc("D0001"), false],
      ["D0011", demoUpc("D0011"), false],
    ]);
    const uk = await d365.salesPrices({ company: "usmf", currency: "GBP", customerAccount: "AMZ-UK", itemNumbers: ["D0001"] });
    expect(uk).toEqual([
      expect.objectContaining({
        itemNumber: "D0001",
        price: "44.99",
        currency: "GBP",
        customerAccount: "AMZ-UK",
        validFrom: "2020-01-01",
        validTo: "",
        specific: false,
      }),
    ]);
    const de = await d365.salesPrices({ company: "usmf", currency: "EUR", priceGroup: "AMZ-EU" });
    expect(de).toHaveLength(13);
    expect(await d365.salesPrices({ company: "usmf", currency: "EUR", customerAccount: "AMZ-UK" })).toEqual([]);
  });
});

describe("SpApiListings on the SP-API simulator", () => {
  it("reads listings by SKU, one marketplace's view, with money as decimal strings", async () => {
    const found = await amazon.readListings(["DEMO-SPEAKER-BLK", "DEMO-BAG-15", "NO-SUCH-SKU"], DE);
    expect([...found.keys()].sort()).toEqual(["DEMO-BAG-15", "DEMO-SPEAKER-BLK"]);
    const bag = found.get("DEMO-BAG-15")!;
    expect(bag).toMatchObject({ asin: "B0DEMO0010", productType: "PRODUCT", status: ["BUYABLE"] });
    expect(bag.issues).toEqual([
      expect.objectContaining({ code: "90220", severity: "ERROR", attributeNames: ["product_description"], source: "amazon" }),
    ]);
    expect(bag.attributes.purchasable_offer).toEqual([
      { marketplace_id: DE, currency: "EUR", our_price: [{ schedule: [{ value_with_tax: "42" }] }] },
    ]);
    expect(
      Object.values(bag.attributes)
        .flat()
        .every((v) => v.marketplace_id === undefined || v.marketplace_id === DE),
    ).toBe(true);
    expect((await amazon.getListing("DEMO-SPEAKER-BLK", US))!.fnsku).toBe("X0DEMO0001");
    expect(await amazon.getListing("NO-SUCH-SKU", US)).toBeUndefined();
  });

  it("finds catalog items by the D365 UPC-A (whatever form Amazon gives the identifier in) and by ASIN", async () => {
    const upcs = ["D0001", "D0011", "D0012"].map(demoUpc);
    const hits = await amazon.findCatalogItems(upcs, "upc", UK);
    expect(Object.fromEntries(hits)).toEqual({ [upcs[0]!]: "B0DEMO0001", [upcs[1]!]: "B0CATPWR01" });
    expect(Object.fromEntries(await amazon.findCatalogItems(["B0CATPWR01", "B0NOTHERE1"], "asin", UK))).toEqual({
      B0CATPWR01: "B0CATPWR01",
    });
  });

  it("turns a product type's schema into what the flow checks: required, language-tagged text, enumerations, lengths", async () => {
    const def = await amazon.productType("HEADPHONES", DE, "LISTING");
    expect(def.required).toContain("headphones_form_factor");
    expect(def.attributes.item_name).toMatchObject({ title: "Item Name", languageTag: true, marketplaceId: true, maxLength: 200 });
    expect(def.attributes.condition_type).toMatchObject({ languageTag: false, enum: expect.arrayContaining(["new_new"]) });
    expect(def.attributes.headphones_form_factor!.enum).toEqual(["over_ear", "on_ear", "in_ear"]);
    expect(def.attributes.bullet_point!.maxItems).toBe(5);
    const offer = await amazon.productType("PRODUCT", DE, "LISTING_OFFER_ONLY");
    expect(offer.required).toEqual(["condition_type", "merchant_suggested_asin"]);
    expect(offer.attributes.item_name).toBeUndefined();
  });

  it("sends prices as JSON numbers and answers INVALID as a status, not an error", async () => {
    const preview = await amazon.patch(
      {
        sku: "DEMO-CABLE-USBC-1M",
        marketplaceId: US,
        productType: "PRODUCT",
        patches: [
          {
            op: "replace",
            attribute: "purchasable_offer",
            value: [{ marketplace_id: US, currency: "USD", our_price: [{ schedule: [{ value_with_tax: "10.49" }] }] }],
          },
        ],
      },
      "VALIDATION_PREVIEW",
    );
    expect(preview).toEqual({ status: "VALID", issues: [], asin: "B0DEMO0004" });
    const sent = spapi.sim.requests().at(-1)!;
    expect(JSON.stringify(sent.body)).toContain('"value_with_tax":10.49');
    const invalid = await amazon.put(
      { sku: "DEMO-EARBUDS-WL", marketplaceId: US, productType: "HEADPHONES", requirements: "LISTING", attributes: {} },
      "VALIDATION_PREVIEW",
    );
    expect(invalid.status).toBe("INVALID");
    expect(invalid.issues.map((i) => i.attributeNames?.[0])).toContain("headphones_form_factor");
  });
});
