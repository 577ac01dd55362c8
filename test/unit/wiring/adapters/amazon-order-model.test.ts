import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ORDER_2026_FLOW_DATA } from "../../../../src/amazon/client";
import { GetOrder2026Response, Order, OrderItem, type Order2026 } from "../../../../src/amazon/schemas";
import { isMcfOrder, toSalesOrder } from "../../../../src/flows/orders/transform";
import { ValidationError } from "../../../../src/platform/errors";
import {
  addressFrom2026,
  orderFrom2026,
  orderFromV0,
  orderItemFrom2026,
  orderItemFromV0,
  orderItemsFrom2026,
} from "../../../../src/wiring/adapters/amazon-order-model";
import { SpApiOrders } from "../../../../src/wiring/adapters/amazon-orders";
import { testMappings } from "../../orders/builders";

/** The getOrder 200 example Amazon publishes in the model. */
const published = (): Order2026 => {
  const model = JSON.parse(readFileSync(join(__dirname, "../../../contract/amazon/models/orders_2026-01-01.json"), "utf8"));
  return GetOrder2026Response.parse(model.paths["/orders/2026-01-01/orders/{orderId}"].get.responses["200"].examples["application/json"])
    .order;
};

const usd = (amount: string) => ({ amount, currencyCode: "USD" });
const anOrder2026 = (over: Partial<Order2026> = {}): Order2026 => ({
  orderId: "113-0000001-0000001",
  createdTime: "2026-11-01T10:00:00Z",
  lastUpdatedTime: "2026-11-01T12:00:00Z",
  salesChannel: { channelName: "AMAZON", marketplaceId: "ATVPDKIKX0DER", marketplaceName: "Amazon.com" },
  fulfillment: { fulfillmentStatus: "UNSHIPPED", fulfilledBy: "MERCHANT" },
  orderItems: [],
  ...over,
});

