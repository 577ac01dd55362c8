/**
 * The simulator's two product type definitions, PRODUCT (Amazon's generic type) and HEADPHONES (a real type
 * with a type-specific required attribute), as small JSON Schemas in Amazon's product-type meta-schema style,
 * and the validation putListingsItem, patchListingsItem and JSON_LISTINGS_FEED use — one source for what the
 * definition says and what the simulator enforces. Real definitions have hundreds of attributes; these keep
 * the ones the products flow maps (docs/spapi.md lists them).
 *
 * Issue codes: 90220 "'<attribute>' is required but not supplied." is Amazon's (feed processing report
 * example); 4000001 (unknown product type) and 4000004 (bad value) are the simulator's.
 */
import { createHash } from "node:crypto";

export type Requirements = "LISTING" | "LISTING_PRODUCT_ONLY" | "LISTING_OFFER_ONLY";

export interface SimIssue {
  code: string;
  message: string;
  severity: "ERROR" | "WARNING" | "INFO";
  attributeNames?: string[];
  categories: string[];
  enforcements?: { actions: { action: string }[]; exemption: { status: string } };
}

const text = (title: string, maxLength: number, description: string) => ({
  title,
  description,
  type: "array",
  minItems: 1,
  items: {
    type: "object",
    required: ["value"],
    properties: {
      value: { type: "string", maxLength },
      language_tag: { type: "string" },
      marketplace_id: { type: "string" },
    },
  },
});

const PRODUCT_FACTS = {
  item_name: text("Item Name", 200, "Title shown on the detail page."),
  brand: text("Brand Name", 100, "Brand of the product."),
  product_description: text("Product Description", 2000, "Description shown on the detail page."),
  bullet_point: { ...text("Bullet Point", 500, "Key features, one per value."), maxItems: 5 },
  manufacturer: text("Manufacturer", 100, "Manufacturer of the product."),
  model_number: text("Model Number", 40, "Manufacturer's model number."),
  externally_assigned_product_identifier: {
    title: "External Product ID",
    description: "Barcode of the product (EAN, UPC or GTIN).",
    type: "array",
    items: {
      type: "object",
      required: ["type", "value"],
      properties: {
        type: { type: "string", enum: ["ean", "upc", "gtin", "isbn"] },
        value: { type: "string" },
        marketplace_id: { type: "string" },
      },
    },
  },
  supplier_declared_has_product_identifier_exemption: {
    title: "Product Identifier Exemption",
    description: "True when Amazon granted a GTIN exemption for the brand.",
    type: "array",
    items: { type: "object", required: ["value"], properties: { value: { type: "boolean" }, marketplace_id: { type: "string" } } },
  },
};

const OFFER = {
  condition_type: {
    title: "Item Condition",
    description: "Condition of the offered item.",
    type: "array",
    items: {
      type: "object",
      required: ["value"],
      properties: {
        value: { type: "string", enum: ["new_new", "new_open_box", "refurbished_refurbished", "used_like_new", "used_good"] },
        marketplace_id: { type: "string" },
      },
    },
  },
  merchant_suggested_asin: {
    title: "Merchant Suggested ASIN",
    description: "The catalog item (ASIN) an offer-only listing is attached to.",
    type: "array",
    items: {
      type: "object",
      required: ["value"],
      properties: { value: { type: "string", pattern: "^[A-Z0-9]{10}$" }, marketplace_id: { type: "string" } },
    },
  },
  purchasable_offer: {
    title: "Offer",
    description: "Price (our_price) in the marketplace currency.",
    type: "array",
    items: {
      type: "object",
      required: ["currency", "our_price"],
      properties: {
        marketplace_id: { type: "string" },
        currency: { type: "string" },
        our_price: {
          type: "array",
          items: {
            type: "object",
            properties: {
              schedule: {
                type: "array",
                items: { type: "object", required: ["value_with_tax"], properties: { value_with_tax: { type: "number", minimum: 0 } } },
              },
            },
          },
        },
      },
    },
  },
  fulfillment_availability: {
    title: "Fulfillment Availability",
    description: "Merchant-fulfilled quantity per fulfillment channel (DEFAULT).",
    type: "array",
    items: {
      type: "object",
      required: ["fulfillment_channel_code"],
      properties: {
        fulfillment_channel_code: { type: "string" },
        quantity: { type: "integer", minimum: 0 },
        lead_time_to_ship_max_days: { type: "integer", minimum: 0 },
        restock_date: { type: "string" },
      },
    },
  },
};

