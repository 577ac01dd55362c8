/**
 * The SP-API simulator's demo seller, generated deterministically from a seed: orders in the US, UK and DE
 * marketplaces in every status (FBA and FBM, multi-quantity lines, promotions, taxes, shipping, a few
 * unknown SKUs), the money events that follow from them (fees, refunds, reserves), FBA inventory and
 * listings. Settlement files and financial events are both derived from the same events, so they agree.
 * All buyer data is obviously fake.
 */
import { prng } from "../prng";
import { Dec, dec, toMoneyString } from "../../platform/money";
import { DEMO_MARKETPLACES, DEMO_PRODUCTS, DEMO_UNKNOWN_SKUS, type DemoProduct } from "../demo-catalog";

export type OrderStatus = "Pending" | "Unshipped" | "PartiallyShipped" | "Shipped" | "Canceled";
export const ORDER_STATUSES: OrderStatus[] = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled"];

export interface SimItem {
  orderItemId: string;
  sku: string;
  asin: string;
  title: string;
  quantity: number;
  quantityShipped: number;
  /** Unit price (decimal string). ItemPrice on the wire is unit price × quantity. */
  unitPrice: string;
  itemPrice: string;
  itemTax: string;
  shippingPrice: string;
  shippingTax: string;
  promotionDiscount: string;
  promotionDiscountTax: string;
  promotionIds: string[];
}

export interface SimOrder {
  amazonOrderId: string;
  sellerOrderId?: string;
  marketplaceId: string;
  currency: string;
  purchaseDate: Date;
  lastUpdateDate: Date;
  status: OrderStatus;
  fulfillmentChannel: "AFN" | "MFN";
  shipServiceLevel: string;
  isPrime: boolean;
  isBusinessOrder: boolean;
  items: SimItem[];
  buyer: { name: string; email: string };
  address: { name: string; line1: string; city: string; stateOrRegion: string; postalCode: string; countryCode: string; phone: string };
}

/** One money movement, shaped like a settlement detail row (and convertible to a financial event). */
export interface MoneyEvent {
  marketplaceId: string;
  currency: string;
  transactionType: "Order" | "Refund" | "other-transaction";
  orderId?: string;
  merchantOrderId?: string;
  adjustmentId?: string;
  shipmentId?: string;
  amountType: string;
  amountDescription: string;
  amount: string;
  fulfillmentId?: "AFN" | "MFN";
  posted: Date;
  orderItemCode?: string;
  merchantAdjustmentItemId?: string;
  sku?: string;
  quantity?: number;
  promotionId?: string;
}

export interface SimSettlement {
  settlementId: string;
  marketplaceId: string;
  currency: string;
  start: Date;
  end: Date;
  deposit: Date;
  events: MoneyEvent[];
  totalAmount: string;
}

export interface SimInventory {
  marketplaceId: string;
  sku: string;
  asin: string;
  fnsku: string;
  title: string;
  fulfillable: number;
  inboundWorking: number;
  inboundShipped: number;
  reserved: number;
  unfulfillable: number;
  lastUpdated: Date;
  inboundReceiving?: number;
  researching?: number;
}

export interface SimListing {
  sku: string;
  marketplaceId: string;
  asin: string;
  fnsku: string;
  title: string;
  price: string;
  currency: string;
  fba: boolean;
  quantity: number;
  created: Date;
  updated: Date;
  /** Seller the listing belongs to (default: the demo seller). */
  sellerId?: string;
  productType?: string;
  requirements?: string;
  /** Amazon attributes other than item_name, purchasable_offer and fulfillment_availability (those are the fields above). */
  attributes?: Record<string, Record<string, unknown>[]>;
  /** Issues Amazon raised beyond missing required attributes. */
  extraIssues?: import("./product-types").SimIssue[];
}

export const MARKETPLACE_FORMATS: Record<string, { vat: boolean; taxRate: string; locale: "US" | "UK" | "DE"; withheld: string }> = {
  ATVPDKIKX0DER: { vat: false, taxRate: "0.0825", locale: "US", withheld: "MarketplaceFacilitatorTax" },
  A1F83G8C2ARO7P: { vat: true, taxRate: "0.20", locale: "UK", withheld: "MarketplaceFacilitatorVAT" },
  A1PA6795UKMFR9: { vat: true, taxRate: "0.19", locale: "DE", withheld: "MarketplaceFacilitatorVAT" },
};

