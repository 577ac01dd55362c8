import { describe, expect, it } from "vitest";
import {
  agreementPrice,
  desiredListing,
  fieldsRead,
  isSelected,
  languageTagOf,
  marketplaceSettings,
  planHash,
  sellerSkuOf,
  templateValues,
  type MarketplaceSettings,
} from "../../../src/flows/products/desired";
import { ProductsFile, resolveTemplate } from "../../../src/mapping/products";
import { aPriceLine, aProduct, aProductsFile, MARKETPLACES, UK, US } from "./builders";

const file = aProductsFile();
const settings = marketplaceSettings(file, (id) => MARKETPLACES.marketplaces.find((m) => m.marketplaceId === id)).settings;
const us = settings.find((s) => s.marketplaceId === US)!;
const uk = settings.find((s) => s.marketplaceId === UK)!;
const upc = { itemNumber: "I1", barcodeSetupId: "UPC", barcode: "084000000015", variant: false, unit: "ea" };

function desired(m: MarketplaceSettings, p = aProduct("I1"), extra: Partial<Parameters<typeof desiredListing>[0]> = {}) {
  return desiredListing({ file, marketplace: m, product: p, barcodes: [upc], prices: [], crossref: [], today: "2026-11-20", ...extra });
}

describe("which products a marketplace sells", () => {
  it("selects by item group (* for any), by item number or by conditions on fields, minus the excluded items", () => {
    const p = aProduct("I1", { itemGroup: "Audio", fields: { FirstProductFilterCode: "AMZ" } });
    expect(isSelected({ itemGroups: ["audio"] }, p)).toBe(true);
    expect(isSelected({ itemGroups: ["Cables"] }, p)).toBe(false);
    expect(isSelected({ itemGroups: ["*"], exclude: ["i1"] }, p)).toBe(false);
    expect(isSelected({ items: ["I1"] }, p)).toBe(true);
    expect(isSelected({ where: [{ field: "FirstProductFilterCode", in: ["AMZ", "ALL"] }] }, p)).toBe(true);
    expect(isSelected({ where: [{ field: "FirstProductFilterCode", in: ["NONE"] }] }, p)).toBe(false);
    expect(desired(us, aProduct("I2", { itemGroup: "Bags" }))).toBeUndefined();
    expect(desired(uk, aProduct("I2", { itemGroup: "Bags" }))).toBeDefined();
  });

  it("takes legal entity, currency and language from marketplaces.json unless products.json gives them", () => {
    expect(us).toMatchObject({ company: "usmf", currency: "USD", languageTag: "en_US", customerAccount: "AMZ-US" });
    expect(languageTagOf("de")).toBeUndefined();
    const f = aProductsFile({ marketplaces: [{ marketplaceId: "A1PA6795UKMFR9", products: { itemGroups: ["*"] } }] });
    const r = marketplaceSettings(f, () => undefined);
    expect(r.settings).toEqual([]);
    expect(r.problems[0]).toMatch(/A1PA6795UKMFR9: no dataAreaId, currency, languageTag/);
  });
});