interface Definition {
  displayName: string;
  properties: Record<string, unknown>;
  /** Required for LISTING (product facts and offer). */
  required: string[];
  groups: Record<string, { title: string; description: string; propertyNames: string[] }>;
}

const PRODUCT_REQUIRED = [
  "item_name",
  "brand",
  "externally_assigned_product_identifier",
  "product_description",
  "bullet_point",
  "condition_type",
];

export const PRODUCT_TYPES: Record<string, Definition> = {
  PRODUCT: {
    displayName: "Product",
    properties: { ...PRODUCT_FACTS, ...OFFER },
    required: PRODUCT_REQUIRED,
    groups: {
      offer: { title: "Offer", description: "Price, condition and quantity.", propertyNames: Object.keys(OFFER) },
      product_identity: {
        title: "Product Identity",
        description: "What identifies the product.",
        propertyNames: [
          "item_name",
          "brand",
          "externally_assigned_product_identifier",
          "supplier_declared_has_product_identifier_exemption",
        ],
      },
      product_details: {
        title: "Product Details",
        description: "What customers read.",
        propertyNames: ["product_description", "bullet_point", "manufacturer", "model_number"],
      },
    },
  },
  HEADPHONES: {
    displayName: "Headphones",
    properties: {
      ...PRODUCT_FACTS,
      ...OFFER,
      headphones_form_factor: {
        title: "Form Factor",
        description: "How the headphones are worn.",
        type: "array",
        items: {
          type: "object",
          required: ["value"],
          properties: { value: { type: "string", enum: ["over_ear", "on_ear", "in_ear"] }, marketplace_id: { type: "string" } },
        },
      },
      color: text("Colour", 50, "Colour of the product."),
    },
    required: [...PRODUCT_REQUIRED, "headphones_form_factor"],
    groups: {
      offer: { title: "Offer", description: "Price, condition and quantity.", propertyNames: Object.keys(OFFER) },
      product_identity: {
        title: "Product Identity",
        description: "What identifies the product.",
        propertyNames: [
          "item_name",
          "brand",
          "externally_assigned_product_identifier",
          "supplier_declared_has_product_identifier_exemption",
        ],
      },
      product_details: {
        title: "Product Details",
        description: "What customers read.",
        propertyNames: ["product_description", "bullet_point", "manufacturer", "model_number", "headphones_form_factor", "color"],
      },
    },
  },
};

const OFFER_ONLY = Object.keys(OFFER);
const PRODUCT_ONLY = (d: Definition) => Object.keys(d.properties).filter((p) => !OFFER_ONLY.includes(p) || p === "condition_type");

/** Attributes a requirements set requires (enforced). */
export function requiredAttributes(productType: string, requirements: Requirements = "LISTING"): string[] {
  const d = PRODUCT_TYPES[productType];
  if (!d) return [];
  if (requirements === "LISTING_OFFER_ONLY") return ["condition_type", "merchant_suggested_asin"];
  if (requirements === "LISTING_PRODUCT_ONLY") return d.required.filter((r) => PRODUCT_ONLY(d).includes(r));
  return d.required;
}

/** The JSON Schema document getDefinitionsProductType links to. */
export function schemaDocument(productType: string, requirements: Requirements, enforced: boolean): Record<string, unknown> {
  const d = PRODUCT_TYPES[productType];
  const names =
    requirements === "LISTING_OFFER_ONLY"
      ? OFFER_ONLY
      : requirements === "LISTING_PRODUCT_ONLY"
        ? PRODUCT_ONLY(d)
        : Object.keys(d.properties);
  return {
    $schema: "https://schemas.amazon.com/selling-partners/definitions/product-types/meta-schema/v1",
    $id: `https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/${productType}`,
    $comment: `Simulator definition of ${productType} (${requirements}, ${enforced ? "ENFORCED" : "NOT_ENFORCED"}).`,
    type: "object",
    required: enforced ? requiredAttributes(productType, requirements) : [],
    properties: Object.fromEntries(names.map((n) => [n, d.properties[n]])),
  };
}

