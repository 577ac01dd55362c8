/**
 * Report documents as Amazon delivers them: GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 (tab separated,
 * header row, summary row carrying the totals and the currency, then detail rows with an empty currency;
 * locale-dependent dates and decimal separators — reference/notes/amazon-sp-api.md §3) and the flat-file
 * order report used for backfill.
 */
import iconv from "iconv-lite";
import { dec } from "../../platform/money";
import { DEMO_MARKETPLACES } from "../demo-catalog";
import { MARKETPLACE_FORMATS, orderTotal, type SimOrder, type SimSettlement } from "./data";

export const SETTLEMENT_COLUMNS = [
  "settlement-id",
  "settlement-start-date",
  "settlement-end-date",
  "deposit-date",
  "total-amount",
  "currency",
  "transaction-type",
  "order-id",
  "merchant-order-id",
  "adjustment-id",
  "shipment-id",
  "marketplace-name",
  "amount-type",
  "amount-description",
  "amount",
  "fulfillment-id",
  "posted-date",
  "posted-date-time",
  "order-item-code",
  "merchant-order-item-id",
  "merchant-adjustment-item-id",
  "sku",
  "quantity-purchased",
  "promotion-id",
] as const;

const pad = (n: number) => String(n).padStart(2, "0");

/** US files: ISO-like date-times and MM/dd/yy posted dates; UK/DE: dd.MM.yyyy. DE amounts use a decimal comma. */
export function settlementFormat(marketplaceId: string) {
  const locale = MARKETPLACE_FORMATS[marketplaceId]?.locale ?? "US";
  const dateTime = (d: Date) =>
    locale === "US"
      ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
      : `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  const date = (d: Date) =>
    locale === "US"
      ? `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)}`
      : `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
  const amount = (s: string) => (locale === "DE" ? s.replace(".", ",") : s);
  return { locale, dateTime, date, amount };
}

export function renderSettlement(s: SimSettlement): string {
  const f = settlementFormat(s.marketplaceId);
  const mpName = DEMO_MARKETPLACES.find((m) => m.marketplaceId === s.marketplaceId)?.name ?? "Amazon.com";
  const rows: string[][] = [[...SETTLEMENT_COLUMNS]];
  const empty = () => SETTLEMENT_COLUMNS.map(() => "");
  const summary = empty();
  summary[0] = s.settlementId;
  summary[1] = f.dateTime(s.start);
  summary[2] = f.dateTime(s.end);
  summary[3] = f.dateTime(s.deposit);
  summary[4] = f.amount(s.totalAmount);
  summary[5] = s.currency;
  rows.push(summary);
  for (const e of s.events) {
    const r = empty();
    r[0] = s.settlementId;
    r[6] = e.transactionType;
    r[7] = e.orderId ?? "";
    r[8] = e.merchantOrderId ?? "";
    r[9] = e.adjustmentId ?? "";
    r[10] = e.shipmentId ?? "";
    r[11] = e.transactionType === "other-transaction" ? "" : mpName;
    r[12] = e.amountType;
    r[13] = e.amountDescription;
    r[14] = f.amount(e.amount);
    r[15] = e.fulfillmentId ?? "";
    r[16] = f.date(e.posted);
    r[17] = f.dateTime(e.posted);
    r[18] = e.orderItemCode ?? "";
    r[20] = e.merchantAdjustmentItemId ?? "";
    r[21] = e.sku ?? "";
    r[22] = e.transactionType === "Order" && e.quantity !== undefined ? String(e.quantity) : "";
    r[23] = e.promotionId ?? "";
    rows.push(r);
  }
  return rows.map((r) => r.join("\t")).join("\n") + "\n";
}

export const ORDER_REPORT_COLUMNS = [
  "amazon-order-id",
  "merchant-order-id",
  "purchase-date",
  "last-updated-date",
  "order-status",
  "fulfillment-channel",
  "sales-channel",
  "ship-service-level",
  "product-name",
  "sku",
  "asin",
  "item-status",
  "quantity",
  "currency",
  "item-price",
  "item-tax",
  "shipping-price",
  "shipping-tax",
  "item-promotion-discount",
  "ship-city",
  "ship-state",
  "ship-postal-code",
  "ship-country",
  "promotion-ids",
  "is-business-order",
] as const;

/** Flat-file order report (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_*_GENERAL). Amazon serves these as Cp1252. */
export function renderOrderReport(orders: SimOrder[]): Buffer {
  const rows = [ORDER_REPORT_COLUMNS.join("\t")];
  for (const o of orders) {
    const channel = DEMO_MARKETPLACES.find((m) => m.marketplaceId === o.marketplaceId)?.salesChannel ?? "Amazon.com";
    for (const i of o.items) {
      rows.push(
        [
          o.amazonOrderId,
          o.sellerOrderId ?? "",
          o.purchaseDate.toISOString().replace(".000Z", "+00:00"),
          o.lastUpdateDate.toISOString().replace(".000Z", "+00:00"),
          o.status,
          o.fulfillmentChannel === "AFN" ? "Amazon" : "Merchant",
          channel,
          o.shipServiceLevel,
          i.title,
          i.sku,
          i.asin,
          o.status === "Canceled" ? "Cancelled" : i.quantityShipped >= i.quantity ? "Shipped" : "Unshipped",
          String(i.quantity),
          o.currency,
          i.itemPrice,
          i.itemTax,
          i.shippingPrice,
          i.shippingTax,
          dec(i.promotionDiscount).isZero() ? "" : `-${i.promotionDiscount}`,
          o.address.city,
          o.address.stateOrRegion,
          o.address.postalCode,
          o.address.countryCode,
          i.promotionIds.join(","),
          o.isBusinessOrder ? "true" : "false",
        ].join("\t"),
      );
    }
  }
  return iconv.encode(rows.join("\n") + "\n", "win1252");
}

/** Total of an order as it appears in reports (used by tests that compare the report with the API). */
export { orderTotal };
