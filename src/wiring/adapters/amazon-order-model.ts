/**
 * Orders v0 and Orders 2026-01-01 -> the orders flow's one order model (src/flows/orders/amazon-order.ts).
 * Pure. The connector has validated the wire shapes (src/amazon/schemas.ts); these functions only carry the
 * facts the flow uses over, so that an order read through either API imports to the same D365 order.
 *
 * Orders v0, field by field: AmazonOrderId, OrderStatus, PurchaseDate, LastUpdateDate, MarketplaceId,
 * FulfillmentChannel, SalesChannel, OrderTotal, LatestShipDate, LatestDeliveryDate, ShippingAddress; items:
 * OrderItemId, SellerSKU -> sku, ASIN, Title, QuantityOrdered, ItemPrice, ItemTax, PromotionDiscount,
 * ShippingPrice, ShippingDiscount, BuyerInfo.GiftWrapPrice, TaxCollection.Model. Money { CurrencyCode, Amount } ->
 * { currency, amount }; a Money without Amount is none.
 *
 * Orders 2026-01-01 (getOrder with includedData RECIPIENT, PROCEEDS, PROMOTION, FULFILLMENT, TAX):
 *   orderId; createdTime -> purchaseDate; lastUpdatedTime -> lastUpdate; fulfillment.fulfillmentStatus ->
 *   status (PENDING -> Pending, ..., CANCELLED -> Canceled); fulfillment.fulfilledBy AMAZON/MERCHANT ->
 *   fulfillmentChannel AFN/MFN; salesChannel.marketplaceId; salesChannel NON_AMAZON -> salesChannel
 *   "Non-Amazon" (MCF orders), else its marketplaceName; proceeds.grandTotal -> orderTotal; shipByWindow /
 *   deliverByWindow latest -> latestShipDate / latestDeliveryDate; recipient.deliveryAddress -> shippingAddress.
 *   Items: product.asin/sellerSku/title; quantityOrdered; proceeds breakdown ITEM / SHIPPING / GIFT_WRAP ->
 *   itemPrice / shippingPrice / giftWrapPrice; TAX detailed ITEM -> itemTax; DISCOUNT detailed ITEM / SHIPPING
 *   -> promotionDiscount / shippingDiscount; tax.taxCollections[0] MARKETPLACE_FACILITATOR -> taxCollectionModel
 *   "MarketplaceFacilitator".
 *
 * Where the 2026 conversion cannot be proven faithful from the published model (it has no VAT example and no
 * sign convention), these are the assumptions:
 *   - itemPrice: the ITEM proceeds subtotal is taken as v0's ItemPrice (unit price x quantity, VAT-inclusive in
 *     VAT marketplaces as v0 sends it). If Amazon's ITEM subtotal turns out to be net of VAT there, itemPrice
 *     would have to be ITEM + TAX/ITEM for marketplaces with pricesIncludeTax. Without PROCEEDS, itemPrice falls
 *     back to product.price.unitPrice x quantityOrdered (v0's definition).
 *   - Discounts: v0 sends PromotionDiscount / ShippingDiscount as positive amounts; 2026 DISCOUNT proceeds may be
 *     negative. The absolute value is used.
 *   - A TAX (or DISCOUNT) breakdown without detailedBreakdowns cannot be split: all of it goes to itemTax
 *     (promotionDiscount).
 *   - Not carried over (the flow does not read them): COD_FEE / OTHER proceeds, DELIVERY_TIP, v0's
 *     InvoiceUnconfirmed status (no 2026 counterpart), gift flags, conditions, buyer info.
 */
import type { Address, Money, Money2026, Order, Order2026, OrderItem, OrderItem2026 } from "../../amazon/schemas";
import type {
  AmazonMoney,
  AmazonOrder,
  AmazonOrderItem,
  AmazonOrderStatus,
  AmazonOrderSummary,
  ShippingAddress,
} from "../../flows/orders/amazon-order";
import { ValidationError } from "../../platform/errors";
import { dec, toMoneyString } from "../../platform/money";

