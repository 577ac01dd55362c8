/** Simulator state → SP-API wire shapes (as in reference/sp-api-models; checked by test/contract/amazon). */
import { dec } from "../../platform/money";
import { DEMO_MARKETPLACES } from "../demo-catalog";
import { MARKETPLACE_FORMATS, orderTotal, type MoneyEvent, type SimInventory, type SimOrder } from "./data";

const iso = (d: Date) => d.toISOString();
const m = (currency: string, amount: string) => ({ CurrencyCode: currency, Amount: amount });

export function orderJson(o: SimOrder, pii: boolean): Record<string, unknown> {
  const shipped = o.items.reduce((s, i) => s + i.quantityShipped, 0);
  const total = o.items.reduce((s, i) => s + i.quantity, 0);
  const channel = DEMO_MARKETPLACES.find((x) => x.marketplaceId === o.marketplaceId)?.salesChannel ?? "Amazon.com";
  const out: Record<string, unknown> = {
    AmazonOrderId: o.amazonOrderId,
    ...(o.sellerOrderId ? { SellerOrderId: o.sellerOrderId } : {}),
    PurchaseDate: iso(o.purchaseDate),
    LastUpdateDate: iso(o.lastUpdateDate),
    OrderStatus: o.status,
    FulfillmentChannel: o.fulfillmentChannel,
    SalesChannel: channel,
    ShipServiceLevel: o.shipServiceLevel,
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: o.status === "Canceled" ? 0 : total - shipped,
    PaymentMethod: "Other",
    PaymentMethodDetails: ["Standard"],
    MarketplaceId: o.marketplaceId,
    ShipmentServiceLevelCategory: o.shipServiceLevel === "Expedited" ? "Expedited" : "Standard",
    OrderType: "StandardOrder",
    EarliestShipDate: iso(new Date(o.purchaseDate.getTime() + 86_400_000)),
    LatestShipDate: iso(new Date(o.purchaseDate.getTime() + 2 * 86_400_000)),
    IsBusinessOrder: o.isBusinessOrder,
    IsPrime: o.isPrime,
    IsPremiumOrder: false,
    IsGlobalExpressEnabled: false,
    IsReplacementOrder: false,
    IsSoldByAB: false,
    IsISPU: false,
    IsAccessPointOrder: false,
    HasRegulatedItems: false,
  };
  // Amazon leaves the total off canceled orders.
  if (o.status !== "Canceled") out.OrderTotal = m(o.currency, orderTotal(o));
  if (o.status !== "Pending") out.ShippingAddress = addressJson(o, pii);
  out.BuyerInfo = pii ? { BuyerEmail: o.buyer.email, BuyerName: o.buyer.name } : { BuyerEmail: o.buyer.email };
  return out;
}

export function addressJson(o: SimOrder, pii: boolean): Record<string, unknown> {
  const a = o.address;
  const base = { City: a.city, StateOrRegion: a.stateOrRegion, PostalCode: a.postalCode, CountryCode: a.countryCode };
  return pii ? { Name: a.name, AddressLine1: a.line1, ...base, Phone: a.phone, AddressType: "Residential" } : base;
}

export function orderItemJson(o: SimOrder, i: SimOrder["items"][number], pii: boolean): Record<string, unknown> {
  const c = o.currency;
  const vat = MARKETPLACE_FORMATS[o.marketplaceId]?.vat;
  const out: Record<string, unknown> = {
    ASIN: i.asin,
    SellerSKU: i.sku,
    OrderItemId: i.orderItemId,
    Title: i.title,
    QuantityOrdered: i.quantity,
    QuantityShipped: i.quantityShipped,
    ProductInfo: { NumberOfItems: "1" },
    IsGift: "false",
    ConditionId: "New",
    ConditionSubtypeId: "New",
    IsTransparency: false,
    SerialNumberRequired: false,
  };
  if (o.status !== "Canceled") {
    Object.assign(out, {
      ItemPrice: m(c, i.itemPrice),
      ItemTax: m(c, i.itemTax),
      ShippingPrice: m(c, i.shippingPrice),
      ShippingTax: m(c, i.shippingTax),
      ShippingDiscount: m(c, "0.00"),
      ShippingDiscountTax: m(c, "0.00"),
      PromotionDiscount: m(c, i.promotionDiscount),
      PromotionDiscountTax: m(c, i.promotionDiscountTax),
    });
    if (i.promotionIds.length) out.PromotionIds = i.promotionIds;
  }
  if (!vat) out.TaxCollection = { Model: "MarketplaceFacilitator", ResponsibleParty: "Amazon Services, Inc." };
  if (pii) out.BuyerInfo = { GiftWrapLevel: "None" };
  return out;
}