export const META_SCHEMA = {
  $schema: "https://json-schema.org/draft/2019-09/schema",
  $id: "https://schemas.amazon.com/selling-partners/definitions/product-types/meta-schema/v1",
  $comment: "Simulator stand-in for Amazon's product type meta-schema.",
};

export function checksum(doc: unknown): string {
  return createHash("md5").update(JSON.stringify(doc)).digest("base64");
}

const missing = (attr: string): SimIssue => ({
  code: "90220",
  message: `'${attr}' is required but not supplied.`,
  severity: "ERROR",
  attributeNames: [attr],
  categories: ["MISSING_ATTRIBUTE"],
});

const badValue = (attr: string, why: string): SimIssue => ({
  code: "4000004",
  message: `The value of '${attr}' is invalid: ${why}`,
  severity: "ERROR",
  attributeNames: [attr],
  categories: ["INVALID_ATTRIBUTE"],
});

/** Checks attribute values against the definition's property shapes (arrays of objects, enums, numbers). */
export function valueIssues(productType: string, attributes: Record<string, unknown>): SimIssue[] {
  const d = PRODUCT_TYPES[productType];
  if (!d) return [];
  const out: SimIssue[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    if (!Array.isArray(value) || value.some((v) => !v || typeof v !== "object")) {
      out.push(badValue(name, "attribute values are lists of objects."));
      continue;
    }
    const prop = d.properties[name] as { items?: { required?: string[]; properties?: Record<string, any> } } | undefined;
    if (!prop) continue; // Amazon accepts attributes the simulator does not model
    for (const v of value as Record<string, unknown>[]) {
      for (const r of prop.items?.required ?? []) if (v[r] === undefined) out.push(badValue(name, `'${r}' is required in each value.`));
      for (const [k, s] of Object.entries(prop.items?.properties ?? {})) {
        if (v[k] === undefined) continue;
        if (s.enum && !s.enum.includes(v[k])) out.push(badValue(name, `'${v[k]}' is not one of ${s.enum.join(", ")}.`));
        if (s.type === "integer" && (!Number.isInteger(v[k]) || (s.minimum !== undefined && (v[k] as number) < s.minimum)))
          out.push(badValue(name, `${k} must be a non-negative integer.`));
        if (s.type === "string" && typeof v[k] !== "string") out.push(badValue(name, `${k} must be text.`));
        if (s.maxLength && typeof v[k] === "string" && (v[k] as string).length > s.maxLength)
          out.push(badValue(name, `${k} is longer than ${s.maxLength} characters.`));
      }
      if (name === "purchasable_offer") {
        const price = (v as any).our_price?.[0]?.schedule?.[0]?.value_with_tax;
        if (typeof price !== "number" || price < 0)
          out.push(badValue(name, "our_price[0].schedule[0].value_with_tax must be a non-negative number."));
      }
    }
  }
  return out;
}

/** Issues of a full attribute set (put / UPDATE). */
export function putIssues(productType: string, requirements: Requirements, attributes: Record<string, unknown>): SimIssue[] {
  if (!PRODUCT_TYPES[productType])
    return [
      {
        code: "4000001",
        message: `The product type ${productType} is not supported for this marketplace.`,
        severity: "ERROR",
        categories: ["INVALID_ATTRIBUTE"],
      },
    ];
  const absent = requiredAttributes(productType, requirements).filter((a) => {
    const v = attributes[a];
    return !Array.isArray(v) || v.length === 0;
  });
  // A GTIN exemption replaces the barcode.
  const exempt = Array.isArray(attributes.supplier_declared_has_product_identifier_exemption);
  return [
    ...absent.filter((a) => !(exempt && a === "externally_assigned_product_identifier")).map(missing),
    ...valueIssues(productType, attributes),
  ];
}