describe("the desired listing of a product", () => {
  it("fills the template from D365 fields, text with placeholders and constants; an empty field gives no value", () => {
    const d = desired(us, aProduct("I1", { name: "Speaker", description: "" }))!;
    expect(d.values).toEqual({
      item_name: ["Speaker"],
      bullet_point: ["Speaker: made to last", "Two-year warranty"],
      brand: ["DemoBrand"],
      condition_type: ["new_new"],
    });
    expect(d).toMatchObject({ productType: "PRODUCT", template: "standard", languageTag: "en_US", currency: "USD", sku: "I1" });
    expect(d.barcode).toEqual({ type: "upc", value: "084000000015" });
  });

  it("gives each item group its product type and template; templates extend others and null drops an attribute", () => {
    const d = desired(uk, aProduct("I1", { itemGroup: "Headphones" }))!;
    expect(d.productType).toBe("HEADPHONES");
    expect(d.values.headphones_form_factor).toEqual(["over_ear"]);
    const f = aProductsFile({
      templates: { ...file.templates, plain: { extends: "headphones", attributes: { bullet_point: null, brand: { constant: "Other" } } } },
    });
    expect(Object.keys(resolveTemplate(f, "plain")).sort()).toEqual([
      "brand",
      "condition_type",
      "headphones_form_factor",
      "item_name",
      "product_description",
    ]);
    expect(resolveTemplate(f, "plain").brand).toEqual({ constant: "Other" });
    expect(templateValues({ item_name: { field: "ProductName", maxLength: 4 } }, aProduct("I1", { name: "Speaker" }))).toEqual({
      item_name: ["Spea"],
    });
  });

  it("names the seller SKU from sku-crossref.json (the marketplace's entry first), else from the SKU template", () => {
    const crossref = [
      { sellerSku: "SKU-ALL", itemNumber: "I1" },
      { sellerSku: "SKU-UK", itemNumber: "I1", marketplaceIds: [UK], asin: "B000000001" },
    ];
    expect(sellerSkuOf(aProduct("I1"), US, crossref, "{ItemNumber}").sku).toBe("SKU-ALL");
    expect(sellerSkuOf(aProduct("I1"), UK, crossref, "{ItemNumber}").sku).toBe("SKU-UK");
    expect(sellerSkuOf(aProduct("I9"), UK, crossref, "AMZ-{ItemNumber}").sku).toBe("AMZ-I9");
    expect(desired(uk, aProduct("I1"), { crossref, prices: [aPriceLine("I1", "9.00")] })).toMatchObject({
      sku: "SKU-UK",
      crossrefAsin: "B000000001",
    });
  });

  it("prices by the item's sales price per price quantity, rounded to the currency's minor unit", () => {
    expect(desired(us, aProduct("I1", { salesPrice: "49.99" }))!.price).toBe("49.99");
    expect(desired(us, aProduct("I1", { salesPrice: "100", salesPriceQuantity: "3" }))!.price).toBe("33.33");
    expect(desired(us, aProduct("I1", { salesPrice: "0" }))!.problems.map((p) => p.code)).toEqual(["products.noPrice"]);
  });

  it("prices by the trade agreement valid today for one unit; without one the listing waits for a price", () => {
    const p = aProduct("I1");
    const lines = [
      aPriceLine("I1", "40.00", { validFrom: "2020-01-01" }),
      aPriceLine("I1", "44.99", { validFrom: "2026-06-01" }),
      aPriceLine("I1", "30.00", { validFrom: "2027-01-01" }),
      aPriceLine("I1", "20.00", { validFrom: "2026-07-01", validTo: "2026-08-01" }),
      aPriceLine("I1", "10.00", { fromQuantity: "10" }),
      aPriceLine("I1", "11.00", { specific: true, validFrom: "2026-11-01" }),
      aPriceLine("I1", "12.00", { unit: "box", validFrom: "2026-11-01" }),
      aPriceLine("I1", "13.00", { currency: "EUR", validFrom: "2026-11-01" }),
    ];
    expect(agreementPrice(lines, p, "GBP", "2026-11-20")).toBe("44.99");
    expect(agreementPrice([aPriceLine("I1", "90", { perQuantity: "4" })], p, "GBP", "2026-11-20")).toBe("22.50");
    expect(desired(uk, p, { prices: lines })!.price).toBe("44.99");
    const none = desired(uk, p, { prices: [] })!;
    expect(none.price).toBeUndefined();
    expect(none.problems[0]).toMatchObject({ code: "products.noPrice" });
    expect(none.problems[0]!.message).toMatch(/no sales price trade agreement for customer AMZ-UK in GBP valid on 2026-11-20/);
    const fallback = aProductsFile({
      marketplaces: [{ marketplaceId: UK, products: { itemGroups: ["*"] }, price: { source: "tradeAgreement", fallback: "salesPrice" } }],
    });
    const m = marketplaceSettings(fallback, (id) => MARKETPLACES.marketplaces.find((x) => x.marketplaceId === id)).settings[0]!;
    expect(
      desiredListing({ file: fallback, marketplace: m, product: p, barcodes: [], prices: [], crossref: [], today: "2026-11-20" })!.price,
    ).toBe("10.00");
  });

  it("says when an item group has no product type, and suggests the entry", () => {
    const f = aProductsFile({ itemGroups: [{ itemGroup: "Audio", productType: "PRODUCT", template: "standard" }] });
    const m = marketplaceSettings(f, (id) => MARKETPLACES.marketplaces.find((x) => x.marketplaceId === id)).settings[1]!;
    const d = desiredListing({
      file: f,
      marketplace: m,
      product: aProduct("I1", { itemGroup: "Bags" }),
      barcodes: [],
      prices: [aPriceLine("I1", "5")],
      crossref: [],
      today: "2026-11-20",
    })!;
    expect(d.problems[0]).toMatchObject({
      code: "products.noProductType",
      suggestion: { itemGroups: [{ itemGroup: "Bags", productType: "PRODUCT" }] },
    });
  });

  it("hashes what decides the listing: the same data gives the same hash, a price or a name changes it", () => {
    const a = desired(us, aProduct("I1", { salesPrice: "49.99" }))!;
    expect(planHash(desired(us, aProduct("I1", { salesPrice: "49.99" }))!)).toBe(planHash(a));
    expect(planHash(desired(us, aProduct("I1", { salesPrice: "52.99" }))!)).not.toBe(planHash(a));
    expect(planHash(desired(us, aProduct("I1", { salesPrice: "49.99", name: "New name" }))!)).not.toBe(planHash(a));
  });

  it("reads only the D365 fields the mapping names", () => {
    expect(fieldsRead(aProductsFile({ sellerSku: { template: "AMZ-{SearchName}" } }))).toEqual([
      "ProductDescription",
      "ProductName",
      "SearchName",
    ]);
  });
});

describe("products.json", () => {
  it("refuses a template that does not exist, templates that extend each other, and a duplicate marketplace", () => {
    const bad = ProductsFile.safeParse({
      marketplaces: [
        { marketplaceId: US, products: { itemGroups: ["*"] } },
        { marketplaceId: US, products: { items: ["I1"] } },
      ],
      itemGroups: [{ itemGroup: "*", productType: "PRODUCT", template: "missing" }],
      templates: { a: { extends: "b", attributes: {} }, b: { extends: "a", attributes: {} } },
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "marketplaces.1.marketplaceId: duplicate marketplace ATVPDKIKX0DER",
        "itemGroups.0.template: no template named missing",
        "templates.a.extends: templates extend each other: a -> b -> a",
      ]),
    );
    expect(ProductsFile.safeParse({ marketplaces: [{ marketplaceId: US, products: {} }], itemGroups: [], templates: {} }).success).toBe(
      false,
    );
  });
});
