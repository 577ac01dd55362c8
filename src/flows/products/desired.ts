/**
 * Pure: what each marketplace should show for a D365 product, from mappings/products.json (and
 * marketplaces.json, sku-crossref.json): whether the marketplace sells it, its seller SKU, product type,
 * template values, price and barcode. The result (a DesiredListing) is what the flow hashes to tell whether
 * anything changed since it was last published, so it holds resolved values only, never Amazon's JSON shape
 * (attributes.ts builds that with the product type definition at hand).
 */
import { createHash } from "node:crypto";
import type { MarketplaceMapping } from "../../mapping/marketplaces";
import {
  type AttributeSpec,
  type PriceSource,
  type ProductSelection,
  type ProductsFile,
  resolveTemplate,
  type ValueSource,
} from "../../mapping/products";
import type { SkuMapping } from "../../mapping/sku-crossref";
import { Dec, minorUnitOf } from "../../platform/money";
import type { BarcodeType, D365Barcode, D365Product, SalesPriceLine } from "./model";

/** One marketplace's products settings, with the defaults from marketplaces.json filled in. */
export interface MarketplaceSettings {
  marketplaceId: string;
  company: string;
  currency: string;
  languageTag: string;
  /** The marketplace's customer (marketplaces.json): whose trade agreements give the price by default. */
  customerAccount?: string;
  price?: PriceSource;
  selection: ProductSelection;
}

export type ScalarValue = string | number | boolean;

/** What a marketplace should show for one item. */
export interface DesiredListing {
  itemNumber: string;
  marketplaceId: string;
  company: string;
  itemGroup: string;
  sku: string;
  productType: string;
  template: string;
  languageTag: string;
  currency: string;
  /** Template attribute -> its values (empty attributes are left out). */
  values: Record<string, ScalarValue[]>;
  /** The unit price in the marketplace currency, a decimal string; absent when the price is not managed. */
  price?: string;
  barcode?: { type: BarcodeType; value: string };
  /** The item's ASIN in sku-crossref.json. */
  crossrefAsin?: string;
  /** Mapping gaps that stop the listing before anything is sent (no product type, no price, ...). */
  problems: { code: string; message: string; suggestion?: unknown }[];
}

/** `en-us` -> `en_US`. */
export function languageTagOf(languageId: string | undefined): string | undefined {
  const m = /^([a-z]{2})[-_]([a-z]{2})$/i.exec(languageId ?? "");
  return m ? `${m[1]!.toLowerCase()}_${m[2]!.toUpperCase()}` : undefined;
}

/** The marketplaces products.json sells in, with defaults from marketplaces.json; problems name what is missing. */
export function marketplaceSettings(
  file: ProductsFile,
  marketplace: (id: string) => MarketplaceMapping | undefined,
): { settings: MarketplaceSettings[]; problems: string[] } {
  const settings: MarketplaceSettings[] = [];
  const problems: string[] = [];
  for (const m of file.marketplaces) {
    const base = marketplace(m.marketplaceId);
    const company = (m.dataAreaId ?? base?.dataAreaId)?.toLowerCase();
    const currency = m.currency ?? base?.currency;
    const languageTag = m.languageTag ?? languageTagOf(base?.languageId);
    const missing = [!company && "dataAreaId", !currency && "currency", !languageTag && "languageTag"].filter(Boolean);
    if (missing.length) {
      problems.push(
        `products.json marketplace ${m.marketplaceId}: no ${missing.join(", ")} (give it here or in marketplaces.json); the marketplace is skipped`,
      );
      continue;
    }
    settings.push({
      marketplaceId: m.marketplaceId,
      company: company!,
      currency: currency!,
      languageTag: languageTag!,
      ...(base?.customerAccount ? { customerAccount: base.customerAccount } : {}),
      ...(m.price ? { price: m.price } : {}),
      selection: m.products,
    });
  }
  return { settings, problems };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether the marketplace sells the product. */
export function isSelected(selection: ProductSelection, p: D365Product): boolean {
  if (selection.exclude?.some((x) => same(x, p.itemNumber))) return false;
  if (selection.itemGroups?.some((g) => g === "*" || same(g, p.itemGroup))) return true;
  if (selection.items?.some((x) => same(x, p.itemNumber))) return true;
  if (selection.where) return selection.where.every((w) => w.in.some((v) => v === (p.fields[w.field] ?? "")));
  return false;
}

/** The D365 fields the mapping reads (templates and `where` conditions). */
export function fieldsRead(file: ProductsFile): string[] {
  const out = new Set<string>();
  const add = (s: ValueSource) => {
    if ("field" in s) out.add(s.field);
    else if ("text" in s) for (const m of s.text.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)\}/g)) out.add(m[1]!);
  };
  for (const t of Object.values(file.templates))
    for (const spec of Object.values(t.attributes)) if (spec) for (const s of Array.isArray(spec) ? spec : [spec]) add(s);
  for (const m of file.marketplaces) for (const w of m.products.where ?? []) out.add(w.field);
  for (const m of file.sellerSku.template.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)\}/g)) out.add(m[1]!);
  out.delete("ItemNumber");
  return [...out].sort();
}

