/**
 * Pure: a DesiredListing as Amazon listing attributes, checked against the product type definition, and
 * what changed since the last publish.
 *
 * - Value shape: `{ value, marketplace_id, language_tag }`, with `language_tag` / `marketplace_id` only where
 *   the definition gives the attribute one (text attributes have a language, enumerations such as
 *   condition_type do not). The price is `purchasable_offer` (currency and `our_price[0].schedule[0].value_with_tax`,
 *   the nesting docs/spapi.md lists as unverified), the barcode `externally_assigned_product_identifier`, the
 *   ASIN of an offer on an existing catalog item `merchant_suggested_asin`.
 * - Attributes the definition does not know are not sent (a LISTING_OFFER_ONLY definition knows only the offer's,
 *   so an offer carries no product facts); they are reported as ignored.
 * - The identifiers (barcode, GTIN exemption, suggested ASIN) are sent when a listing is created, never
 *   patched: Amazon ties the product's identity to them.
 */
import { Dec } from "../../platform/money";
import type { DesiredListing } from "./desired";
import { hashOf } from "./desired";
import type { AttributeValue, Attributes, Json, ListingIssue, PatchOperation, ProductTypeInfo, Requirements } from "./model";

/** Sent when a listing is created, never patched. */
export const CREATE_ONLY = new Set([
  "externally_assigned_product_identifier",
  "supplier_declared_has_product_identifier_exemption",
  "merchant_suggested_asin",
]);
/** The flow never writes these (the inventory flow owns the FBM quantity). */
export const NOT_MANAGED = new Set(["fulfillment_availability"]);

export interface BuiltListing {
  attributes: Attributes;
  /** Template attributes the definition does not know (not sent). */
  ignored: string[];
}

/** The listing's attributes for a definition (LISTING: product facts and offer; LISTING_OFFER_ONLY: the offer on `asin`). */
export function buildAttributes(d: DesiredListing, def: ProductTypeInfo, opts: { asin?: string } = {}): BuiltListing {
  const mp = d.marketplaceId;
  const attributes: Attributes = {};
  const ignored: string[] = [];
  const shapeOf = (name: string, value: Json): AttributeValue => {
    const a = def.attributes[name]!;
    return {
      value,
      ...(a.languageTag && typeof value === "string" ? { language_tag: d.languageTag } : {}),
      ...(a.marketplaceId ? { marketplace_id: mp } : {}),
    };
  };
  for (const [name, values] of Object.entries(d.values)) {
    if (NOT_MANAGED.has(name)) continue;
    if (!def.attributes[name]) {
      ignored.push(name);
      continue;
    }
    attributes[name] = values.map((v) => shapeOf(name, v));
  }
  if (d.price && def.attributes.purchasable_offer)
    attributes.purchasable_offer = [{ marketplace_id: mp, currency: d.currency, our_price: [{ schedule: [{ value_with_tax: d.price }] }] }];
  if (
    def.requirements === "LISTING" &&
    d.barcode &&
    def.attributes.externally_assigned_product_identifier &&
    !attributes.supplier_declared_has_product_identifier_exemption
  )
    attributes.externally_assigned_product_identifier = [{ type: d.barcode.type, value: d.barcode.value, marketplace_id: mp }];
  if (opts.asin && def.attributes.merchant_suggested_asin) attributes.merchant_suggested_asin = [{ value: opts.asin, marketplace_id: mp }];
  return { attributes, ignored };
}

/** The required attributes of a requirements set, the GTIN exemption standing in for the barcode. */
function missingRequired(attributes: Attributes, def: ProductTypeInfo): string[] {
  const exempt = !!attributes.supplier_declared_has_product_identifier_exemption?.length;
  return def.required.filter(
    (r) => !attributes[r]?.length && !(exempt && r === "externally_assigned_product_identifier") && !NOT_MANAGED.has(r),
  );
}

function describeAttribute(name: string, def: ProductTypeInfo): string {
  const a = def.attributes[name];
  const parts = [
    a?.title && a.title !== name ? a.title : undefined,
    a?.enum?.length ? `one of ${a.enum.slice(0, 12).join(", ")}` : undefined,
  ];
  const extra = parts.filter(Boolean).join("; ");
  return extra ? `'${name}' (${extra})` : `'${name}'`;
}

/**
 * Checks attributes against the product type definition before anything is sent: for a new listing every
 * required attribute must have a value; in a patch no required attribute may be deleted; values must be one
 * of the definition's enumerations and within its lengths.
 */
