/**
 * Products through the connector against the simulator: catalog search by barcode, product type definitions,
 * VALIDATION_PREVIEW with Amazon's issues for an incomplete product, new listings and offers on existing ASINs,
 * listing issues and status with their notifications, price changes, listings per seller.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textAttribute, type SpApiClient } from "../../../src/amazon";
import { DEMO_BARCODES, DEMO_UNLISTED_PRODUCTS, gtin14Of, upcOf } from "../../../src/local/demo-barcodes";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { demoUpc as d365Upc } from "../../../src/local/d365-sim/demo-company";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, control, startSim } from "./sim-client";

const US = "ATVPDKIKX0DER";
const DE = "A1PA6795UKMFR9";
let sim: SpApiSimulator;
let client: SpApiClient;

beforeAll(async () => {
  sim = await startSim({ timeScale: 100 });
  client = clientFor(sim);
});
afterAll(async () => {
  await sim?.stop();
});

const webcam = DEMO_UNLISTED_PRODUCTS.find((p) => p.sku === "DEMO-WEBCAM-HD")!;
const fullAttributes = (mp: string, extra: Record<string, unknown[]> = {}) => ({
  item_name: textAttribute(webcam.title, mp, "en_US"),
  brand: textAttribute("DemoBrand", mp),
  externally_assigned_product_identifier: [{ type: "ean", value: webcam.ean, marketplace_id: mp }],
  product_description: textAttribute("A 1080p webcam with a privacy shutter.", mp),
  bullet_point: [...textAttribute("1080p at 30 fps", mp), ...textAttribute("Privacy shutter", mp)],
  condition_type: [{ value: "new_new", marketplace_id: mp }],
  purchasable_offer: [{ marketplace_id: mp, currency: "USD", our_price: [{ schedule: [{ value_with_tax: 54.99 }] }] }],
  fulfillment_availability: [{ fulfillment_channel_code: "DEFAULT", quantity: 10 }],
  ...extra,
});

describe("products", () => {
  it("knows the demo items by the very UPC-A the D365 simulator gives them (ProductBarcodesV3)", async () => {
    for (const p of DEMO_PRODUCTS)
      expect(upcOf(DEMO_BARCODES.find((b) => b.itemNumber === p.itemNumber)!.ean), p.itemNumber).toBe(d365Upc(p.itemNumber));
    const upc = d365Upc("D0003");
    expect(await client.catalog.findAsinByBarcode(upc, "UPC", US)).toBe("B0DEMO0003");
  });

  it("finds the existing ASIN of a demo product by EAN, UPC or GTIN, and none for the products Amazon's catalog does not know", async () => {
    const speaker = DEMO_BARCODES.find((b) => b.sku === "DEMO-SPEAKER-BLK")!;
    expect(await client.catalog.findAsinByBarcode(speaker.ean, "EAN", US)).toBe("B0DEMO0001");
    expect(await client.catalog.findAsinByBarcode(upcOf(speaker.ean)!, "UPC", US)).toBe("B0DEMO0001");
    expect(await client.catalog.findAsinByBarcode(gtin14Of(speaker.ean), "GTIN", DE)).toBe("B0DEMO0001");
    expect(await client.catalog.findAsinByBarcode(DEMO_BARCODES.find((b) => b.sku === "DEMO-BAG-15")!.ean, "EAN", US)).toBeUndefined();
    const powerbank = DEMO_UNLISTED_PRODUCTS.find((p) => p.catalogAsin)!;
    expect(await client.catalog.findAsinByBarcode(powerbank.ean, "EAN", US)).toBe(powerbank.catalogAsin);
    expect(await client.catalog.findAsinByBarcode(webcam.ean, "EAN", US)).toBeUndefined();
    const found = await client.catalog.searchByIdentifiers(
      DEMO_BARCODES.map((b) => b.ean),
      "EAN",
      US,
    );
    expect(found.map((i) => i.asin).sort()).toEqual(
      DEMO_BARCODES.filter((b) => b.inAmazonCatalog)
        .map((b) => `B0DEMO000${b.itemNumber.slice(-1)}`)
        .sort(),
    );
  });

  it("serves PRODUCT and HEADPHONES definitions with their required attributes and a downloadable schema", async () => {
    const def = await client.catalog.getDefinitionsProductType("PRODUCT", US);
    expect(def).toMatchObject({ productType: "PRODUCT", requirements: "LISTING", requirementsEnforced: "ENFORCED", locale: "en_US" });
    const schema = await client.catalog.downloadProductTypeSchema(def);
    expect(schema.required).toEqual([
      "item_name",
      "brand",
      "externally_assigned_product_identifier",
      "product_description",
      "bullet_point",
      "condition_type",
    ]);
    expect(Object.keys(schema.properties)).toContain("purchasable_offer");
    expect(await client.catalog.requiredAttributes("HEADPHONES", DE)).toContain("headphones_form_factor");
    expect(await client.catalog.requiredAttributes("PRODUCT", US, "LISTING_OFFER_ONLY")).toEqual([
      "condition_type",
      "merchant_suggested_asin",
    ]);
    await expect(client.catalog.getDefinitionsProductType("TOASTER_OVEN", US)).rejects.toMatchObject({ code: "spapi.notFound" });
  });

  it("answers VALIDATION_PREVIEW for an incomplete product with Amazon's issues and changes nothing", async () => {
    const { brand: _, bullet_point: __, ...incomplete } = fullAttributes(US);
    const r = await client.listings.put(webcam.sku, {
      marketplaceIds: [US],
      productType: "PRODUCT",
      attributes: incomplete,
      mode: "VALIDATION_PREVIEW",
    });
    expect(r.status).toBe("INVALID");
    expect(r.issues?.map((i) => [i.code, i.message, i.attributeNames])).toEqual([
      ["90220", "'brand' is required but not supplied.", ["brand"]],
      ["90220", "'bullet_point' is required but not supplied.", ["bullet_point"]],
    ]);
    const earbuds = DEMO_UNLISTED_PRODUCTS.find((p) => p.productType === "HEADPHONES")!;
    const h = await client.listings.put(earbuds.sku, {
      marketplaceIds: [US],
      productType: "HEADPHONES",
      attributes: fullAttributes(US),
      mode: "VALIDATION_PREVIEW",
    });
    expect(h.issues?.map((i) => i.attributeNames?.[0])).toEqual(["headphones_form_factor"]);
    expect(await client.listings.get(webcam.sku, [US])).toBeUndefined();
    expect(
      (
        await client.listings.put(webcam.sku, {
          marketplaceIds: [US],
          productType: "PRODUCT",
          attributes: fullAttributes(US),
          mode: "VALIDATION_PREVIEW",
        })
      ).status,
    ).toBe("VALID");
    expect(await client.listings.get(webcam.sku, [US])).toBeUndefined();
  });

  it("creates a new listing (new ASIN) and an offer on an existing ASIN, each notifying its status", async () => {
    const r = await client.listings.put(webcam.sku, { marketplaceIds: [US], productType: "PRODUCT", attributes: fullAttributes(US) });
    expect(r.status).toBe("ACCEPTED");
    const asin = r.identifiers?.[0].asin;
    expect(asin).toMatch(/^B0SIM/);
    const listing = (await client.listings.get(webcam.sku, [US]))!;
    expect(listing.summaries?.[0]).toMatchObject({
      asin,
      productType: "PRODUCT",
      status: ["BUYABLE", "DISCOVERABLE"],
      itemName: webcam.title,
    });
    expect(listing.offers?.[0].price).toEqual({ currencyCode: "USD", amount: "54.99" });
    expect(await client.catalog.findAsinByBarcode(webcam.ean, "EAN", US)).toBe(asin);
    const powerbank = DEMO_UNLISTED_PRODUCTS.find((p) => p.catalogAsin)!;
    const offer = await client.listings.put(powerbank.sku, {
      marketplaceIds: [US],
      productType: "PRODUCT",
      requirements: "LISTING_OFFER_ONLY",
      attributes: {
        merchant_suggested_asin: [{ value: powerbank.catalogAsin, marketplace_id: US }],
        condition_type: [{ value: "new_new", marketplace_id: US }],
        purchasable_offer: [{ marketplace_id: US, currency: "USD", our_price: [{ schedule: [{ value_with_tax: 29.99 }] }] }],
      },
    });
    expect(offer).toMatchObject({ status: "ACCEPTED", identifiers: [{ marketplaceId: US, asin: powerbank.catalogAsin }] });
    const status = sim.sim.notifications("LISTINGS_ITEM_STATUS_CHANGE").map((n: any) => [n.Payload.Sku, n.Payload.Status]);
    expect(status).toEqual([
      [webcam.sku, ["BUYABLE", "DISCOVERABLE"]],
      [powerbank.sku, ["BUYABLE", "DISCOVERABLE"]],
    ]);
  });

  it("shows the seeded incomplete listing's issue and suppressed status; completing it clears both and notifies", async () => {
    const before = (await client.listings.get("DEMO-BAG-15", [DE]))!;
    expect(before.summaries?.[0].status).toEqual(["BUYABLE"]);
    expect(before.issues).toMatchObject([
      { code: "90220", attributeNames: ["product_description"], enforcements: { actions: [{ action: "SEARCH_SUPPRESSED" }] } },
    ]);
    const flagged = [];
    for await (const l of client.listings.search({ marketplaceIds: [DE], withIssueSeverity: ["ERROR"] })) flagged.push(l.sku);
    expect(flagged).toEqual(["DEMO-BAG-15"]);
    const r = await client.listings.patch("DEMO-BAG-15", {
      marketplaceIds: [DE],
      productType: "PRODUCT",
      patches: [
        { op: "add", path: "/attributes/product_description", value: textAttribute("Laptoptasche für 15-Zoll-Geräte", DE, "de_DE") },
      ],
    });
    expect(r.status).toBe("ACCEPTED");
    const after = (await client.listings.get("DEMO-BAG-15", [DE]))!;
    expect([after.summaries?.[0].status, after.issues]).toEqual([["BUYABLE", "DISCOVERABLE"], []]);
    expect(sim.sim.notifications("LISTINGS_ITEM_ISSUES_CHANGE").map((n: any) => n.Payload)).toMatchObject([
      { Sku: "DEMO-BAG-15", MarketplaceId: DE, Severities: ["NONE"] },
    ]);
  });

  it("changes a price by patch and refuses a patch that removes a required attribute", async () => {
    expect(
      (
        await client.listings.setPrice("DEMO-CHARGER-65W", {
          marketplaceId: DE,
          currencyCode: "EUR",
          amount: "36.50",
          productType: "PRODUCT",
        })
      ).status,
    ).toBe("ACCEPTED");
    expect((await client.listings.get("DEMO-CHARGER-65W", [DE]))!.offers?.[0].price).toEqual({ currencyCode: "EUR", amount: "36.50" });
    const r = await client.listings.patch("DEMO-CHARGER-65W", {
      marketplaceIds: [DE],
      productType: "PRODUCT",
      patches: [{ op: "delete", path: "/attributes/brand" }],
    });
    expect(r.status).toBe("INVALID");
    expect(r.issues?.[0].code).toBe("90220");
    await expect(
      client.listings.setPrice("DEMO-CHARGER-65W", { marketplaceId: DE, currencyCode: "EUR", amount: "36,50", productType: "PRODUCT" }),
    ).rejects.toThrow("decimal string");
  });

  it("keeps listings per seller: another seller's id is refused, and the control endpoint lists this seller's listings", async () => {
    await expect(clientFor(sim, { sellerId: "A9OTHERSELLER" }).listings.get("DEMO-BAG-15", [DE])).rejects.toMatchObject({
      code: "spapi.unauthorized",
    });
    const { json } = await control(sim, "GET", "/_control/listings?sku=DEMO-HEADPHONES");
    expect(json.listings.map((l: any) => [l.marketplaceId, l.productType])).toEqual([
      [US, "HEADPHONES"],
      ["A1F83G8C2ARO7P", "HEADPHONES"],
      [DE, "HEADPHONES"],
    ]);
  });
});
