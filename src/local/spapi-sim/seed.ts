/**
 * The SP-API simulator's seeded facts for the fulfillment, inventory, returns and products flows, in one place
 * (docs/spapi.md, "Seeded facts", lists them for flow engineers). Codes and messages marked "simulator" are
 * ours: Amazon publishes no list for them.
 */
import { DEMO_MARKETPLACES } from "../demo-catalog";

export const SIM_SELLER_ID = "A2DEMOSELLER01";
export const SIM_APPLICATION_ID = "amzn1.sellerapps.app.demo";

export const US = "ATVPDKIKX0DER";
export const UK = "A1F83G8C2ARO7P";
export const DE = "A1PA6795UKMFR9";

export const marketplaceOf = (id: string) => DEMO_MARKETPLACES.find((m) => m.marketplaceId === id);
export const currencyOf = (id: string): string => marketplaceOf(id)?.currency ?? "USD";

// --- MCF -----------------------------------------------------------------------------------------------

/** FBA SKU with no fulfillable unit in any marketplace: previews say InventoryUnavailable, orders end Unfulfillable. */
export const MCF_UNFULFILLABLE_SKU = "DEMO-STAND-ALU";

/** Postal code of the address Amazon refuses (preview: InvalidDestinationAddress; create: 400). */
export const MCF_REFUSED_POSTAL_CODE = "00000";
export const MCF_REFUSED_ADDRESS = {
  name: "Demo Refused Address",
  addressLine1: "1 Nowhere Road",
  city: "Nowhere",
  stateOrRegion: "WA",
  postalCode: MCF_REFUSED_POSTAL_CODE,
  countryCode: "US",
};

/** Countries MCF ships to from each marketplace's fulfillment network (others: InvalidDestinationAddress). */
export const MCF_DESTINATIONS: Record<string, string[]> = {
  [US]: ["US", "CA", "MX"],
  [UK]: ["GB"],
  [DE]: ["DE", "AT", "FR", "IT", "ES", "NL", "BE", "PL", "CZ", "LU"],
};

/** Marketplace whose network serves a destination country (2026-07-04 requests name no marketplace). */
export function marketplaceForCountry(country: string): string {
  for (const [mp, countries] of Object.entries(MCF_DESTINATIONS)) if (countries.includes(country)) return mp;
  return US;
}

/** Per marketplace: the two fulfillment centers and carriers an order's (up to two) shipments use. */
export const MCF_NETWORK: Record<
  string,
  { centers: [string, string]; carriers: [string, string]; trackingPrefix: [string, string]; city: string; state: string; country: string }
> = {
  [US]: {
    centers: ["PHX7", "SDF8"],
    carriers: ["UPS", "AMZN_US"],
    trackingPrefix: ["1Z9SIM", "TBA"],
    city: "Phoenix",
    state: "AZ",
    country: "US",
  },
  [UK]: {
    centers: ["LTN1", "BHX4"],
    carriers: ["Royal Mail", "AMZN_UK"],
    trackingPrefix: ["RM", "QA"],
    city: "Luton",
    state: "BDF",
    country: "GB",
  },
  [DE]: {
    centers: ["FRA7", "LEJ1"],
    carriers: ["DHL", "AMZN_DE"],
    trackingPrefix: ["00340", "DE"],
    city: "Frankfurt",
    state: "HE",
    country: "DE",
  },
};

/** Per-unit MCF fee by speed (simulator; per marketplace currency). */
export const MCF_UNIT_FEE: Record<string, { Standard: string; Expedited: string; Priority: string }> = {
  USD: { Standard: "5.85", Expedited: "8.25", Priority: "13.95" },
  GBP: { Standard: "4.60", Expedited: "6.90", Priority: "11.40" },
  EUR: { Standard: "5.10", Expedited: "7.45", Priority: "12.30" },
};

/** Days from order to arrival per speed: earliest, latest. */
export const MCF_TRANSIT_DAYS = { Standard: [3, 5], Expedited: [2, 3], Priority: [1, 1] } as const;

/**
 * MCF life in simulated time after receipt: Received → Planning (10 s) → Processing (30 s, shipments PENDING)
 * → first shipment SHIPPED and, with one shipment, Complete (60 s) → second shipment SHIPPED (70 s). Packages:
 * IN_TRANSIT from shipping, OUT_FOR_DELIVERY 60 s later, DELIVERED 90 s after shipping. A return created with
 * createFulfillmentReturn is received (Processed) 60 s later.
 */
export const MCF_TIMELINE = {
  planning: 10_000,
  processing: 30_000,
  shipped: 60_000,
  secondShipped: 70_000,
  outForDelivery: 60_000,
  delivered: 90_000,
  returnReceived: 60_000,
};

/** MCF return reason codes (listReturnReasonCodes; the CR- spelling follows MWS, unverified for SP-API). */
export const MCF_RETURN_REASONS = [
  { code: "CR-DEFECTIVE", description: "Item is defective or does not work" },
  { code: "CR-UNWANTED_ITEM", description: "No longer needed" },
  { code: "CR-ORDERED_WRONG_ITEM", description: "Bought by mistake" },
  { code: "CR-DAMAGED_BY_CARRIER", description: "Product and shipping box both damaged" },
  { code: "CR-NOT_AS_DESCRIBED", description: "Item not as described" },
];

// --- FBM shipment confirmation ----------------------------------------------------------------------

/**
 * Carrier codes the simulator accepts in confirmShipment (a subset of Amazon's "Acceptable CarrierCode
 * values"; anything else is refused unless it is "Other" with a carrierName).
 */
export const ACCEPTED_CARRIER_CODES = [
  "UPS",
  "USPS",
  "FedEx",
  "DHL",
  "DHL Express",
  "DPD",
  "GLS",
  "Hermes",
  "Royal Mail",
  "Parcelforce",
  "Deutsche Post",
  "OnTrac",
  "Amazon Shipping",
  "Other",
];

// --- Listings, feeds, catalog ------------------------------------------------------------------------

/** The listing whose fulfillment_availability updates Amazon rejects (patch and JSON_LISTINGS_FEED). */
export const BAD_INVENTORY_LISTING = {
  sku: "DEMO-KEYBOARD-DE",
  marketplaceId: US,
  code: "90000900",
  message:
    "The listing DEMO-KEYBOARD-DE is blocked in this marketplace (product safety review) and its fulfillment availability cannot be updated.",
};

/** The seeded incomplete listing: its product_description is missing, so Amazon suppresses it from search. */
export const INCOMPLETE_LISTING = { sku: "DEMO-BAG-15", marketplaceId: DE, missingAttribute: "product_description" };

/** Listing product types (everything else is PRODUCT). */
export const LISTING_PRODUCT_TYPES: Record<string, string> = { "DEMO-HEADPHONES": "HEADPHONES", "DEMO-EARBUDS-WL": "HEADPHONES" };

/** Catalog items of other brands (no listing of this seller): the power bank matches DEMO_UNLISTED_PRODUCTS. */
export const FOREIGN_CATALOG_ITEMS = [
  { asin: "B0CATPWR01", itemNumber: "D0011", title: "OtherBrand Power Bank 10000 mAh", brand: "OtherBrand", productType: "PRODUCT" },
  { asin: "B0CATLAMP1", itemNumber: "D0901", title: "OtherBrand LED Desk Lamp", brand: "OtherBrand", productType: "PRODUCT" },
];