export function checkDefinition(
  attributes: Attributes,
  def: ProductTypeInfo,
  opts: { create: boolean; deletes?: string[] },
): ListingIssue[] {
  const issues: ListingIssue[] = [];
  const where = `${def.productType} (${def.requirements}) in ${def.marketplaceId}`;
  if (opts.create)
    for (const name of missingRequired(attributes, def))
      issues.push({
        code: "definition.required",
        message: `${describeAttribute(name, def)} is required by ${where}; the mapping gives no value`,
        severity: "ERROR",
        attributeNames: [name],
        source: "definition",
      });
  for (const name of opts.deletes ?? [])
    if (def.required.includes(name))
      issues.push({
        code: "definition.required",
        message: `${describeAttribute(name, def)} is required by ${where} and cannot be removed`,
        severity: "ERROR",
        attributeNames: [name],
        source: "definition",
      });
  for (const [name, values] of Object.entries(attributes)) {
    const a = def.attributes[name];
    if (!a) continue;
    if (a.maxItems !== undefined && values.length > a.maxItems)
      issues.push({
        code: "definition.maxItems",
        message: `'${name}' takes at most ${a.maxItems} values in ${where}, the mapping gives ${values.length}`,
        severity: "ERROR",
        attributeNames: [name],
        source: "definition",
      });
    for (const v of values) {
      const value = v.value;
      if (a.enum?.length && typeof value === "string" && !a.enum.includes(value))
        issues.push({
          code: "definition.enum",
          message: `'${name}' = '${value}' is not allowed by ${where}: ${describeAttribute(name, def)}`,
          severity: "ERROR",
          attributeNames: [name],
          source: "definition",
        });
      if (a.maxLength !== undefined && typeof value === "string" && value.length > a.maxLength)
        issues.push({
          code: "definition.maxLength",
          message: `'${name}' is ${value.length} characters long; ${where} allows ${a.maxLength}`,
          severity: "ERROR",
          attributeNames: [name],
          source: "definition",
        });
    }
  }
  return issues;
}

/** A hash per attribute the flow manages (identifiers excluded: they are never patched). */
export function attributeHashes(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(attributes)) if (!CREATE_ONLY.has(name)) out[name] = hashOf(values);
  return out;
}

/** Patches for the attributes whose hash differs from the last publish, and deletes for those the mapping dropped. */
export function patchesSince(attributes: Attributes, previous: Record<string, string>): PatchOperation[] {
  const now = attributeHashes(attributes);
  const out: PatchOperation[] = [];
  for (const [name, hash] of Object.entries(now))
    if (previous[name] !== hash) out.push({ op: "replace", attribute: name, value: attributes[name] });
  for (const name of Object.keys(previous)) if (!(name in now) && !CREATE_ONLY.has(name)) out.push({ op: "delete", attribute: name });
  return out;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function sameScalar(want: Json, have: Json): boolean {
  if (want === have) return true;
  const w = typeof want === "number" ? String(want) : want;
  const h = typeof have === "number" ? String(have) : have;
  // "49.90" and 49.9 are the same amount.
  if (typeof w === "string" && typeof h === "string" && DECIMAL.test(w) && DECIMAL.test(h)) return new Dec(w).eq(new Dec(h));
  return false;
}

/** Whether Amazon's value holds everything the flow would send (Amazon may add fields of its own). */
export function contains(have: Json | undefined, want: Json): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (want && typeof want === "object") {
    if (!have || typeof have !== "object" || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, w]) => contains((have as Record<string, Json>)[k], w));
  }
  return have !== undefined && sameScalar(want, have);
}

/** Patches that make a live listing show what the flow would send (only attributes that differ; nothing is deleted). */
export function patchesAgainst(attributes: Attributes, current: Attributes): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const [name, values] of Object.entries(attributes)) {
    if (CREATE_ONLY.has(name)) continue;
    const have = (current[name] ?? []).filter((v) => v.marketplace_id === undefined || v.marketplace_id === values[0]?.marketplace_id);
    if (!contains(have, values)) out.push({ op: "replace", attribute: name, value: values });
  }
  return out;
}

/** The values as a person reads them: `item_name` -> "Demo Speaker", `purchasable_offer` -> "49.99 USD". */
export function summarize(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(attributes)) {
    const texts = values.map((v) => {
      if (name === "purchasable_offer") {
        const price = (v.our_price as { schedule?: { value_with_tax?: Json }[] }[] | undefined)?.[0]?.schedule?.[0]?.value_with_tax;
        return `${String(price ?? "")} ${String(v.currency ?? "")}`.trim();
      }
      if (name === "externally_assigned_product_identifier") return `${String(v.type ?? "")} ${String(v.value ?? "")}`.trim();
      return typeof v.value === "object" ? JSON.stringify(v.value) : String(v.value ?? "");
    });
    out[name] = texts.join(" | ").slice(0, 500);
  }
  return out;
}

/** The requirements set a new listing uses: an offer on an ASIN the catalog has, else a full listing. */
export function requirementsFor(asin: string | undefined): Requirements {
  return asin ? "LISTING_OFFER_ONLY" : "LISTING";
}