// --- Orders 2026-01-01 ----------------------------------------------------------------------------------
// The same seeded orders as v0, in the 2026 shape: same ids, status, items and amounts (decimal strings).
// Assumption (the model does not say): the ITEM proceeds subtotal is Amazon's item price as v0 sends it in
// ItemPrice (VAT-inclusive in VAT marketplaces, tax on top in the US); TAX is broken down ITEM / SHIPPING /
// DISCOUNT like v0's ItemTax / ShippingTax / PromotionDiscountTax; DISCOUNT subtotals are negative (proceeds).

export const ORDER_STATUS_2026: Record<SimOrder["status"], string> = {
  Pending: "PENDING",
  Unshipped: "UNSHIPPED",
  PartiallyShipped: "PARTIALLY_SHIPPED",
  Shipped: "SHIPPED",
  Canceled: "CANCELLED",
};

const m26 = (currency: string, amount: string) => ({ amount, currencyCode: currency });
const neg26 = (amount: string) => dec(amount).negated().toFixed(2);

function itemProceeds2026(o: SimOrder, i: SimOrder["items"][number]): Record<string, unknown> {
  const c = o.currency;
  const vat = MARKETPLACE_FORMATS[o.marketplaceId]?.vat ?? false;
  const taxTotal = dec(i.itemTax).plus(i.shippingTax).minus(i.promotionDiscountTax);
  const net = dec(i.itemPrice).plus(i.shippingPrice).minus(i.promotionDiscount);
  const taxDetails = [
    { subtype: "ITEM", value: m26(c, i.itemTax) },
    { subtype: "SHIPPING", value: m26(c, i.shippingTax) },
  ];
  if (!dec(i.promotionDiscountTax).isZero()) taxDetails.push({ subtype: "DISCOUNT", value: m26(c, neg26(i.promotionDiscountTax)) });
  const breakdowns: Record<string, unknown>[] = [
    { type: "ITEM", subtotal: m26(c, i.itemPrice) },
    { type: "SHIPPING", subtotal: m26(c, i.shippingPrice) },
    { type: "TAX", subtotal: m26(c, taxTotal.toFixed(2)), detailedBreakdowns: taxDetails },
  ];
  if (!dec(i.promotionDiscount).isZero()) {
    breakdowns.push({
      type: "DISCOUNT",
      subtotal: m26(c, neg26(i.promotionDiscount)),
      detailedBreakdowns: [{ subtype: "ITEM", value: m26(c, neg26(i.promotionDiscount)) }],
    });
  }
  return { proceedsTotal: m26(c, (vat ? net : net.plus(taxTotal)).toFixed(2)), breakdowns };
}

export function orderItem2026Json(o: SimOrder, i: SimOrder["items"][number], included: ReadonlySet<string>): Record<string, unknown> {
  const canceled = o.status === "Canceled";
  const out: Record<string, unknown> = {
    orderItemId: i.orderItemId,
    quantityOrdered: i.quantity,
    product: {
      asin: i.asin,
      title: i.title,
      sellerSku: i.sku,
      condition: { conditionType: "NEW", conditionSubtype: "NEW" },
      // Amazon leaves prices off canceled orders (as v0 does).
      ...(canceled ? {} : { price: { unitPrice: m26(o.currency, i.unitPrice) } }),
    },
  };
  if (included.has("PROCEEDS") && !canceled) out.proceeds = itemProceeds2026(o, i);
  if (included.has("PROMOTION") && !canceled && i.promotionIds.length)
    out.promotion = { breakdowns: i.promotionIds.map((promotionId) => ({ promotionId })) };
  if (included.has("FULFILLMENT"))
    out.fulfillment = { quantityFulfilled: i.quantityShipped, quantityUnfulfilled: canceled ? 0 : i.quantity - i.quantityShipped };
  if (included.has("TAX") && !MARKETPLACE_FORMATS[o.marketplaceId]?.vat) {
    out.tax = { taxCollections: [{ model: "MARKETPLACE_FACILITATOR", responsibleParty: "Amazon Services, Inc." }] };
  }
  return out;
}

