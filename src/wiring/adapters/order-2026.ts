/**
 * Orders API 2026-01-01 -> the v0-like shapes the transform reads (amazon-shapes.ts). Pure: one 2026 order
 * (getOrder with includedData RECIPIENT, PROCEEDS, PROMOTION, FULFILLMENT, TAX) becomes a v0 Order and its
 * v0 OrderItems, so that importing with SPAPI_ORDERS_API=2026-01-01 builds the same D365 order as v0.
 *
 * Field by field (2026 -> v0):
 *   orderId -> AmazonOrderId; createdTime -> PurchaseDate; lastUpdatedTime -> LastUpdateDate;
 *   fulfillment.fulfillmentStatus -> OrderStatus (PENDING -> Pending, ..., CANCELLED -> Canceled);
 *   fulfillment.fulfilledBy AMAZON/MERCHANT -> FulfillmentChannel AFN/MFN; salesChannel.marketplaceId -> MarketplaceId;
 *   salesChannel NON_AMAZON -> SalesChannel "Non-Amazon" (MCF orders), else its marketplaceName;
 *   proceeds.grandTotal -> OrderTotal; shipByWindow / deliverByWindow -> Earliest/LatestShipDate and
 *   Earliest/LatestDeliveryDate; programs AMAZON_BUSINESS / PRIME -> IsBusinessOrder / IsPrime;
 *   orderAliases SELLER_ORDER_ID -> SellerOrderId; recipient.deliveryAddress -> ShippingAddress.
 *   Items: product.asin/sellerSku/title -> ASIN/SellerSKU/Title; quantityOrdered -> QuantityOrdered;
 *   fulfillment.quantityFulfilled -> QuantityShipped; proceeds breakdown ITEM / SHIPPING / GIFT_WRAP ->
 *   ItemPrice / ShippingPrice / BuyerInfo.GiftWrapPrice; TAX detailed ITEM / SHIPPING / GIFT_WRAP / DISCOUNT ->
 *   ItemTax / ShippingTax / BuyerInfo.GiftWrapTax / PromotionDiscountTax; DISCOUNT detailed ITEM / SHIPPING ->
 *   PromotionDiscount / ShippingDiscount; promotion.breakdowns[].promotionId -> PromotionIds;
 *   tax.taxCollections[0] MARKETPLACE_FACILITATOR -> TaxCollection.Model "MarketplaceFacilitator".
 *
 * Where the conversion cannot be proven faithful from the published model (it has no VAT example and no
 * sign convention), these are the assumptions:
 *   - ItemPrice: the ITEM proceeds subtotal is taken as v0's ItemPrice (unit price x quantity, VAT-inclusive in
 *     VAT marketplaces as v0 sends it). If Amazon's ITEM subtotal turns out to be net of VAT there, ItemPrice
 *     would have to be ITEM + TAX/ITEM for marketplaces with pricesIncludeTax. Without PROCEEDS, ItemPrice falls
 *     back to product.price.unitPrice x quantityOrdered (v0's definition).
 *   - Discounts: v0 sends PromotionDiscount / ShippingDiscount / PromotionDiscountTax as positive amounts; 2026
 *     DISCOUNT proceeds may be negative. The absolute value is used.
 *   - A TAX (or DISCOUNT) breakdown without detailedBreakdowns cannot be split: all of it goes to ItemTax
 *     (PromotionDiscount).
 *   - Not carried over (the transform does not read them): COD_FEE / OTHER proceeds, DELIVERY_TIP, v0's
 *     InvoiceUnconfirmed status (no 2026 counterpart), IsGift, ConditionId, buyer info.
 */
import type { z } from "zod";
import type { Money2026, Order2026, OrderItem2026 } from "../../amazon/schemas";
import type { AmazonAddress } from "../../flows/orders/address";
import type { AmazonOrder, AmazonOrderItem } from "../../flows/orders/amazon-shapes";
import type { AmazonOrderSummary } from "../../flows/orders/ports";
import { ValidationError } from "../../platform/errors";
import { dec, toMoneyString } from "../../platform/money";