describe("Orders v0 and Orders 2026-01-01 -> the orders flow's one order model", () => {
  it("converts Amazon's published getOrder example into the order model", () => {
    const o = published();
    expect(orderFrom2026(o)).toEqual({
      amazonOrderId: "202-1234567-8901234",
      purchaseDate: "2024-12-25T09:15:00Z",
      lastUpdate: "2024-12-25T16:30:00Z",
      status: "Shipped",
      fulfillmentChannel: "MFN",
      marketplaceId: "A1F83G8C2ARO7P",
      salesChannel: "Amazon.co.uk",
      orderTotal: { currency: "GBP", amount: "103.97" },
      latestShipDate: "2024-12-26T23:59:59Z",
      latestDeliveryDate: "2024-12-30T23:59:59Z",
      shippingAddress: expect.objectContaining({
        city: "Manchester",
        postalCode: "M1 2AB",
        countryCode: "GB",
        addressLine1: "123 High Street",
      }),
    });
    const [item] = orderItemsFrom2026(o);
    expect(item).toMatchObject({
      orderItemId: "20212345678901",
      asin: "B08DFPV54V",
      sku: "ECHO-DOT-4-UK-CHARCOAL-3PACK",
      quantityOrdered: 3,
      itemPrice: { currency: "GBP", amount: "89.97" },
      shippingPrice: { currency: "GBP", amount: "10.00" },
      itemTax: { currency: "GBP", amount: "3.00" },
    });
    expect(item!.promotionDiscount).toBeUndefined();
  });

  it("converts a v0 order and its items field by field, leaving out what the flow does not use", () => {
    const order = Order.parse({
      AmazonOrderId: "113-0000001-0000001",
      SellerOrderId: "S-1",
      PurchaseDate: "2026-11-01T10:00:00Z",
      LastUpdateDate: "2026-11-01T12:00:00Z",
      OrderStatus: "Unshipped",
      FulfillmentChannel: "AFN",
      SalesChannel: "Amazon.com",
      MarketplaceId: "ATVPDKIKX0DER",
      OrderTotal: { CurrencyCode: "USD", Amount: "12.99" },
      LatestShipDate: "2026-11-03T07:59:59Z",
      IsPrime: true,
      ShippingAddress: { City: "Seattle", PostalCode: "98109", CountryCode: "US", Phone: "+1 555 0100" },
    });
    expect(orderFromV0(order)).toEqual({
      amazonOrderId: "113-0000001-0000001",
      purchaseDate: "2026-11-01T10:00:00Z",
      lastUpdate: "2026-11-01T12:00:00Z",
      status: "Unshipped",
      fulfillmentChannel: "AFN",
      salesChannel: "Amazon.com",
      marketplaceId: "ATVPDKIKX0DER",
      orderTotal: { currency: "USD", amount: "12.99" },
      latestShipDate: "2026-11-03T07:59:59Z",
      shippingAddress: { city: "Seattle", postalCode: "98109", countryCode: "US" },
    });
    const item = OrderItem.parse({
      ASIN: "B0DEMO0001",
      SellerSKU: "SKU-A",
      OrderItemId: "OI-1",
      QuantityOrdered: 2,
      ItemPrice: { CurrencyCode: "USD", Amount: "20.00" },
      PromotionDiscount: { CurrencyCode: "USD", Amount: "1.00" },
      ShippingPrice: { CurrencyCode: "USD" },
      BuyerInfo: { GiftWrapPrice: { CurrencyCode: "USD", Amount: "2.99" } },
      TaxCollection: { Model: "MarketplaceFacilitator", ResponsibleParty: "Amazon Services, Inc." },
    });
    expect(orderItemFromV0(item)).toEqual({
      orderItemId: "OI-1",
      sku: "SKU-A",
      asin: "B0DEMO0001",
      quantityOrdered: 2,
      itemPrice: { currency: "USD", amount: "20.00" },
      promotionDiscount: { currency: "USD", amount: "1.00" },
      giftWrapPrice: { currency: "USD", amount: "2.99" },
      taxCollectionModel: "MarketplaceFacilitator",
    });
  });

  it("maps every fulfillment status to its v0 OrderStatus and fulfilledBy to the fulfillment channel", () => {
    const expected = {
      PENDING_AVAILABILITY: "PendingAvailability",
      PENDING: "Pending",
      UNSHIPPED: "Unshipped",
      PARTIALLY_SHIPPED: "PartiallyShipped",
      SHIPPED: "Shipped",
      CANCELLED: "Canceled",
      UNFULFILLABLE: "Unfulfillable",
    } as const;
    for (const [status, v0] of Object.entries(expected)) {
      expect(
        orderFrom2026(anOrder2026({ fulfillment: { fulfillmentStatus: status as keyof typeof expected, fulfilledBy: "AMAZON" } })).status,
      ).toBe(v0);
    }
    expect(orderFrom2026(anOrder2026({ fulfillment: { fulfillmentStatus: "SHIPPED", fulfilledBy: "AMAZON" } })).fulfillmentChannel).toBe(
      "AFN",
    );
    expect(orderFrom2026(anOrder2026()).fulfillmentChannel).toBe("MFN");
  });

  it("refuses an answer without fulfillment data instead of guessing the status", () => {
    expect(() => orderFrom2026(anOrder2026({ fulfillment: undefined }))).toThrow(ValidationError);
  });

  it("keeps MCF orders (sales channel NON_AMAZON) recognisable", () => {
    const mcf = orderFrom2026(anOrder2026({ salesChannel: { channelName: "NON_AMAZON", marketplaceId: "ATVPDKIKX0DER" } }));
    expect(isMcfOrder(mcf)).toBe(true);
    expect(mcf.salesChannel).toBe("Non-Amazon");
    expect(isMcfOrder(orderFrom2026(anOrder2026()))).toBe(false);
    expect(isMcfOrder(orderFrom2026(anOrder2026({ programs: ["AMAZON_BUSINESS"] })))).toBe(false);
  });

  it("turns negative DISCOUNT proceeds into v0's positive promotion and shipping discounts, exactly", () => {
    const item = orderItemFrom2026({
      orderItemId: "1",
      quantityOrdered: 2,
      product: { sellerSku: "SKU-A", price: { unitPrice: usd("50.00") } },
      proceeds: {
        breakdowns: [
          { type: "ITEM", subtotal: usd("100.00") },
          { type: "SHIPPING", subtotal: usd("5.99") },
          { type: "GIFT_WRAP", subtotal: usd("3.49") },
          {
            type: "DISCOUNT",
            subtotal: usd("-21.005"),
            detailedBreakdowns: [
              { subtype: "ITEM", value: usd("-20.005") },
              { subtype: "SHIPPING", value: usd("-1.00") },
            ],
          },
          {
            type: "TAX",
            subtotal: usd("8.25"),
            detailedBreakdowns: [
              { subtype: "ITEM", value: usd("8.25") },
              { subtype: "GIFT_WRAP", value: usd("0.29") },
              { subtype: "DISCOUNT", value: usd("-1.65") },
            ],
          },
        ],
      },
      tax: { taxCollections: [{ model: "MARKETPLACE_FACILITATOR", responsibleParty: "Amazon Services, Inc." }] },
    });
    expect(item).toEqual({
      orderItemId: "1",
      sku: "SKU-A",
      quantityOrdered: 2,
      itemPrice: { currency: "USD", amount: "100.00" },
      shippingPrice: { currency: "USD", amount: "5.99" },
      promotionDiscount: { currency: "USD", amount: "20.005" },
      shippingDiscount: { currency: "USD", amount: "1.00" },
      itemTax: { currency: "USD", amount: "8.25" },
      giftWrapPrice: { currency: "USD", amount: "3.49" },
      taxCollectionModel: "MarketplaceFacilitator",
    });
  });

  it("puts an undivided TAX breakdown on the item, and falls back to unit price x quantity without PROCEEDS", () => {
    const taxed = orderItemFrom2026({
      orderItemId: "1",
      quantityOrdered: 1,
      product: {},
      proceeds: {
        breakdowns: [
          { type: "ITEM", subtotal: usd("10.00") },
          { type: "TAX", subtotal: usd("0.83") },
        ],
      },
    });
    expect(taxed.itemTax).toEqual({ currency: "USD", amount: "0.83" });
    const bare = orderItemFrom2026({ orderItemId: "1", quantityOrdered: 3, product: { price: { unitPrice: usd("3.333") } } });
    expect(bare.itemPrice).toEqual({ currency: "USD", amount: "9.999" });
    expect(orderItemFrom2026({ orderItemId: "1", quantityOrdered: 1, product: {} }).itemPrice).toBeUndefined();
  });

  it("gives the same model, and so the same D365 draft, for the same order read through v0 and through 2026-01-01", () => {
    const v0order = Order.parse({
      AmazonOrderId: "113-0000002-0000002",
      PurchaseDate: "2026-11-20T10:00:00Z",
      LastUpdateDate: "2026-11-20T10:05:00Z",
      OrderStatus: "Unshipped",
      FulfillmentChannel: "MFN",
      SalesChannel: "Amazon.com",
      MarketplaceId: "ATVPDKIKX0DER",
      LatestShipDate: "2026-11-22T07:59:59Z",
      ShippingAddress: { City: "SEATTLE", StateOrRegion: "Washington", PostalCode: "98109", CountryCode: "US" },
    });
    const v0item = OrderItem.parse({
      ASIN: "B0DEMO0001",
      SellerSKU: "SKU-A",
      OrderItemId: "OI000000000001",
      Title: "Demo item",
      QuantityOrdered: 3,
      ItemPrice: { CurrencyCode: "USD", Amount: "29.97" },
      ItemTax: { CurrencyCode: "USD", Amount: "2.47" },
      ShippingPrice: { CurrencyCode: "USD", Amount: "4.99" },
    });
    const o2026 = anOrder2026({
      orderId: "113-0000002-0000002",
      createdTime: "2026-11-20T10:00:00Z",
      lastUpdatedTime: "2026-11-20T10:05:00Z",
      salesChannel: { channelName: "AMAZON", marketplaceId: "ATVPDKIKX0DER", marketplaceName: "Amazon.com" },
      fulfillment: { fulfillmentStatus: "UNSHIPPED", fulfilledBy: "MERCHANT", shipByWindow: { latestDateTime: "2026-11-22T07:59:59Z" } },
      recipient: { deliveryAddress: { city: "SEATTLE", stateOrRegion: "Washington", postalCode: "98109", countryCode: "US" } },
      orderItems: [
        {
          orderItemId: "OI000000000001",
          quantityOrdered: 3,
          product: { sellerSku: "SKU-A", asin: "B0DEMO0001", title: "Demo item" },
          proceeds: {
            breakdowns: [
              { type: "ITEM", subtotal: usd("29.97") },
              { type: "SHIPPING", subtotal: usd("4.99") },
              { type: "TAX", subtotal: usd("2.47"), detailedBreakdowns: [{ subtype: "ITEM", value: usd("2.47") }] },
            ],
          },
        },
      ],
    });
    expect(orderFrom2026(o2026)).toEqual(orderFromV0(v0order));
    expect(orderItemsFrom2026(o2026)).toEqual([orderItemFromV0(v0item)]);
    const m = testMappings();
    const fromV0 = toSalesOrder(orderFromV0(v0order), [orderItemFromV0(v0item)], m);
    const from2026 = toSalesOrder(orderFrom2026(o2026), orderItemsFrom2026(o2026), m);
    expect(from2026).toEqual(fromV0);
    expect(from2026.totals.amazonTax).toBe("2.47");
  });

  it("maps the delivery address field by field and leaves absent fields out", () => {
    expect(addressFrom2026({ city: "Köln", postalCode: "50667", countryCode: "DE", phone: "+49 221 0000" })).toEqual({
      city: "Köln",
      postalCode: "50667",
      countryCode: "DE",
    });
    expect(addressFrom2026(undefined)).toBeUndefined();
  });
});