function fill(text: string, p: D365Product): string | undefined {
  let empty = false;
  const out = text.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_, f: string) => {
    const v = f === "ItemNumber" ? p.itemNumber : (p.fields[f] ?? "").trim();
    if (!v) empty = true;
    return v;
  });
  return empty ? undefined : out;
}

function resolveSource(s: ValueSource, p: D365Product): ScalarValue | undefined {
  if ("constant" in s) return s.constant;
  const raw = "field" in s ? (s.field === "ItemNumber" ? p.itemNumber : (p.fields[s.field] ?? "").trim()) : fill(s.text, p);
  if (!raw) return undefined;
  return s.maxLength && raw.length > s.maxLength ? raw.slice(0, s.maxLength).trimEnd() : raw;
}

/** Template attribute values of a product (an attribute whose sources are all empty is left out). */
export function templateValues(spec: Record<string, Exclude<AttributeSpec, null>>, p: D365Product): Record<string, ScalarValue[]> {
  const out: Record<string, ScalarValue[]> = {};
  for (const [attr, s] of Object.entries(spec)) {
    const values = (Array.isArray(s) ? s : [s]).map((x) => resolveSource(x, p)).filter((v): v is ScalarValue => v !== undefined);
    if (values.length) out[attr] = values;
  }
  return out;
}