type V0Order = z.input<typeof AmazonOrder> & Record<string, unknown>;
type V0OrderItem = z.input<typeof AmazonOrderItem> & Record<string, unknown>;
type V0Money = { CurrencyCode: string; Amount: string };

const STATUS: Record<string, AmazonOrder["OrderStatus"]> = {
  PENDING_AVAILABILITY: "PendingAvailability",
  PENDING: "Pending",
  UNSHIPPED: "Unshipped",
  PARTIALLY_SHIPPED: "PartiallyShipped",
  SHIPPED: "Shipped",
  CANCELLED: "Canceled",
  UNFULFILLABLE: "Unfulfillable",
};

const TAX_COLLECTION_MODEL: Record<string, string> = { MARKETPLACE_FACILITATOR: "MarketplaceFacilitator" };

/** Exact decimal string, at least two places (never rounded). */
const exact = (d: ReturnType<typeof dec>) => (d.decimalPlaces() <= 2 ? toMoneyString(d) : d.toFixed());
const money = (m: Money2026 | undefined): V0Money | undefined => (m ? { CurrencyCode: m.currencyCode, Amount: m.amount } : undefined);
const positive = (m: Money2026 | undefined): V0Money | undefined =>
  m ? { CurrencyCode: m.currencyCode, Amount: exact(dec(m.amount).abs()) } : undefined;

/** Drops undefined values so that converted objects compare equal to v0 objects that omit the field. */
function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The 2026 delivery address in v0's Address shape (fields absent when Amazon sends none, e.g. no PII roles). */
export function addressFrom2026(
  a: NonNullable<NonNullable<Order2026["recipient"]>["deliveryAddress"]> | undefined,
): AmazonAddress | undefined {
  if (!a) return undefined;
  return defined({
    Name: a.name,
    AddressLine1: a.addressLine1,
    AddressLine2: a.addressLine2,
    AddressLine3: a.addressLine3,
    City: a.city,
    County: a.districtOrCounty,
    StateOrRegion: a.stateOrRegion,
    Municipality: a.municipality,
    PostalCode: a.postalCode,
    CountryCode: a.countryCode,
    Phone: a.phone,
    CompanyName: a.companyName,
  }) as AmazonAddress;
}

/**
 * A searchOrders row as the catch-up needs it (id, last update, v0 status, marketplace). The status needs
 * FULFILLMENT in includedData; without it OrderStatus is empty (the catch-up does not read it).
 */
export function summaryFrom2026(o: Pick<Order2026, "orderId" | "lastUpdatedTime" | "salesChannel" | "fulfillment">): AmazonOrderSummary {
  const status = o.fulfillment ? (STATUS[o.fulfillment.fulfillmentStatus] ?? o.fulfillment.fulfillmentStatus) : "";
  return defined({
    AmazonOrderId: o.orderId,
    LastUpdateDate: o.lastUpdatedTime,
    OrderStatus: status,
    MarketplaceId: o.salesChannel.marketplaceId,
  });
}

/** The order header in v0's Order shape. Needs FULFILLMENT in includedData (status and channel). */
export function orderFrom2026(o: Order2026): V0Order {
  const f = o.fulfillment;
  if (!f) {
    throw new ValidationError(
      "order2026.noFulfillment",
      `Order ${o.orderId}: the Orders 2026-01-01 answer has no fulfillment data; request it with includedData=FULFILLMENT.`,
      {
        details: { amazonOrderId: o.orderId },
      },
    );
  }
  const status = STATUS[f.fulfillmentStatus];
  const programs = o.programs ?? [];
  const sellerOrderId = o.orderAliases?.find((a) => a.aliasType === "SELLER_ORDER_ID")?.aliasId;
  return defined({
    AmazonOrderId: o.orderId,
    SellerOrderId: sellerOrderId,
    PurchaseDate: o.createdTime,
    LastUpdateDate: o.lastUpdatedTime,
    OrderStatus: status,
    FulfillmentChannel: f.fulfilledBy === "AMAZON" ? "AFN" : f.fulfilledBy === "MERCHANT" ? "MFN" : undefined,
    SalesChannel:
      o.salesChannel.channelName === "NON_AMAZON" ? "Non-Amazon" : (o.salesChannel.marketplaceName ?? o.salesChannel.channelName),
    MarketplaceId: o.salesChannel.marketplaceId,
    OrderTotal: money(o.proceeds?.grandTotal),
    EarliestShipDate: f.shipByWindow?.earliestDateTime,
    LatestShipDate: f.shipByWindow?.latestDateTime,
    EarliestDeliveryDate: f.deliverByWindow?.earliestDateTime,
    LatestDeliveryDate: f.deliverByWindow?.latestDateTime,
    IsBusinessOrder: programs.includes("AMAZON_BUSINESS"),
    IsPrime: programs.includes("PRIME"),
    ShippingAddress: addressFrom2026(o.recipient?.deliveryAddress),
  }) as V0Order;
}

