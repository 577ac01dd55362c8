import { describe, expect, it } from "vitest";
import {
  attributeHashes,
  buildAttributes,
  checkDefinition,
  contains,
  patchesAgainst,
  patchesSince,
  summarize,
} from "../../../src/flows/products/attributes";
import type { DesiredListing } from "../../../src/flows/products/desired";
import { aDefinition, US } from "./builders";

function aDesired(o: Partial<DesiredListing> = {}): DesiredListing {
  return {
    itemNumber: "I1",
    marketplaceId: US,
    company: "usmf",
    itemGroup: "Audio",
    sku: "SKU-1",
    productType: "PRODUCT",
    template: "standard",
    languageTag: "en_US",
    currency: "USD",
    values: {
      item_name: ["Speaker"],
      product_description: ["A speaker"],
      bullet_point: ["Loud", "Small"],
      brand: ["DemoBrand"],
      condition_type: ["new_new"],
    },
    price: "49.90",
    barcode: { type: "upc", value: "084000000015" },
    problems: [],
    ...o,
  };
}

describe("listing attributes for a product type definition", () => {
  it("gives text attributes a language tag and every value the marketplace, as the definition describes them", () => {
    const { attributes, ignored } = buildAttributes(aDesired(), aDefinition("PRODUCT", US, "LISTING"));
    expect(attributes.item_name).toEqual([{ value: "Speaker", language_tag: "en_US", marketplace_id: US }]);
    expect(attributes.bullet_point).toHaveLength(2);
    expect(attributes.condition_type).toEqual([{ value: "new_new", marketplace_id: US }]);
    expect(attributes.purchasable_offer).toEqual([
      { marketplace_id: US, currency: "USD", our_price: [{ schedule: [{ value_with_tax: "49.90" }] }] },
    ]);
    expect(attributes.externally_assigned_product_identifier).toEqual([{ type: "upc", value: "084000000015", marketplace_id: US }]);
    expect(ignored).toEqual([]);
  });

  it("sends an offer on an existing ASIN with only the offer's attributes", () => {
    const { attributes, ignored } = buildAttributes(aDesired(), aDefinition("PRODUCT", US, "LISTING_OFFER_ONLY"), { asin: "B0CAT00001" });
    expect(Object.keys(attributes).sort()).toEqual(["condition_type", "merchant_suggested_asin", "purchasable_offer"]);
    expect(attributes.merchant_suggested_asin).toEqual([{ value: "B0CAT00001", marketplace_id: US }]);
    expect(ignored.sort()).toEqual(["brand", "bullet_point", "item_name", "product_description"]);
  });

  it("leaves out attributes the definition does not know and never writes the FBM quantity", () => {
    const d = aDesired({ values: { ...aDesired().values, color: ["red"], fulfillment_availability: [5] } });
    const { attributes, ignored } = buildAttributes(d, aDefinition("PRODUCT", US, "LISTING"));
    expect(attributes.color).toBeUndefined();
    expect(attributes.fulfillment_availability).toBeUndefined();
    expect(ignored).toEqual(["color"]);
  });
});

describe("the definition check before anything is sent", () => {
  it("names every required attribute the mapping does not fill, with the values the definition allows", () => {
    const def = aDefinition("HEADPHONES", US, "LISTING");
    const { attributes } = buildAttributes(aDesired({ productType: "HEADPHONES" }), def);
    const issues = checkDefinition(attributes, def, { create: true });
    expect(issues).toEqual([
      expect.objectContaining({
        code: "definition.required",
        attributeNames: ["headphones_form_factor"],
        source: "definition",
        message:
          "'headphones_form_factor' (Form Factor; one of over_ear, on_ear, in_ear) is required by HEADPHONES (LISTING) in ATVPDKIKX0DER; the mapping gives no value",
      }),
    ]);
  });

  it("takes a GTIN exemption for the barcode, refuses values outside the enumeration or too long, and a patch that deletes a required attribute", () => {
    const def = aDefinition("PRODUCT", US, "LISTING");
    const exempt = buildAttributes(
      aDesired({ barcode: undefined, values: { ...aDesired().values, supplier_declared_has_product_identifier_exemption: [true] } }),
      def,
    );
    expect(checkDefinition(exempt.attributes, def, { create: true })).toEqual([]);
    const { attributes } = buildAttributes(
      aDesired({ values: { ...aDesired().values, condition_type: ["mint"], item_name: ["x".repeat(201)] } }),
      def,
    );
    expect(
      checkDefinition(attributes, def, { create: true })
        .map((i) => i.code)
        .sort(),
    ).toEqual(["definition.enum", "definition.maxLength"]);
    expect(checkDefinition({}, def, { create: false, deletes: ["brand"] })[0]).toMatchObject({
      code: "definition.required",
      attributeNames: ["brand"],
    });
  });
});

describe("what changed since the last publish", () => {
  const def = aDefinition("PRODUCT", US, "LISTING");
  const before = buildAttributes(aDesired(), def).attributes;

  it("patches only the attributes whose hash changed, deletes what the mapping dropped, never the identifiers", () => {
    const hashes = attributeHashes(before);
    expect(Object.keys(hashes)).not.toContain("externally_assigned_product_identifier");
    expect(patchesSince(before, hashes)).toEqual([]);
    const cheaper = buildAttributes(aDesired({ price: "44.90" }), def).attributes;
    expect(patchesSince(cheaper, hashes)).toEqual([{ op: "replace", attribute: "purchasable_offer", value: cheaper.purchasable_offer }]);
    const { bullet_point: _, ...values } = aDesired().values;
    const fewer = buildAttributes(aDesired({ values }), def).attributes;
    expect(patchesSince(fewer, hashes)).toEqual([{ op: "delete", attribute: "bullet_point" }]);
  });

  it("compares with a live listing by content: Amazon's extra fields and 49.9 for 49.90 are no change", () => {
    const live = structuredClone(before);
    live.purchasable_offer = [
      { marketplace_id: US, currency: "USD", audience: "ALL", our_price: [{ schedule: [{ value_with_tax: 49.9 }] }] },
    ];
    live.item_name = [
      { value: "Speaker", language_tag: "en_US", marketplace_id: US },
      { value: "Lautsprecher", marketplace_id: "A1PA6795UKMFR9" },
    ];
    expect(patchesAgainst(before, live)).toEqual([]);
    delete live.product_description;
    live.brand = [{ value: "Other", language_tag: "en_US", marketplace_id: US }];
    expect(
      patchesAgainst(before, live)
        .map((p) => p.attribute)
        .sort(),
    ).toEqual(["brand", "product_description"]);
    expect(contains([{ value: "49.90" }], [{ value: "49.91" }])).toBe(false);
    expect(contains([{ value: 1 }, { value: 2 }], [{ value: 1 }])).toBe(false);
  });

  it("summarizes what was published as a person reads it", () => {
    expect(summarize(before)).toMatchObject({
      item_name: "Speaker",
      bullet_point: "Loud | Small",
      purchasable_offer: "49.90 USD",
      externally_assigned_product_identifier: "upc 084000000015",
    });
  });
});