export function order2026Json(o: SimOrder, included: ReadonlySet<string>): Record<string, unknown> {
  const mp = DEMO_MARKETPLACES.find((x) => x.marketplaceId === o.marketplaceId);
  const c = o.currency;
  const programs = [...(o.isPrime ? ["PRIME"] : []), ...(o.isBusinessOrder ? ["AMAZON_BUSINESS"] : [])];
  const out: Record<string, unknown> = {
    orderId: o.amazonOrderId,
    ...(o.sellerOrderId ? { orderAliases: [{ aliasId: o.sellerOrderId, aliasType: "SELLER_ORDER_ID" }] } : {}),
    createdTime: iso(o.purchaseDate),
    lastUpdatedTime: iso(o.lastUpdateDate),
    ...(programs.length ? { programs } : {}),
    salesChannel: { channelName: "AMAZON", marketplaceId: o.marketplaceId, marketplaceName: mp?.name ?? "Amazon.com" },
  };
  // No buyer name, street or phone: the simulated app has no restricted (PII) roles, as in v0 without an RDT.
  if (included.has("BUYER")) out.buyer = { buyerEmail: o.buyer.email };
  if (included.has("RECIPIENT") && o.status !== "Pending") {
    const a = o.address;
    out.recipient = {
      deliveryAddress: { city: a.city, stateOrRegion: a.stateOrRegion, postalCode: a.postalCode, countryCode: a.countryCode },
    };
  }
  if (included.has("PROCEEDS") && o.status !== "Canceled") {
    const total = (f: (i: SimOrder["items"][number]) => string) => o.items.reduce((s, i) => s.plus(f(i)), dec("0"));
    const discount = total((i) => i.promotionDiscount);
    const breakdowns: Record<string, unknown>[] = [
      { type: "ITEM", subtotal: m26(c, total((i) => i.itemPrice).toFixed(2)) },
      { type: "SHIPPING", subtotal: m26(c, total((i) => i.shippingPrice).toFixed(2)) },
      {
        type: "TAX",
        subtotal: m26(c, total((i) => dec(i.itemTax).plus(i.shippingTax).minus(i.promotionDiscountTax).toFixed(2)).toFixed(2)),
      },
    ];
    if (!discount.isZero()) breakdowns.push({ type: "DISCOUNT", subtotal: m26(c, discount.negated().toFixed(2)) });
    out.proceeds = { grandTotal: m26(c, orderTotal(o)), breakdowns };
  }
  if (included.has("FULFILLMENT")) {
    out.fulfillment = {
      fulfillmentStatus: ORDER_STATUS_2026[o.status],
      fulfilledBy: o.fulfillmentChannel === "AFN" ? "AMAZON" : "MERCHANT",
      fulfillmentServiceLevel: o.shipServiceLevel === "Expedited" ? "EXPEDITED" : "STANDARD",
      shipByWindow: {
        earliestDateTime: iso(new Date(o.purchaseDate.getTime() + 86_400_000)),
        latestDateTime: iso(new Date(o.purchaseDate.getTime() + 2 * 86_400_000)),
      },
    };
  }
  out.orderItems = o.items.map((i) => orderItem2026Json(o, i, included));
  return out;
}

export function inventoryJson(i: SimInventory, details: boolean): Record<string, unknown> {
  const receiving = i.inboundReceiving ?? 0;
  const researching = i.researching ?? 0;
  const total = i.fulfillable + i.inboundWorking + i.inboundShipped + receiving + i.reserved + i.unfulfillable + researching;
  const out: Record<string, unknown> = {
    asin: i.asin,
    fnSku: i.fnsku,
    sellerSku: i.sku,
    condition: "NewItem",
    lastUpdatedTime: iso(i.lastUpdated),
    productName: i.title,
    totalQuantity: total,
    stores: [],
  };
  if (details) {
    out.inventoryDetails = {
      fulfillableQuantity: i.fulfillable,
      inboundWorkingQuantity: i.inboundWorking,
      inboundShippedQuantity: i.inboundShipped,
      inboundReceivingQuantity: receiving,
      reservedQuantity: {
        totalReservedQuantity: i.reserved,
        pendingCustomerOrderQuantity: i.reserved,
        pendingTransshipmentQuantity: 0,
        fcProcessingQuantity: 0,
      },
      researchingQuantity: {
        totalResearchingQuantity: researching,
        researchingQuantityBreakdown: researching ? [{ name: "researchingQuantityInShortTerm", quantity: researching }] : [],
      },
      unfulfillableQuantity: {
        totalUnfulfillableQuantity: i.unfulfillable,
        customerDamagedQuantity: i.unfulfillable,
        warehouseDamagedQuantity: 0,
        distributorDamagedQuantity: 0,
        carrierDamagedQuantity: 0,
        defectiveQuantity: 0,
        expiredQuantity: 0,
      },
    };
  }
  return out;
}