/** Drops undefined values, so that converted objects compare equal whichever API they came from. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------------------
// Orders v0

function moneyV0(m: Money | undefined): AmazonMoney | undefined {
  return m?.Amount === undefined ? undefined : defined({ amount: m.Amount, currency: m.CurrencyCode });
}

export function addressFromV0(a: Address | undefined): ShippingAddress | undefined {
  if (!a) return undefined;
  return defined({
    name: a.Name,
    addressLine1: a.AddressLine1,
    addressLine2: a.AddressLine2,
    addressLine3: a.AddressLine3,
    city: a.City,
    stateOrRegion: a.StateOrRegion,
    postalCode: a.PostalCode,
    countryCode: a.CountryCode,
  });
}

export function orderFromV0(o: Order): AmazonOrder {
  // The connector's OrderStatus and the mapping's AmazonOrderStatus are the same eight statuses.
  const status: AmazonOrderStatus = o.OrderStatus;
  return defined({
    amazonOrderId: o.AmazonOrderId,
    status,
    purchaseDate: o.PurchaseDate,
    lastUpdate: o.LastUpdateDate,
    marketplaceId: o.MarketplaceId,
    fulfillmentChannel: o.FulfillmentChannel,
    salesChannel: o.SalesChannel,
    orderTotal: moneyV0(o.OrderTotal),
    latestShipDate: o.LatestShipDate,
    latestDeliveryDate: o.LatestDeliveryDate,
    shippingAddress: addressFromV0(o.ShippingAddress),
  });
}

export function orderItemFromV0(i: OrderItem): AmazonOrderItem {
  return defined({
    orderItemId: i.OrderItemId,
    sku: i.SellerSKU,
    asin: i.ASIN,
    title: i.Title,
    quantityOrdered: i.QuantityOrdered,
    itemPrice: moneyV0(i.ItemPrice),
    itemTax: moneyV0(i.ItemTax),
    promotionDiscount: moneyV0(i.PromotionDiscount),
    shippingPrice: moneyV0(i.ShippingPrice),
    shippingDiscount: moneyV0(i.ShippingDiscount),
    giftWrapPrice: moneyV0(i.BuyerInfo?.GiftWrapPrice),
    taxCollectionModel: i.TaxCollection?.Model,
  });
}

export function summaryFromV0(o: Pick<Order, "AmazonOrderId" | "LastUpdateDate" | "OrderStatus" | "MarketplaceId">): AmazonOrderSummary {
  return defined({ amazonOrderId: o.AmazonOrderId, lastUpdate: o.LastUpdateDate, status: o.OrderStatus, marketplaceId: o.MarketplaceId });
}

// ---------------------------------------------------------------------------------------------------------
// Orders 2026-01-01

const STATUS: Record<string, AmazonOrderStatus> = {
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
const money = (m: Money2026 | undefined): AmazonMoney | undefined => (m ? { amount: m.amount, currency: m.currencyCode } : undefined);
const positive = (m: Money2026 | undefined): AmazonMoney | undefined =>
  m ? { amount: exact(dec(m.amount).abs()), currency: m.currencyCode } : undefined;

/** The 2026 delivery address (fields absent when Amazon sends none, e.g. without the PII roles). */
export function addressFrom2026(
  a: NonNullable<NonNullable<Order2026["recipient"]>["deliveryAddress"]> | undefined,
): ShippingAddress | undefined {
  if (!a) return undefined;
  return defined({
    name: a.name,
    addressLine1: a.addressLine1,
    addressLine2: a.addressLine2,
    addressLine3: a.addressLine3,
    city: a.city,
    stateOrRegion: a.stateOrRegion,
    postalCode: a.postalCode,
    countryCode: a.countryCode,
  });
}

/**
 * A searchOrders row as the catch-up needs it (id, last update, status, marketplace). The status needs
 * FULFILLMENT in includedData; without it there is none (the catch-up does not read it).
 */
export function summaryFrom2026(o: Pick<Order2026, "orderId" | "lastUpdatedTime" | "salesChannel" | "fulfillment">): AmazonOrderSummary {
  return defined({
    amazonOrderId: o.orderId,
    lastUpdate: o.lastUpdatedTime,
    status: o.fulfillment ? STATUS[o.fulfillment.fulfillmentStatus] : undefined,
    marketplaceId: o.salesChannel.marketplaceId,
  });
}

/** The order. Needs FULFILLMENT in includedData (status and channel). */
export function orderFrom2026(o: Order2026): AmazonOrder {
  const f = o.fulfillment;
  if (!f) {
    throw new ValidationError(
      "order2026.noFulfillment",
      `Order ${o.orderId}: the Orders 2026-01-01 answer has no fulfillment data; request it with includedData=FULFILLMENT.`,
      { details: { amazonOrderId: o.orderId } },
    );
  }
  const status = STATUS[f.fulfillmentStatus]!;
  return defined({
    amazonOrderId: o.orderId,
    status,
    purchaseDate: o.createdTime,
    lastUpdate: o.lastUpdatedTime,
    marketplaceId: o.salesChannel.marketplaceId,
    fulfillmentChannel: f.fulfilledBy === "AMAZON" ? "AFN" : f.fulfilledBy === "MERCHANT" ? "MFN" : undefined,
    salesChannel:
      o.salesChannel.channelName === "NON_AMAZON" ? "Non-Amazon" : (o.salesChannel.marketplaceName ?? o.salesChannel.channelName),
    orderTotal: money(o.proceeds?.grandTotal),
    latestShipDate: f.shipByWindow?.latestDateTime,
    latestDeliveryDate: f.deliverByWindow?.latestDateTime,
    shippingAddress: addressFrom2026(o.recipient?.deliveryAddress),
  });
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

/** One item of the order. */
export function orderItemFrom2026(item: OrderItem2026): AmazonOrderItem {
  const unit = item.product.price?.unitPrice;
  const itemPrice =
    breakdown(item, "ITEM")?.subtotal ??
    (unit ? { currencyCode: unit.currencyCode, amount: exact(dec(unit.amount).times(item.quantityOrdered)) } : undefined);
  const model = item.tax?.taxCollections?.[0]?.model;
  return defined({
    orderItemId: item.orderItemId,
    sku: item.product.sellerSku,
    asin: item.product.asin,
    title: item.product.title,
    quantityOrdered: item.quantityOrdered,
    itemPrice: money(itemPrice),
    itemTax: money(detailed(item, "TAX", "ITEM", "ITEM")),
    promotionDiscount: positive(detailed(item, "DISCOUNT", "ITEM", "ITEM")),
    shippingPrice: money(breakdown(item, "SHIPPING")?.subtotal),
    shippingDiscount: positive(detailed(item, "DISCOUNT", "SHIPPING", "ITEM")),
    giftWrapPrice: money(breakdown(item, "GIFT_WRAP")?.subtotal),
    taxCollectionModel: model ? (TAX_COLLECTION_MODEL[model] ?? model) : undefined,
  });
}

/** Every item of the order, in Amazon's order. */
export function orderItemsFrom2026(o: Order2026): AmazonOrderItem[] {
  return o.orderItems.map(orderItemFrom2026);
}
