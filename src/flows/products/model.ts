/**
 * The products flow's own words for both sides: a D365 released product with the facts the mapping reads,
 * and an Amazon listing as the flow reads and writes it. Adapters (src/wiring/adapters/) convert the wire
 * shapes of ReleasedProductsV2 / ProductBarcodesV3 / SalesPriceAgreements and of the Listings Items, Catalog
 * Items and Product Type Definitions APIs into these.
 *
 * Listing attributes stay in Amazon's attribute JSON (`{ item_name: [{ value, language_tag, marketplace_id }] }`),
 * the data format product type definitions describe, because templates name Amazon attributes and patches
 * address them; money inside it (`value_with_tax`) is a decimal string here, never a binary float.
 */

/** A JSON value of a listing attribute. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** One value of an attribute: `{ value, language_tag?, marketplace_id? }` or a structured value. */
export type AttributeValue = { [key: string]: Json };
export type Attributes = Record<string, AttributeValue[]>;

export type Requirements = "LISTING" | "LISTING_OFFER_ONLY";

/** A released product, with the fields the mapping names (values as D365 gives them; decimals as strings). */
export interface D365Product {
  itemNumber: string;
  /** Item group (ReleasedProductsV2.ProductGroupId). */
  itemGroup: string;
  salesUnit: string;
  /** SalesPrice per SalesPriceQuantity units, decimal strings. */
  salesPrice?: string;
  salesPriceQuantity?: string;
  /** Every field read: ReleasedProductsV2 fields and ProductName / ProductDescription. Empty values are "". */
  fields: Record<string, string>;
}

export interface D365Barcode {
  itemNumber: string;
  barcodeSetupId: string;
  barcode: string;
  /** Product dimensions: a bar code of a variant is not the item's. */
  variant: boolean;
  unit: string;
}

/** One line of a sales price trade agreement. */
export interface SalesPriceLine {
  itemNumber: string;
  /** Decimal string, for `perQuantity` units. */
  price: string;
  perQuantity: string;
  currency: string;
  unit: string;
  customerAccount: string;
  priceGroup: string;
  /** yyyy-mm-dd; "" = no start. */
  validFrom: string;
  /** yyyy-mm-dd; "" = no end. */
  validTo: string;
  fromQuantity: string;
  toQuantity: string;
  /** Variant, site or warehouse specific: not the item's general price. */
  specific: boolean;
}

export interface ListingIssue {
  code: string;
  message: string;
  severity: "ERROR" | "WARNING" | "INFO";
  attributeNames?: string[];
  /** Where the issue comes from: Amazon, or the product type definition checked before sending. */
  source?: "amazon" | "definition" | "mapping";
}

/** A listing as Amazon has it in one marketplace. */
export interface AmazonListing {
  sku: string;
  marketplaceId: string;
  asin?: string;
  fnsku?: string;
  productType: string;
  /** BUYABLE, DISCOVERABLE; empty when suppressed. */
  status: string[];
  issues: ListingIssue[];
  attributes: Attributes;
}

/** What Amazon answered to a put or a patch (VALIDATION_PREVIEW or for real). */
export interface Submission {
  status: "ACCEPTED" | "VALID" | "INVALID";
  issues: ListingIssue[];
  asin?: string;
}

export interface PatchOperation {
  op: "replace" | "delete";
  attribute: string;
  value?: AttributeValue[];
}

/** What a product type definition says about one attribute (from its JSON Schema). */
export interface AttributeDefinition {
  title?: string;
  description?: string;
  /** Allowed `value`s, when the definition enumerates them. */
  enum?: string[];
  /** Each value carries a language_tag (text attributes). */
  languageTag: boolean;
  /** Each value carries a marketplace_id. */
  marketplaceId: boolean;
  /** Longest `value`, when given. */
  maxLength?: number;
  /** Largest number of values, when given. */
  maxItems?: number;
}

/** A product type definition (per product type, marketplace and requirements), as the flow checks listings against it. */
export interface ProductTypeInfo {
  productType: string;
  marketplaceId: string;
  requirements: Requirements;
  version: string;
  required: string[];
  attributes: Record<string, AttributeDefinition>;
}

export const AMAZON_BARCODE_TYPES = ["upc", "ean", "gtin", "isbn", "jan"] as const;
export type BarcodeType = (typeof AMAZON_BARCODE_TYPES)[number];