function breakdown(item: OrderItem2026, type: string) {
  return item.proceeds?.breakdowns?.find((b) => b.type === type);
}

/** The detailed value of one subtype; the whole subtotal for `fallbackSubtype` when there are no details. */
function detailed(item: OrderItem2026, type: string, subtype: string, fallbackSubtype: string): Money2026 | undefined {
  const b = breakdown(item, type);
  if (!b) return undefined;
  if (!b.detailedBreakdowns?.length) return subtype === fallbackSubtype ? b.subtotal : undefined;
  return b.detailedBreakdowns.find((d) => d.subtype === subtype)?.value;
}

/** One item in v0's OrderItem shape. */
export function orderItemFrom2026(item: OrderItem2026): V0OrderItem {
  const unit = item.product.price?.unitPrice;
  const itemPrice =
    breakdown(item, "ITEM")?.subtotal ??
    (unit ? { currencyCode: unit.currencyCode, amount: exact(dec(unit.amount).times(item.quantityOrdered)) } : undefined);
  const giftWrapPrice = breakdown(item, "GIFT_WRAP")?.subtotal;
  const giftWrapTax = detailed(item, "TAX", "GIFT_WRAP", "ITEM");
  const collection = item.tax?.taxCollections?.[0];
  const promotionIds = (item.promotion?.breakdowns ?? []).map((p) => p.promotionId).filter((id): id is string => !!id);
  return defined({
    ASIN: item.product.asin,
    SellerSKU: item.product.sellerSku,
    OrderItemId: item.orderItemId,
    Title: item.product.title,
    QuantityOrdered: item.quantityOrdered,
    QuantityShipped: item.fulfillment?.quantityFulfilled,
    ItemPrice: money(itemPrice),
    ShippingPrice: money(breakdown(item, "SHIPPING")?.subtotal),
    ItemTax: money(detailed(item, "TAX", "ITEM", "ITEM")),
    ShippingTax: money(detailed(item, "TAX", "SHIPPING", "ITEM")),
    PromotionDiscount: positive(detailed(item, "DISCOUNT", "ITEM", "ITEM")),
    ShippingDiscount: positive(detailed(item, "DISCOUNT", "SHIPPING", "ITEM")),
    PromotionDiscountTax: positive(detailed(item, "TAX", "DISCOUNT", "ITEM")),
    PromotionIds: promotionIds.length ? promotionIds : undefined,
    TaxCollection: collection
      ? defined({
          Model: collection.model ? (TAX_COLLECTION_MODEL[collection.model] ?? collection.model) : undefined,
          ResponsibleParty: collection.responsibleParty,
        })
      : undefined,
    BuyerInfo: giftWrapPrice || giftWrapTax ? defined({ GiftWrapPrice: money(giftWrapPrice), GiftWrapTax: money(giftWrapTax) }) : undefined,
  }) as V0OrderItem;
}

/** Every item of the order in v0's OrderItem shape, in Amazon's order. */
export function orderItemsFrom2026(o: Order2026): V0OrderItem[] {
  return o.orderItems.map(orderItemFrom2026);
}