/** The item's seller SKU: its sku-crossref.json entry for the marketplace, else one for every marketplace, else the template. */
export function sellerSkuOf(
  p: D365Product,
  marketplaceId: string,
  crossref: readonly SkuMapping[],
  template: string,
): { sku: string; entry?: SkuMapping } {
  const mine = crossref.filter((e) => same(e.itemNumber, p.itemNumber) && !e.colorId && !e.sizeId && !e.styleId && !e.configurationId);
  const entry = mine.find((e) => e.marketplaceIds?.includes(marketplaceId)) ?? mine.find((e) => !e.marketplaceIds);
  if (entry) return { sku: entry.sellerSku, entry };
  return { sku: fill(template, p) ?? p.itemNumber };
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const positive = (s: string | undefined) => !!s && DECIMAL.test(s) && new Dec(s).gt(0);

/** A unit price: price per quantity, rounded to the currency's minor unit. */
function unitPrice(price: string, perQuantity: string | undefined, currency: string): string {
  const q = positive(perQuantity) ? new Dec(perQuantity!) : new Dec(1);
  return new Dec(price).div(q).toDecimalPlaces(minorUnitOf(currency), Dec.ROUND_HALF_UP).toFixed(minorUnitOf(currency));
}

/**
 * The trade agreement line that prices one unit of the item today: general (no variant, site or warehouse),
 * in the currency, for the sales unit (or any unit), valid today, for a quantity of 1; the latest start wins
 * (D365's own price search also prefers account over group, which the query decides by asking for one of them).
 */
export function agreementPrice(lines: readonly SalesPriceLine[], p: D365Product, currency: string, today: string): string | undefined {
  const dec = (s: string) => (DECIMAL.test(s) ? new Dec(s) : new Dec(0));
  const valid = lines.filter(
    (l) =>
      same(l.itemNumber, p.itemNumber) &&
      !l.specific &&
      same(l.currency, currency) &&
      (!l.unit || !p.salesUnit || same(l.unit, p.salesUnit)) &&
      (!l.validFrom || l.validFrom <= today) &&
      (!l.validTo || l.validTo >= today) &&
      dec(l.fromQuantity).lte(1) &&
      (dec(l.toQuantity).isZero() || dec(l.toQuantity).gt(1)) &&
      positive(l.price),
  );
  valid.sort((a, b) => (b.validFrom || "").localeCompare(a.validFrom || ""));
  const best = valid[0];
  return best ? unitPrice(best.price, best.perQuantity, currency) : undefined;
}

/** The product's barcode: the first rule (in the mapping's order) whose setup the item has a bar code of. */
export function barcodeOf(p: D365Product, barcodes: readonly D365Barcode[], file: ProductsFile): DesiredListing["barcode"] {
  for (const rule of file.barcodes) {
    const hit = barcodes.find(
      (b) => same(b.itemNumber, p.itemNumber) && same(b.barcodeSetupId, rule.barcodeSetupId) && !b.variant && b.barcode.trim(),
    );
    if (hit) return { type: rule.type, value: hit.barcode.trim() };
  }
  return undefined;
}

export interface DesiredInput {
  file: ProductsFile;
  marketplace: MarketplaceSettings;
  product: D365Product;
  barcodes: readonly D365Barcode[];
  /** Agreement lines for the marketplace's price source (empty for salesPrice). */
  prices: readonly SalesPriceLine[];
  crossref: readonly SkuMapping[];
  /** yyyy-mm-dd, the day prices are valid on. */
  today: string;
}

/** What the marketplace should show for the product (undefined: the marketplace does not sell it). */
export function desiredListing(input: DesiredInput): DesiredListing | undefined {
  const { file, marketplace: m, product: p } = input;
  if (!isSelected(m.selection, p)) return undefined;
  const problems: DesiredListing["problems"] = [];
  const rule = file.itemGroups.find((g) => g.itemGroup === "*" || same(g.itemGroup, p.itemGroup));
  const { sku, entry } = sellerSkuOf(p, m.marketplaceId, input.crossref, file.sellerSku.template);
  if (!rule)
    problems.push({
      code: "products.noProductType",
      message: `item group ${p.itemGroup || "(none)"} has no Amazon product type in products.json itemGroups`,
      suggestion: { itemGroups: [{ itemGroup: p.itemGroup || "*", productType: "PRODUCT", template: Object.keys(file.templates)[0] }] },
    });
  let price: string | undefined;
  if (m.price?.source === "salesPrice") {
    if (positive(p.salesPrice)) price = unitPrice(p.salesPrice!, p.salesPriceQuantity, m.currency);
    else problems.push({ code: "products.noPrice", message: `item ${p.itemNumber} has no sales price (ReleasedProductsV2.SalesPrice)` });
  } else if (m.price?.source === "tradeAgreement") {
    price = agreementPrice(input.prices, p, m.currency, input.today);
    if (!price && m.price.fallback === "salesPrice" && positive(p.salesPrice))
      price = unitPrice(p.salesPrice!, p.salesPriceQuantity, m.currency);
    if (!price) {
      const who = m.price.priceGroup
        ? `price group ${m.price.priceGroup}`
        : `customer ${m.customerAccount ?? "(none in marketplaces.json)"}`;
      problems.push({
        code: "products.noPrice",
        message: `item ${p.itemNumber} has no sales price trade agreement for ${who} in ${m.currency} valid on ${input.today}`,
        suggestion: { d365: "SalesPriceAgreements", ItemNumber: p.itemNumber, PriceCurrencyCode: m.currency, who },
      });
    }
  }
  const values = rule ? templateValues(resolveTemplate(file, rule.template), p) : {};
  const barcode = barcodeOf(p, input.barcodes, file);
  return {
    itemNumber: p.itemNumber,
    marketplaceId: m.marketplaceId,
    company: m.company,
    itemGroup: p.itemGroup,
    sku,
    productType: rule?.productType ?? "",
    template: rule?.template ?? "",
    languageTag: m.languageTag,
    currency: m.currency,
    values,
    ...(price ? { price } : {}),
    ...(barcode ? { barcode } : {}),
    ...(entry?.asin ? { crossrefAsin: entry.asin } : {}),
    problems,
  };
}

/** JSON with sorted keys: the same content always gives the same text (and hash). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("base64url").slice(0, 32);
}

/** The hash of everything that decides what is sent for this listing: equal hashes, nothing to send. */
export function planHash(d: DesiredListing): string {
  return hashOf(d);
}
