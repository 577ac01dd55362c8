import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ORDER_2026_FLOW_DATA } from "../../../src/amazon/client";
import { GetOrder2026Response, type Order2026 } from "../../../src/amazon/schemas";
import { SpApiOrders } from "../../../src/wiring/adapters/amazon-orders";
import { AmazonOrder, AmazonOrderItem } from "../../../src/flows/orders/amazon-shapes";
import { addressFrom2026, orderFrom2026, orderItemFrom2026, orderItemsFrom2026 } from "../../../src/wiring/adapters/order-2026";
import { isMcfOrder, toSalesOrder } from "../../../src/flows/orders/transform";
import { ValidationError } from "../../../src/platform/errors";
import { anAmazonOrder, anOrderItem, testMappings } from "./builders";

/** The getOrder 200 example Amazon publishes in the model. */
const published = (): Order2026 => {
  const model = JSON.parse(readFileSync(join(__dirname, "../../contract/amazon/models/orders_2026-01-01.json"), "utf8"));
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

describe("Orders 2026-01-01 -> the v0 shapes the order transform reads", () => {
  it("converts Amazon's published getOrder example into a v0 order and items that the flow's schemas accept", () => {
    const o = published();
    const order = AmazonOrder.parse(orderFrom2026(o));
    expect(order).toMatchObject({
      AmazonOrderId: "202-1234567-8901234",
      SellerOrderId: "UK-MERCHANT-ORDER-2024-001",
      PurchaseDate: "2024-12-25T09:15:00Z",
      LastUpdateDate: "2024-12-25T16:30:00Z",
      OrderStatus: "Shipped",
      FulfillmentChannel: "MFN",
      MarketplaceId: "A1F83G8C2ARO7P",
      SalesChannel: "Amazon.co.uk",
      OrderTotal: { CurrencyCode: "GBP", Amount: "103.97" },
      LatestShipDate: "2024-12-26T23:59:59Z",
      LatestDeliveryDate: "2024-12-30T23:59:59Z",
      IsBusinessOrder: false,
      IsPrime: true,
      ShippingAddress: {
        City: "Manchester",
        County: "Greater Manchester",
        PostalCode: "M1 2AB",
        CountryCode: "GB",
        AddressLine1: "123 High Street",
      },
    });
    const [item] = orderItemsFrom2026(o).map((i) => AmazonOrderItem.parse(i));
    expect(item).toMatchObject({
      OrderItemId: "20212345678901",
      ASIN: "B08DFPV54V",
      SellerSKU: "ECHO-DOT-4-UK-CHARCOAL-3PACK",
      QuantityOrdered: 3,
      QuantityShipped: 3,
      ItemPrice: { CurrencyCode: "GBP", Amount: "89.97" },
      ShippingPrice: { CurrencyCode: "GBP", Amount: "10.00" },
      ItemTax: { CurrencyCode: "GBP", Amount: "3.00" },
      ShippingTax: { CurrencyCode: "GBP", Amount: "1.00" },
      PromotionIds: ["UK-BOXING-DAY-2024"],
    });
    expect(item.PromotionDiscount).toBeUndefined();
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
        orderFrom2026(anOrder2026({ fulfillment: { fulfillmentStatus: status as keyof typeof expected, fulfilledBy: "AMAZON" } }))
          .OrderStatus,
      ).toBe(v0);
    }
    expect(orderFrom2026(anOrder2026({ fulfillment: { fulfillmentStatus: "SHIPPED", fulfilledBy: "AMAZON" } })).FulfillmentChannel).toBe(
      "AFN",
    );
    expect(orderFrom2026(anOrder2026()).FulfillmentChannel).toBe("MFN");
  });

  it("refuses an answer without fulfillment data instead of guessing the status", () => {
    expect(() => orderFrom2026(anOrder2026({ fulfillment: undefined }))).toThrow(ValidationError);
  });

  it("keeps MCF orders (sales channel NON_AMAZON) recognisable, and business orders flagged", () => {
    const mcf = AmazonOrder.parse(
      orderFrom2026(anOrder2026({ salesChannel: { channelName: "NON_AMAZON", marketplaceId: "ATVPDKIKX0DER" } })),
    );
    expect(isMcfOrder(mcf)).toBe(true);
    expect(isMcfOrder(AmazonOrder.parse(orderFrom2026(anOrder2026())))).toBe(false);
    expect(orderFrom2026(anOrder2026({ programs: ["AMAZON_BUSINESS"] })).IsBusinessOrder).toBe(true);
  });

  it("turns negative DISCOUNT proceeds into v0's positive PromotionDiscount, ShippingDiscount and PromotionDiscountTax, exactly", () => {
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
    expect(item).toMatchObject({
      ItemPrice: { CurrencyCode: "USD", Amount: "100.00" },
      ShippingPrice: { CurrencyCode: "USD", Amount: "5.99" },
      PromotionDiscount: { CurrencyCode: "USD", Amount: "20.005" },
      ShippingDiscount: { CurrencyCode: "USD", Amount: "1.00" },
      PromotionDiscountTax: { CurrencyCode: "USD", Amount: "1.65" },
      ItemTax: { CurrencyCode: "USD", Amount: "8.25" },
      BuyerInfo: { GiftWrapPrice: { CurrencyCode: "USD", Amount: "3.49" }, GiftWrapTax: { CurrencyCode: "USD", Amount: "0.29" } },
      TaxCollection: { Model: "MarketplaceFacilitator", ResponsibleParty: "Amazon Services, Inc." },
    });
    expect(item.ShippingTax).toBeUndefined();
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
    expect(taxed.ItemTax).toEqual({ CurrencyCode: "USD", Amount: "0.83" });
    expect(taxed.ShippingTax).toBeUndefined();
    const bare = orderItemFrom2026({ orderItemId: "1", quantityOrdered: 3, product: { price: { unitPrice: usd("3.333") } } });
    expect(bare.ItemPrice).toEqual({ CurrencyCode: "USD", Amount: "9.999" });
    expect(orderItemFrom2026({ orderItemId: "1", quantityOrdered: 1, product: {} }).ItemPrice).toBeUndefined();
  });

  it("builds the same D365 draft as the equivalent v0 order", () => {
    const v0order = anAmazonOrder();
    const v0item = anOrderItem({
      SellerSKU: "SKU-A",
      QuantityOrdered: 3,
      ItemPrice: { CurrencyCode: "USD", Amount: "29.97" },
      ItemTax: { CurrencyCode: "USD", Amount: "2.47" },
      ShippingPrice: { CurrencyCode: "USD", Amount: "4.99" },
    });
    const o2026 = anOrder2026({
      orderId: v0order.AmazonOrderId,
      createdTime: v0order.PurchaseDate,
      lastUpdatedTime: v0order.LastUpdateDate,
      salesChannel: { channelName: "AMAZON", marketplaceId: v0order.MarketplaceId, marketplaceName: v0order.SalesChannel },
      fulfillment: {
        fulfillmentStatus: "UNSHIPPED",
        fulfilledBy: v0order.FulfillmentChannel === "AFN" ? "AMAZON" : "MERCHANT",
        ...(v0order.LatestShipDate ? { shipByWindow: { latestDateTime: v0order.LatestShipDate } } : {}),
        ...(v0order.LatestDeliveryDate ? { deliverByWindow: { latestDateTime: v0order.LatestDeliveryDate } } : {}),
      },
      ...(v0order.ShippingAddress
        ? {
            recipient: {
              deliveryAddress: {
                city: v0order.ShippingAddress.City,
                stateOrRegion: v0order.ShippingAddress.StateOrRegion,
                postalCode: v0order.ShippingAddress.PostalCode,
                countryCode: v0order.ShippingAddress.CountryCode,
                name: v0order.ShippingAddress.Name,
                addressLine1: v0order.ShippingAddress.AddressLine1,
              },
            },
          }
        : {}),
      orderItems: [
        {
          orderItemId: v0item.OrderItemId,
          quantityOrdered: 3,
          product: { sellerSku: "SKU-A", asin: v0item.ASIN, title: v0item.Title },
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
    const m = testMappings();
    const fromV0 = toSalesOrder(v0order, [v0item], m);
    const from2026 = toSalesOrder(
      AmazonOrder.parse(orderFrom2026(o2026)),
      orderItemsFrom2026(o2026).map((i) => AmazonOrderItem.parse(i)),
      m,
    );
    expect(from2026.header).toEqual(fromV0.header);
    expect(from2026.lines).toEqual(fromV0.lines);
    expect(from2026.totals.amazonTax).toBe("2.47");
  });

  it("maps the delivery address field by field and leaves absent fields out", () => {
    expect(addressFrom2026({ city: "Köln", postalCode: "50667", countryCode: "DE" })).toEqual({
      City: "Köln",
      PostalCode: "50667",
      CountryCode: "DE",
    });
    expect(addressFrom2026(undefined)).toBeUndefined();
  });
});

describe("the orders port on the SP-API connector, by SPAPI_ORDERS_API", () => {
  const fakeClient = () => {
    const calls: string[] = [];
    const o = published();
    const client = {
      getOrder: async () => (calls.push("getOrder"), { AmazonOrderId: o.orderId }),
      getOrderItems: async () => (calls.push("getOrderItems"), []),
      getOrderAddress: async () => (calls.push("getOrderAddress"), { AmazonOrderId: o.orderId }),
      getOrders: async function* () {},
      getOrder2026: async (_id: string, included?: string[]) => (calls.push(`getOrder2026 ${included?.join(",")}`), o),
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
    expect(AmazonOrder.parse(await port.getOrder(id)).OrderStatus).toBe("Shipped");
    expect(await port.getOrderItems(id)).toHaveLength(1);
    expect((await port.getOrderAddress(id))?.City).toBe("Manchester");
    expect(calls).toEqual([`getOrder2026 ${ORDER_2026_FLOW_DATA.join(",")}`]);
    await port.getOrder(id);
    expect(calls).toHaveLength(2); // getOrder always reads afresh
  });

  it("lists changed orders of several marketplaces with one searchOrders query, 100 a page, with only FULFILLMENT", async () => {
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
        AmazonOrderId: id,
        LastUpdateDate: o.lastUpdatedTime,
        OrderStatus: orderFrom2026(o).OrderStatus,
        MarketplaceId: o.salesChannel.marketplaceId,
      },
    ]);
    expect(calls).toEqual([`searchOrders ${JSON.stringify({ ...q, maxResultsPerPage: 100, includedData: ["FULFILLMENT"] })}`]);
  });

  it("keeps using Orders v0 by default", async () => {
    const { client, calls, id } = fakeClient();
    const port = new SpApiOrders(client);
    await port.getOrder(id);
    await port.getOrderItems(id);
    expect(calls).toEqual(["getOrder", "getOrderItems"]);
  });
});
