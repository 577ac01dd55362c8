/**
 * The orders flow's AmazonOrders port on the SP-API client (src/amazon): Orders v0 or Orders 2026-01-01, as
 * the setting SPAPI_ORDERS_API says, converted into the flow's one order model (amazon-order-model.ts).
 */
import { ORDER_2026_FLOW_DATA, type SpApiClient } from "../../amazon/client";
import type { Order2026 } from "../../amazon/schemas";
import type { AmazonOrder, AmazonOrderItem, AmazonOrderSummary, ShippingAddress } from "../../flows/orders/amazon-order";
import type { AmazonOrders } from "../../flows/orders/ports";
import {
  addressFrom2026,
  addressFromV0,
  orderFrom2026,
  orderFromV0,
  orderItemFromV0,
  orderItemsFrom2026,
  summaryFrom2026,
  summaryFromV0,
} from "./amazon-order-model";

/** Which Orders API reads an order and its items (setting SPAPI_ORDERS_API). */
export type OrdersApiVersion = "v0" | "2026-01-01";

/** How long one 2026 getOrder answer serves the getOrderItems / getOrderAddress calls that follow it. */
const ORDER_2026_REUSE_MS = 60_000;

export class SpApiOrders implements AmazonOrders {
  /** The last 2026 order read: getOrder returns the order with its items, so one call serves the import. */
  private last2026?: { order: Order2026; at: number };

  constructor(
    private readonly client: Pick<
      SpApiClient,
      "getOrder" | "getOrderItems" | "getOrderAddress" | "getOrders" | "getOrder2026" | "searchOrders"
    >,
    private readonly ordersApi: OrdersApiVersion = "v0",
  ) {}

  /** Orders 2026-01-01: the order with the datasets the transform needs (fetched, or reused from getOrder just before). */
  private async order2026(amazonOrderId: string, fresh: boolean): Promise<Order2026> {
    const last = this.last2026;
    if (!fresh && last && last.order.orderId === amazonOrderId && Date.now() - last.at < ORDER_2026_REUSE_MS) return last.order;
    const order = await this.client.getOrder2026(amazonOrderId, ORDER_2026_FLOW_DATA);
    this.last2026 = { order, at: Date.now() };
    return order;
  }

  async getOrder(amazonOrderId: string): Promise<AmazonOrder> {
    if (this.ordersApi === "2026-01-01") return orderFrom2026(await this.order2026(amazonOrderId, true));
    return orderFromV0(await this.client.getOrder(amazonOrderId));
  }

  async getOrderItems(amazonOrderId: string): Promise<AmazonOrderItem[]> {
    if (this.ordersApi === "2026-01-01") return orderItemsFrom2026(await this.order2026(amazonOrderId, false));
    return (await this.client.getOrderItems(amazonOrderId)).map(orderItemFromV0);
  }

  async getOrderAddress(amazonOrderId: string): Promise<ShippingAddress | undefined> {
    // 2026-01-01 has no restricted data token step: the RECIPIENT address carries name and street when the
    // application has Amazon's PII roles, else only city, region, postal code and country.
    if (this.ordersApi === "2026-01-01") return addressFrom2026((await this.order2026(amazonOrderId, false)).recipient?.deliveryAddress);
    return addressFromV0((await this.client.getOrderAddress(amazonOrderId)).ShippingAddress);
  }

  /** Orders v0 getOrders, one marketplace (the catch-up uses it when SPAPI_ORDERS_API is v0). */
  async *listUpdatedOrders(q: {
    marketplaceId: string;
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary> {
    for await (const o of this.client.getOrders({
      marketplaceIds: [q.marketplaceId],
      lastUpdatedAfter: q.lastUpdatedAfter,
      lastUpdatedBefore: q.lastUpdatedBefore,
      maxResultsPerPage: 100,
    })) {
      // A getOrders row holds every header field the import uses: it travels as what is known of the order.
      yield { ...summaryFromV0(o), known: { from: "listing", order: orderFromV0(o) } };
    }
  }

  /**
   * Orders 2026-01-01 searchOrders for several marketplaces at once, 100 orders a page (every page is one
   * call of the 0.0056 calls/s quota). The rows carry the same datasets as getOrder (FULFILLMENT for the
   * status, RECIPIENT, PROCEEDS, PROMOTION, TAX) and their items, so the import of a listed order needs no
   * further call.
   */
  async *searchUpdatedOrders(q: {
    marketplaceIds: string[];
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary> {
    const query = {
      marketplaceIds: q.marketplaceIds,
      lastUpdatedAfter: q.lastUpdatedAfter,
      lastUpdatedBefore: q.lastUpdatedBefore,
      maxResultsPerPage: 100,
      includedData: ORDER_2026_FLOW_DATA,
    };
    for await (const o of this.client.searchOrders(query)) {
      const order = o.fulfillment ? orderFrom2026(o) : undefined;
      // A status the app does not know travels without the row: the import then reads the order itself.
      const known = order?.status ? { from: "listing" as const, order, items: orderItemsFrom2026(o) } : undefined;
      yield { ...summaryFrom2026(o), ...(known ? { known } : {}) };
    }
  }
}
