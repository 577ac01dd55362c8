/** Simulator state → SP-API wire shapes (as in reference/sp-api-models; checked by test/contract/amazon). */
import { dec } from "../../platform/money";
import { DEMO_MARKETPLACES } from "../demo-catalog";
import { MARKETPLACE_FORMATS, orderTotal, type MoneyEvent, type SimInventory, type SimListing, type SimOrder } from "./data";

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

export function inventoryJson(i: SimInventory, details: boolean): Record<string, unknown> {
  const total = i.fulfillable + i.inboundWorking + i.inboundShipped + i.reserved + i.unfulfillable;
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
      inboundReceivingQuantity: 0,
      reservedQuantity: { totalReservedQuantity: i.reserved, pendingCustomerOrderQuantity: i.reserved, pendingTransshipmentQuantity: 0, fcProcessingQuantity: 0 },
      researchingQuantity: { totalResearchingQuantity: 0, researchingQuantityBreakdown: [] },
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

export function listingJson(listings: SimListing[], sku: string, included: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { sku };
  if (included.includes("summaries")) {
    out.summaries = listings.map((l) => ({
      marketplaceId: l.marketplaceId,
      asin: l.asin,
      productType: "PRODUCT",
      conditionType: "new_new",
      status: ["BUYABLE", "DISCOVERABLE"],
      ...(l.fba ? { fnSku: l.fnsku } : {}),
      itemName: l.title,
      createdDate: iso(l.created),
      lastUpdatedDate: iso(l.updated),
    }));
  }
  if (included.includes("offers")) {
    out.offers = listings.map((l) => ({ marketplaceId: l.marketplaceId, offerType: "B2C", price: { currencyCode: l.currency, amount: l.price } }));
  }
  if (included.includes("fulfillmentAvailability")) {
    out.fulfillmentAvailability = listings.map((l) =>
      l.fba ? { fulfillmentChannelCode: l.marketplaceId === "ATVPDKIKX0DER" ? "AMAZON_NA" : "AMAZON_EU" } : { fulfillmentChannelCode: "DEFAULT", quantity: l.quantity },
    );
  }
  if (included.includes("issues")) out.issues = [];
  if (included.includes("attributes")) {
    out.attributes = {
      item_name: listings.map((l) => ({ value: l.title, marketplace_id: l.marketplaceId })),
      fulfillment_availability: listings.filter((l) => !l.fba).map((l) => ({ fulfillment_channel_code: "DEFAULT", quantity: l.quantity, marketplace_id: l.marketplaceId })),
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
      const charges = ie.filter((e) => e.amountType === "ItemPrice").map((e) => ({ ChargeType: e.amountDescription === "Shipping" ? "ShippingCharge" : e.amountDescription, ChargeAmount: cur(e) }));
      const fees = ie.filter((e) => e.amountType === "ItemFees").map((e) => ({ FeeType: e.amountDescription, FeeAmount: cur(e) }));
      const promos = ie.filter((e) => e.amountType === "Promotion").map((e) => ({ PromotionType: "PromotionMetaDataDefinitionValue", PromotionId: e.promotionId ?? "", PromotionAmount: cur(e) }));
      const withheld = ie.filter((e) => e.amountType === "ItemWithheldTax").map((e) => ({ ChargeType: e.amountDescription, ChargeAmount: cur(e) }));
      const it: Record<string, unknown> = { SellerSKU: ie[0].sku, OrderItemId: ie[0].orderItemCode };
      if (refund) {
        it.OrderAdjustmentItemId = ie[0].merchantAdjustmentItemId;
        it.QuantityShipped = 1;
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
    ServiceFeeEventList: service.map((e) => ({ FeeReason: "StorageFee", FeeDescription: e.amountDescription, FeeList: [{ FeeType: "FBAStorageFee", FeeAmount: cur(e) }] })),
  };
}

/** Sum of every amount (decimal), for tests comparing finances with settlements. */
export function sumAmounts(events: MoneyEvent[]): string {
  return events.reduce((s, e) => s.plus(e.amount), dec("0")).toFixed(2);
}