describe("the AmazonOrders port on the SP-API connector, by SPAPI_ORDERS_API", () => {
  const fakeClient = () => {
    const calls: string[] = [];
    const o = published();
    const client = {
      getOrder: async () => {
        calls.push("getOrder");
        return { AmazonOrderId: o.orderId, PurchaseDate: o.createdTime, LastUpdateDate: o.lastUpdatedTime, OrderStatus: "Shipped" };
      },
      getOrderItems: async () => {
        calls.push("getOrderItems");
        return [];
      },
      getOrderAddress: async () => {
        calls.push("getOrderAddress");
        return { AmazonOrderId: o.orderId };
      },
      getOrders: async function* () {},
      getOrder2026: async (_id: string, included?: string[]) => {
        calls.push(`getOrder2026 ${included?.join(",")}`);
        return o;
      },
      searchOrders: async function* (q: Record<string, unknown>) {
        calls.push(`searchOrders ${JSON.stringify(q)}`);
        yield o;
      },
    };
    return { client: client as unknown as ConstructorParameters<typeof SpApiOrders>[0], calls, id: o.orderId };
  };

  it("reads order, items and address with one Orders 2026-01-01 getOrder call when set to 2026-01-01", async () => {
    const { client, calls, id } = fakeClient();
    const port = new SpApiOrders(client, "2026-01-01");
    expect((await port.getOrder(id)).status).toBe("Shipped");
    expect(await port.getOrderItems(id)).toHaveLength(1);
    expect((await port.getOrderAddress(id))?.city).toBe("Manchester");
    expect(calls).toEqual([`getOrder2026 ${ORDER_2026_FLOW_DATA.join(",")}`]);
    await port.getOrder(id);
    expect(calls).toHaveLength(2); // getOrder always reads afresh
  });

  it("lists changed orders of several marketplaces with one searchOrders query, 100 a page, with the order and its items", async () => {
    const { client, calls, id } = fakeClient();
    const port = new SpApiOrders(client, "2026-01-01");
    const q = {
      marketplaceIds: ["ATVPDKIKX0DER", "A1F83G8C2ARO7P"],
      lastUpdatedAfter: new Date("2026-11-20T10:00:00Z"),
      lastUpdatedBefore: new Date("2026-11-20T11:00:00Z"),
    };
    const rows = [];
    for await (const r of port.searchUpdatedOrders(q)) rows.push(r);
    const o = published();
    expect(rows).toEqual([
      {
        amazonOrderId: id,
        lastUpdate: o.lastUpdatedTime,
        status: orderFrom2026(o).status,
        marketplaceId: o.salesChannel.marketplaceId,
        // The row carries what the import needs (the same datasets as getOrder): no further call per order.
        known: { from: "listing", order: orderFrom2026(o), items: orderItemsFrom2026(o) },
      },
    ]);
    expect(calls).toEqual([`searchOrders ${JSON.stringify({ ...q, maxResultsPerPage: 100, includedData: ORDER_2026_FLOW_DATA })}`]);
  });

  it("keeps using Orders v0 by default", async () => {
    const { client, calls, id } = fakeClient();
    const port = new SpApiOrders(client);
    await port.getOrder(id);
    await port.getOrderItems(id);
    expect(calls).toEqual(["getOrder", "getOrderItems"]);
  });
});