const CITIES: Record<string, { city: string; region: string; postal: string; country: string }[]> = {
  ATVPDKIKX0DER: [
    { city: "Seattle", region: "WA", postal: "98101", country: "US" },
    { city: "Austin", region: "TX", postal: "73301", country: "US" },
    { city: "Columbus", region: "OH", postal: "43004", country: "US" },
  ],
  A1F83G8C2ARO7P: [
    { city: "Manchester", region: "Greater Manchester", postal: "M1 1AE", country: "GB" },
    { city: "Leeds", region: "West Yorkshire", postal: "LS1 1UR", country: "GB" },
  ],
  A1PA6795UKMFR9: [
    { city: "Köln", region: "NRW", postal: "50667", country: "DE" },
    { city: "München", region: "Bayern", postal: "80331", country: "DE" },
  ],
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const money = (d: Dec) => toMoneyString(d);
const neg = (s: string) => money(dec(s).negated());

export function priceOf(p: DemoProduct, currency: string): string {
  return p.prices[currency as keyof DemoProduct["prices"]] ?? p.prices.USD;
}

export interface ItemSpec {
  sku: string;
  quantity: number;
  /** Unit price; defaults to the catalog price. */
  unitPrice?: string;
  shippingPrice?: string;
  promotionDiscount?: string;
  quantityShipped?: number;
}

/** Builds one line with tax per the marketplace's rules (US: added on top; UK/DE: VAT included in the price). */
export function buildItem(marketplaceId: string, orderItemId: string, spec: ItemSpec): SimItem {
  const mp = DEMO_MARKETPLACES.find((m) => m.marketplaceId === marketplaceId) ?? DEMO_MARKETPLACES[0];
  const fmt = MARKETPLACE_FORMATS[mp.marketplaceId];
  const product = [...DEMO_PRODUCTS, ...DEMO_UNKNOWN_SKUS].find((p) => p.sku === spec.sku);
  const unit = spec.unitPrice ?? (product ? priceOf(product, mp.currency) : "10.00");
  const itemPrice = dec(unit).times(spec.quantity);
  const shipping = dec(spec.shippingPrice ?? "0.00");
  const rate = dec(fmt.taxRate);
  const taxOf = (gross: Dec) => (fmt.vat ? gross.times(rate).dividedBy(rate.plus(1)) : gross.times(rate)).toDecimalPlaces(2);
  const promo = dec(spec.promotionDiscount ?? "0.00");
  return {
    orderItemId,
    sku: spec.sku,
    asin: product?.asin ?? "B0UNKNOWN0",
    title: product?.title ?? spec.sku,
    quantity: spec.quantity,
    quantityShipped: spec.quantityShipped ?? 0,
    unitPrice: money(dec(unit)),
    itemPrice: money(itemPrice),
    itemTax: money(taxOf(itemPrice)),
    shippingPrice: money(shipping),
    shippingTax: money(taxOf(shipping)),
    promotionDiscount: money(promo),
    promotionDiscountTax: money(taxOf(promo)),
    promotionIds: promo.isZero() ? [] : ["DEMO-PROMO-" + mp.country],
  };
}

/** What the buyer paid: US adds tax on top; in VAT marketplaces the tax is inside the prices. */
export function orderTotal(o: SimOrder): string {
  const vat = MARKETPLACE_FORMATS[o.marketplaceId]?.vat ?? false;
  let total = new Dec(0);
  for (const i of o.items) {
    total = total.plus(i.itemPrice).plus(i.shippingPrice).minus(i.promotionDiscount);
    if (!vat) total = total.plus(i.itemTax).plus(i.shippingTax).minus(i.promotionDiscountTax);
  }
  return money(total);
}

export function fakeBuyer(n: number, marketplaceId: string, rnd: () => number) {
  const places = CITIES[marketplaceId] ?? CITIES.ATVPDKIKX0DER;
  const p = places[Math.floor(rnd() * places.length)];
  return {
    buyer: { name: `Demo Buyer ${n}`, email: `demo-buyer-${n}@marketplace.example.invalid` },
    address: {
      name: `Demo Buyer ${n}`,
      line1: `${n} Example Street`,
      city: p.city,
      stateOrRegion: p.region,
      postalCode: p.postal,
      countryCode: p.country,
      phone: "+1 555 0100",
    },
  };
}

export function orderIdFor(marketplaceIndex: number, n: number, rnd: () => number): string {
  const a = String(111 + marketplaceIndex * 100 + (n % 9)).padStart(3, "0");
  const b = String(Math.floor(rnd() * 9_000_000) + 1_000_000);
  const c = String(Math.floor(rnd() * 9_000_000) + 1_000_000);
  return `${a}-${b}-${c}`;
}

export interface SimData {
  base: Date;
  orders: SimOrder[];
  events: MoneyEvent[];
  settlements: SimSettlement[];
  inventory: SimInventory[];
  listings: SimListing[];
}

/** The money events Amazon books when an order ships (per shipped quantity), as settlement rows show them. */
export function shipmentEvents(o: SimOrder, posted: Date, shipmentId: string): MoneyEvent[] {
  const fmt = MARKETPLACE_FORMATS[o.marketplaceId];
  const out: MoneyEvent[] = [];
  for (const it of o.items) {
    const qty = it.quantityShipped || (o.status === "Shipped" ? it.quantity : 0);
    if (qty <= 0) continue;
    const share = dec(qty).dividedBy(it.quantity);
    const part = (s: string) => money(dec(s).times(share));
    const base = {
      marketplaceId: o.marketplaceId,
      currency: o.currency,
      transactionType: "Order" as const,
      orderId: o.amazonOrderId,
      merchantOrderId: o.sellerOrderId,
      shipmentId,
      fulfillmentId: o.fulfillmentChannel,
      posted,
      orderItemCode: it.orderItemId,
      sku: it.sku,
      quantity: qty,
    };
    const principal = part(it.itemPrice);
    out.push({ ...base, amountType: "ItemPrice", amountDescription: "Principal", amount: principal });
    if (!dec(it.itemTax).isZero()) out.push({ ...base, amountType: "ItemPrice", amountDescription: "Tax", amount: part(it.itemTax) });
    if (!dec(it.shippingPrice).isZero()) {
      out.push({ ...base, amountType: "ItemPrice", amountDescription: "Shipping", amount: part(it.shippingPrice) });
      if (!dec(it.shippingTax).isZero())
        out.push({ ...base, amountType: "ItemPrice", amountDescription: "ShippingTax", amount: part(it.shippingTax) });
    }
    if (!dec(it.promotionDiscount).isZero()) {
      out.push({
        ...base,
        amountType: "Promotion",
        amountDescription: "Principal",
        amount: neg(part(it.promotionDiscount)),
        promotionId: it.promotionIds[0],
      });
    }
    // Marketplace facilitator tax: Amazon collects the tax and withholds it again from the seller.
    if (!dec(it.itemTax).isZero())
      out.push({ ...base, amountType: "ItemWithheldTax", amountDescription: `${fmt.withheld}-Principal`, amount: neg(part(it.itemTax)) });
    if (!dec(it.shippingTax).isZero())
      out.push({
        ...base,
        amountType: "ItemWithheldTax",
        amountDescription: `${fmt.withheld}-Shipping`,
        amount: neg(part(it.shippingTax)),
      });
    out.push({ ...base, amountType: "ItemFees", amountDescription: "Commission", amount: neg(money(dec(principal).times("0.15"))) });
    if (o.fulfillmentChannel === "AFN")
      out.push({
        ...base,
        amountType: "ItemFees",
        amountDescription: "FBAPerUnitFulfillmentFee",
        amount: neg(money(dec("3.22").times(qty))),
      });
  }
  return out;
}

/** A refund of `quantity` units of one shipped line (refundEvents scaled; events carry the quantity). */
export function partialRefundEvents(o: SimOrder, item: SimItem, quantity: number, posted: Date, adjustmentId: string): MoneyEvent[] {
  const share = dec(quantity).dividedBy(item.quantity);
  const part = (s: string) => money(dec(s).times(share));
  const scaled: SimItem = { ...item, itemPrice: part(item.itemPrice), itemTax: part(item.itemTax) };
  const adjustmentItemId = `ADJ-${item.orderItemId.slice(-6)}-${adjustmentId.slice(-4)}`;
  return refundEvents(o, scaled, posted, adjustmentId).map((e) => ({ ...e, quantity, merchantAdjustmentItemId: adjustmentItemId }));
}

/** A full refund of one shipped line: principal and tax back to the buyer, commission partly returned. */
export function refundEvents(o: SimOrder, item: SimItem, posted: Date, adjustmentId: string): MoneyEvent[] {
  const fmt = MARKETPLACE_FORMATS[o.marketplaceId];
  const base = {
    marketplaceId: o.marketplaceId,
    currency: o.currency,
    transactionType: "Refund" as const,
    orderId: o.amazonOrderId,
    merchantOrderId: o.sellerOrderId,
    adjustmentId,
    fulfillmentId: o.fulfillmentChannel,
    posted,
    orderItemCode: item.orderItemId,
    merchantAdjustmentItemId: `ADJ-${item.orderItemId.slice(-6)}`,
    sku: item.sku,
    // Finances reports the refunded units (v0 QuantityShipped, 2024-06-19 ProductContext.quantityShipped): the whole line.
    quantity: item.quantity,
  };
  const commission = dec(item.itemPrice).times("0.15").toDecimalPlaces(2);
  const out: MoneyEvent[] = [{ ...base, amountType: "ItemPrice", amountDescription: "Principal", amount: neg(item.itemPrice) }];
  if (!dec(item.itemTax).isZero()) {
    out.push({ ...base, amountType: "ItemPrice", amountDescription: "Tax", amount: neg(item.itemTax) });
    out.push({ ...base, amountType: "ItemWithheldTax", amountDescription: `${fmt.withheld}-Principal`, amount: item.itemTax });
  }
  out.push({ ...base, amountType: "ItemFees", amountDescription: "Commission", amount: money(commission) });
  out.push({
    ...base,
    amountType: "ItemFees",
    amountDescription: "RefundCommission",
    amount: neg(money(Dec.min(commission.times("0.2"), dec("5.00")))),
  });
  return out;
}

export function generateData(seed: number, now: Date): SimData {
  const rnd = prng(seed);
  const base = new Date(Math.floor(now.getTime() / DAY) * DAY); // start of the current UTC day
  const orders: SimOrder[] = [];
  const events: MoneyEvent[] = [];
  let n = 0;
  DEMO_MARKETPLACES.forEach((mp, mi) => {
    const products = DEMO_PRODUCTS;
    // 24 orders per marketplace over the last 28 days; every status appears for FBA and FBM.
    for (let k = 0; k < 24; k++) {
      n++;
      const fba = k % 2 === 0;
      const fbaCycle: OrderStatus[] = ["Pending", "Shipped", "Unshipped", "Shipped", "Canceled", "PartiallyShipped"];
      const status: OrderStatus = fba ? fbaCycle[(k / 2) % 6] : ORDER_STATUSES[((k - 1) / 2) % 5];
      const purchase = new Date(base.getTime() - (28 - k) * DAY + Math.floor(rnd() * 20) * HOUR);
      const lines = k % 7 === 3 ? 7 : 1 + Math.floor(rnd() * 3);
      const pool = products.filter((p) => p.fba === fba);
      const specs: ItemSpec[] = [];
      for (let l = 0; l < lines; l++) {
        const p = pool[(k + l * 3) % pool.length];
        specs.push({
          sku: p.sku,
          quantity: 1 + (l === 0 && k % 3 === 0 ? 2 : Math.floor(rnd() * 2)),
          shippingPrice: fba ? "0.00" : mp.currency === "USD" ? "5.99" : mp.currency === "GBP" ? "3.99" : "4.99",
          promotionDiscount: k % 5 === 1 && l === 0 ? "5.00" : undefined,
        });
      }
      // Two open orders per marketplace carry a SKU D365 does not know (one FBM PartiallyShipped, one FBA Shipped),
      // so that a demo run shows an order parked for a mapping, and one canceled order carries it too.
      if (k === 5 || k === 14 || k === 20) specs.push({ sku: DEMO_UNKNOWN_SKUS[0].sku, quantity: 1, shippingPrice: "0.00" });
      const items = specs.map((s, l) => buildItem(mp.marketplaceId, String(10_000_000_000_000 + n * 100 + l).padStart(14, "0"), s));
      if (status === "PartiallyShipped") {
        items[0].quantityShipped = items[0].quantity;
        if (items.length === 1) {
          items[0].quantity += 1;
          Object.assign(
            items[0],
            buildItem(mp.marketplaceId, items[0].orderItemId, {
              ...specs[0],
              quantity: items[0].quantity,
              quantityShipped: items[0].quantity - 1,
            }),
          );
        }
      }
      if (status === "Shipped") items.forEach((i) => (i.quantityShipped = i.quantity));
      const who = fakeBuyer(n, mp.marketplaceId, rnd);
      const o: SimOrder = {
        amazonOrderId: orderIdFor(mi, n, rnd),
        sellerOrderId: fba ? undefined : `SO-${mp.country}-${1000 + k}`,
        marketplaceId: mp.marketplaceId,
        currency: mp.currency,
        purchaseDate: purchase,
        lastUpdateDate: new Date(purchase.getTime() + (status === "Pending" ? 0 : 2 + Math.floor(rnd() * 30)) * HOUR),
        status,
        fulfillmentChannel: fba ? "AFN" : "MFN",
        shipServiceLevel: k % 4 === 0 ? "Expedited" : "Std " + mp.country + " Dom_1",
        isPrime: fba,
        isBusinessOrder: k % 8 === 5,
        items,
        ...who,
      };
      if (o.lastUpdateDate.getTime() > base.getTime()) o.lastUpdateDate = new Date(base.getTime() - HOUR);
      orders.push(o);
      if (status === "Shipped" || status === "PartiallyShipped") {
        events.push(...shipmentEvents(o, o.lastUpdateDate, `D${(n * 7919).toString(36).toUpperCase()}`));
      }
      if (status === "Shipped" && (k === 6 || k === 17)) {
        events.push(
          ...refundEvents(o, items[0], new Date(o.lastUpdateDate.getTime() + 2 * DAY), `amzn1:crow:${(n * 104729).toString(36)}`),
        );
      }
    }
  });

  // Two settlement periods per marketplace (14 days each, ending yesterday), with reserve and storage fee rows.
  const settlements: SimSettlement[] = [];
  DEMO_MARKETPLACES.forEach((mp, mi) => {
    let previousReserve = "0.00";
    for (let p = 0; p < 2; p++) {
      const start = new Date(base.getTime() - (29 - p * 14) * DAY + 9 * HOUR);
      const end = new Date(start.getTime() + 14 * DAY);
      const inPeriod = events.filter((e) => e.marketplaceId === mp.marketplaceId && e.posted >= start && e.posted < end);
      const extra: MoneyEvent[] = [];
      const other = (desc: string, amount: string, posted: Date, amountType = "other-transaction"): MoneyEvent => ({
        marketplaceId: mp.marketplaceId,
        currency: mp.currency,
        transactionType: "other-transaction",
        amountType,
        amountDescription: desc,
        amount,
        posted,
      });
      if (previousReserve !== "0.00") extra.push(other("Previous Reserve Amount Balance", previousReserve, start));
      extra.push(other("Storage Fee", neg(money(dec("12.40").plus(mi * 3))), new Date(start.getTime() + 3 * DAY)));
      const currentReserve = neg(money(dec("25.00").plus(p * 5)));
      extra.push(other("Current Reserve Amount", currentReserve, new Date(end.getTime() - HOUR)));
      previousReserve = neg(currentReserve);
      events.push(...extra);
      const all = [...inPeriod, ...extra].sort((a, b) => a.posted.getTime() - b.posted.getTime());
      const total = all.reduce((s, e) => s.plus(e.amount), new Dec(0));
      settlements.push({
        settlementId: String(24_000_000_000 + seed * 1000 + mi * 10 + p),
        marketplaceId: mp.marketplaceId,
        currency: mp.currency,
        start,
        end,
        deposit: new Date(end.getTime() + 2 * HOUR), // always in the past, whatever the time of day
        events: all,
        totalAmount: money(total),
      });
    }
  });

  const inventory: SimInventory[] = [];
  const listings: SimListing[] = [];
  for (const mp of DEMO_MARKETPLACES) {
    for (const p of DEMO_PRODUCTS) {
      if (p.fba) {
        inventory.push({
          marketplaceId: mp.marketplaceId,
          sku: p.sku,
          asin: p.asin,
          fnsku: p.fnsku,
          title: p.title,
          fulfillable: 5 + Math.floor(rnd() * 200),
          inboundWorking: Math.floor(rnd() * 10),
          inboundShipped: Math.floor(rnd() * 20),
          reserved: Math.floor(rnd() * 5),
          unfulfillable: Math.floor(rnd() * 3),
          lastUpdated: new Date(base.getTime() - Math.floor(rnd() * 48) * HOUR),
        });
      }
      listings.push({
        sku: p.sku,
        marketplaceId: mp.marketplaceId,
        asin: p.asin,
        fnsku: p.fnsku,
        title: p.title,
        price: priceOf(p, mp.currency),
        currency: mp.currency,
        fba: p.fba,
        quantity: p.fba ? 0 : 10 + Math.floor(rnd() * 50),
        created: new Date(base.getTime() - 400 * DAY),
        updated: new Date(base.getTime() - 10 * DAY),
      });
    }
  }
  return { base, orders, events, settlements, inventory, listings };
}
