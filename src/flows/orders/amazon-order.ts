/**
 * The Amazon order as the orders flow sees it: one model, whichever Orders API read it. The wire shapes of
 * Orders v0 and Orders 2026-01-01 are the connector's (src/amazon/schemas.ts, validated there once); the
 * AmazonOrders adapter (src/wiring/adapters/amazon-order-model.ts) converts both into this model, so the
 * transform and the use cases never see a wire shape.
 *
 * Our own words, spelled plainly (amazonOrderId, sku); money stays a decimal string with its currency, as
 * Amazon sends it. Of the buyer's data only the delivery address is kept, because D365's one-time delivery
 * address needs it; nothing here is logged or stored in state.
 */
import { z } from "zod";
import type { AmazonOrderStatus } from "../../mapping/order-statuses";

export type { AmazonOrderStatus };

/** MFN: the seller ships; AFN: Amazon ships (FBA). */
export type FulfillmentChannel = "MFN" | "AFN";

/** An amount as Amazon sends it: a decimal string ("12.99"), never a binary float, and its currency when given. */
export interface AmazonMoney {
  amount: string;
  currency?: string;
}

/** Where the order goes (with the PII roles: the buyer's name and street; without them: city and postal code only). */
export interface ShippingAddress {
  name?: string;
  addressLine1?: string;
  addressLine2?: string;
  addressLine3?: string;
  city?: string;
  stateOrRegion?: string;
  postalCode?: string;
  /** ISO 3166-1 alpha-2. */
  countryCode?: string;
}

export interface AmazonOrder {
  amazonOrderId: string;
  status: AmazonOrderStatus;
  /** Absent when a notification summary carried none. */
  purchaseDate?: string;
  /** When Amazon last changed the order (ISO 8601): the version of the order an import applies. */
  lastUpdate: string;
  marketplaceId?: string;
  fulfillmentChannel?: FulfillmentChannel;
  /** "Amazon.com", "Amazon.co.uk", ...; "Non-Amazon" for Multi-Channel Fulfillment orders, which start in D365. */
  salesChannel?: string;
  orderTotal?: AmazonMoney;
  latestShipDate?: string;
  latestDeliveryDate?: string;
  shippingAddress?: ShippingAddress;
}

/** One line of an order. Amounts are line totals (price x quantity), as Amazon sends them. */
export interface AmazonOrderItem {
  orderItemId: string;
  /** The seller's SKU (Amazon's SellerSKU). */
  sku?: string;
  asin?: string;
  title?: string;
  quantityOrdered: number;
  itemPrice?: AmazonMoney;
  itemTax?: AmazonMoney;
  /** Promotion discount on the goods, a positive amount. */
  promotionDiscount?: AmazonMoney;
  shippingPrice?: AmazonMoney;
  /** Promotion discount on shipping, a positive amount. */
  shippingDiscount?: AmazonMoney;
  giftWrapPrice?: AmazonMoney;
  /** "MarketplaceFacilitator" when Amazon collects and remits the tax. */
  taxCollectionModel?: string;
}

/** An order as a listing of changed orders shows it: enough to decide whether to import it again. */
export interface AmazonOrderSummary {
  amazonOrderId: string;
  lastUpdate: string;
  /** Absent when the listing did not include it (searchOrders without FULFILLMENT). */
  status?: AmazonOrderStatus;
  marketplaceId?: string;
  /** What the listing row says about the order beyond that (the catch-up hands it over, so the import need not read it again). */
  known?: KnownOrder;
}

/**
 * What a sender already knows about an order when it hands it over for import, so that the import fetches
 * only what is missing (docs/orders.md, "What each import reads from Amazon"):
 * - "listing": a getOrders (v0) or searchOrders (2026-01-01) row: every header field the import uses, and
 *   with searchOrders the items too;
 * - "notification": an ORDER_CHANGE summary: status, marketplace, fulfillment channel and dates, but no
 *   sales channel (MCF orders must not be imported back) and no ship-to address.
 * Of the ship-to address only the country and region travel (message bodies are kept when a message is
 * parked, and carry no buyer address).
 */
export interface KnownOrder {
  from: "listing" | "notification";
  order: AmazonOrder;
  items?: AmazonOrderItem[];
}

/** The order id format Amazon uses (3-7-7 digits); other shapes are refused at the doors. */
export const AmazonOrderIdSchema = z
  .string()
  .regex(/^[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}$/, "must be an Amazon order id like 113-1234567-1234567");