/** Settlement-shaped money events grouped into Finances v0 ShipmentEvents / RefundEvents / ServiceFeeEvents. */
export function financialEventsJson(events: MoneyEvent[]): Record<string, unknown> {
  const cur = (e: MoneyEvent, amount = e.amount) => ({ CurrencyCode: e.currency, CurrencyAmount: Number(amount) });
  const groups = new Map<string, MoneyEvent[]>();
  const service: MoneyEvent[] = [];
  for (const e of events) {
    if (e.transactionType === "other-transaction") {
      if (e.amountDescription === "Storage Fee") service.push(e);
      continue; // reserves are not financial events
    }
    const key = `${e.transactionType}|${e.orderId}|${e.posted.getTime()}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const shipmentEvents: unknown[] = [];
  const refundEvents: unknown[] = [];
  for (const evs of groups.values()) {
    const first = evs[0];
    const byItem = new Map<string, MoneyEvent[]>();
    for (const e of evs) byItem.set(e.orderItemCode ?? "", [...(byItem.get(e.orderItemCode ?? "") ?? []), e]);
    const refund = first.transactionType === "Refund";
    const items = [...byItem.values()].map((ie) => {
      const charges = ie
        .filter((e) => e.amountType === "ItemPrice")
        .map((e) => ({ ChargeType: e.amountDescription === "Shipping" ? "ShippingCharge" : e.amountDescription, ChargeAmount: cur(e) }));
      const fees = ie.filter((e) => e.amountType === "ItemFees").map((e) => ({ FeeType: e.amountDescription, FeeAmount: cur(e) }));
      const promos = ie
        .filter((e) => e.amountType === "Promotion")
        .map((e) => ({ PromotionType: "PromotionMetaDataDefinitionValue", PromotionId: e.promotionId ?? "", PromotionAmount: cur(e) }));
      const withheld = ie
        .filter((e) => e.amountType === "ItemWithheldTax")
        .map((e) => ({ ChargeType: e.amountDescription, ChargeAmount: cur(e) }));
      const it: Record<string, unknown> = { SellerSKU: ie[0].sku, OrderItemId: ie[0].orderItemCode };
      if (refund) {
        it.OrderAdjustmentItemId = ie[0].merchantAdjustmentItemId;
        it.QuantityShipped = ie[0].quantity ?? 1;
        it.ItemChargeAdjustmentList = charges;
        it.ItemFeeAdjustmentList = fees;
        if (promos.length) it.PromotionAdjustmentList = promos;
      } else {
        it.QuantityShipped = ie[0].quantity ?? 0;
        it.ItemChargeList = charges;
        it.ItemFeeList = fees;
        if (promos.length) it.PromotionList = promos;
      }
      if (withheld.length) it.ItemTaxWithheldList = [{ TaxCollectionModel: "MarketplaceFacilitator", TaxesWithheld: withheld }];
      return it;
    });
    const ev: Record<string, unknown> = {
      AmazonOrderId: first.orderId,
      ...(first.merchantOrderId ? { SellerOrderId: first.merchantOrderId } : {}),
      MarketplaceName: DEMO_MARKETPLACES.find((x) => x.marketplaceId === first.marketplaceId)?.name,
      PostedDate: iso(first.posted),
    };
    if (refund) {
      ev.ShipmentItemAdjustmentList = items;
      refundEvents.push(ev);
    } else {
      ev.ShipmentItemList = items;
      shipmentEvents.push(ev);
    }
  }
  return {
    ShipmentEventList: shipmentEvents,
    RefundEventList: refundEvents,
    ServiceFeeEventList: service.map((e) => ({
      FeeReason: "StorageFee",
      FeeDescription: e.amountDescription,
      FeeList: [{ FeeType: "FBAStorageFee", FeeAmount: cur(e) }],
    })),
  };
}

/** Sum of every amount (decimal), for tests comparing finances with settlements. */
export function sumAmounts(events: MoneyEvent[]): string {
  return events.reduce((s, e) => s.plus(e.amount), dec("0")).toFixed(2);
}
