/**
 * Pure parts of the connector for the fulfillment, inventory, returns and products flows: status
 * normalisation across MCF versions and notifications, usage plans and pinned versions of the new operations,
 * request bodies, refund normalisation from both Finances versions, listings feed documents.
 */
import { describe, expect, it } from "vitest";
import {
  ListingsFeedApi,
  mcfToWire,
  McfCreateInput,
  normalizeMcfStatus,
  quantityMessages,
  quoteCurrencyAmounts,
  refundFromTransaction,
  refundsFromEvents,
  isFinalMcfStatus,
  OPERATIONS,
  SellerFulfillmentOrderId,
} from "../../../src/amazon";
import type { SpApiContext } from "../../../src/amazon/context";
import { FEED_TYPE_PLANS, matchOperation } from "../../../src/amazon/operations";
import { systemClock } from "../../../src/platform/clock";

describe("MCF statuses in one vocabulary", () => {
  it("maps 2020-07-01 PascalCase, 2026-07-04 UPPER_SNAKE and notification spellings to the same status", () => {
    for (const raw of ["CompletePartialled", "COMPLETE_PARTIAL", "COMPLETE_PARTIALLED", "completepartialled"])
      expect(normalizeMcfStatus(raw), raw).toBe("COMPLETE_PARTIALLED");
    expect(
      ["Received", "RECEIVED", "Planning", "PROCESSING", "Complete", "Cancelled", "CANCELED", "Unfulfillable", "INVALID"].map(
        normalizeMcfStatus,
      ),
    ).toEqual(["RECEIVED", "RECEIVED", "PLANNING", "PROCESSING", "COMPLETE", "CANCELLED", "CANCELLED", "UNFULFILLABLE", "INVALID"]);
    expect(normalizeMcfStatus("PROCESSED")).toBeUndefined();
    expect(normalizeMcfStatus(undefined)).toBeUndefined();
    expect(["COMPLETE", "COMPLETE_PARTIALLED", "CANCELLED", "UNFULFILLABLE", "INVALID"].every((s) => isFinalMcfStatus(s as never))).toBe(
      true,
    );
    expect(isFinalMcfStatus("PROCESSING")).toBe(false);
  });

  it("accepts seller fulfillment order ids Amazon takes (≤ 40 letters, digits, - _ .) and refuses others", () => {
    expect(SellerFulfillmentOrderId.safeParse("USMF-SO-000123").success).toBe(true);
    expect(SellerFulfillmentOrderId.safeParse("x".repeat(41)).success).toBe(false);
    expect(SellerFulfillmentOrderId.safeParse("USMF/SO 1").success).toBe(false);
  });

  it("builds the same order for 2020-07-01 and 2026-07-04 (speed, policy, lines, declared value)", () => {
    const input = McfCreateInput.parse({
      sellerFulfillmentOrderId: "USMF-SO-1",
      marketplaceId: "ATVPDKIKX0DER",
      displayableOrderId: "SO-1",
      displayableOrderDate: "2026-11-20T10:00:00Z",
      displayableOrderComment: "Thanks",
      shippingSpeed: "Priority",
      fulfillmentPolicy: "FillAllAvailable",
      destination: { name: "R", addressLine1: "1 St", postalCode: "98101", countryCode: "US" },
      items: [{ lineId: "1", sku: "A", quantity: 2, declaredValue: { currencyCode: "USD", amount: "9.99" } }],
    });
    expect(mcfToWire.create2020(input)).toMatchObject({
      sellerFulfillmentOrderId: "USMF-SO-1",
      shippingSpeedCategory: "Priority",
      fulfillmentPolicy: "FillAllAvailable",
      items: [
        { sellerSku: "A", sellerFulfillmentOrderItemId: "1", quantity: 2, perUnitDeclaredValue: { currencyCode: "USD", value: "9.99" } },
      ],
    });
    expect(mcfToWire.create2026(input)).toMatchObject({
      orderId: "USMF-SO-1",
      fulfillmentConfiguration: { serviceLevel: { serviceTiers: ["PRIORITY"] }, policy: "FILL_ALL_AVAILABLE" },
      lineItems: [
        {
          lineItemId: "1",
          product: { productIdentifier: { amazonSku: "A" }, perUnitDeclaredValue: { currencyCode: "USD", amount: "9.99" } },
          amount: { unit: "EACHES", value: "2" },
        },
      ],
    });
  });
});

describe("operations of the new flows", () => {
  it("pin their versions and use the published usage plans", () => {
    expect(OPERATIONS.getFulfillmentPreview).toMatchObject({ version: "2020-07-01", rate: 2, burst: 30 });
    expect(OPERATIONS.mcfCreateOrder2026).toMatchObject({ version: "2026-07-04", raw: true, rate: 2, burst: 30, method: "POST" });
    expect(OPERATIONS.putListingsItem).toMatchObject({ rate: 5, burst: 10 });
    expect(OPERATIONS.searchListingsItems).toMatchObject({ rate: 5, burst: 5 });
    expect(OPERATIONS.searchCatalogItems).toMatchObject({ version: "2022-04-01", rate: 2, burst: 2 });
    expect(OPERATIONS.getDefinitionsProductType).toMatchObject({ version: "2020-09-01", rate: 5, burst: 10 });
    expect(OPERATIONS.cancelFeed).toMatchObject({ rate: 2, burst: 15 });
    expect(OPERATIONS.listFinancialEventsByOrderId).toMatchObject({ version: "v0", rate: 0.5, burst: 30 });
    expect(OPERATIONS.listTransactions).toMatchObject({ version: "2024-06-19", rate: 0.5, burst: 10 });
    expect(FEED_TYPE_PLANS.JSON_LISTINGS_FEED).toMatchObject({ rate: 5 / 300, burst: 5, maxMessages: 10_000 });
  });

  it("tell 2026-07-04 MCF paths from Orders 2026-01-01 paths", () => {
    expect(matchOperation("GET", "/fulfillment/outbound/2026-07-04/orders/SO-1")).toEqual({
      name: "mcfGetOrder2026",
      params: { orderId: "SO-1" },
    });
    expect(matchOperation("PUT", "/fulfillment/outbound/2026-07-04/orders/SO-1/cancel")?.name).toBe("mcfCancelOrder2026");
    expect(matchOperation("GET", "/orders/2026-01-01/orders/111-1111111-1111111")?.name).toBe("getOrder2026");
    expect(matchOperation("GET", "/definitions/2020-09-01/productTypes/HEADPHONES")).toEqual({
      name: "getDefinitionsProductType",
      params: { productType: "HEADPHONES" },
    });
  });
});

describe("refunds from either Finances version", () => {
  it("keeps 2024-06-19 amounts exact (they arrive as JSON numbers) and reads the refund with its items", () => {
    const body = quoteCurrencyAmounts('{"totalAmount":{"currencyCode":"EUR","currencyAmount":-43.10},"x":{"currencyAmount":0.1}}');
    expect(JSON.parse(body)).toEqual({ totalAmount: { currencyCode: "EUR", currencyAmount: "-43.10" }, x: { currencyAmount: "0.1" } });
    const r = refundFromTransaction({
      transactionType: "Refund",
      postedDate: "2026-11-26T10:00:00Z",
      relatedIdentifiers: [
        { relatedIdentifierName: "ORDER_ID", relatedIdentifierValue: "111-1" },
        { relatedIdentifierName: "REFUND_ID", relatedIdentifierValue: "amzn1:crow:x" },
      ],
      totalAmount: { currencyCode: "EUR", currencyAmount: "-43.10" },
      marketplaceDetails: { marketplaceId: "A1PA6795UKMFR9" },
      items: [
        {
          totalAmount: { currencyCode: "EUR", currencyAmount: "-43.10" },
          contexts: [{ contextType: "ProductContext", sku: "DEMO-X", quantityShipped: 2 }],
          breakdowns: [
            {
              breakdownType: "ProductCharges",
              breakdowns: [{ breakdownType: "Principal", breakdownAmount: { currencyCode: "EUR", currencyAmount: "-50.00" } }],
            },
            {
              breakdownType: "AmazonFees",
              breakdowns: [{ breakdownType: "Commission", breakdownAmount: { currencyCode: "EUR", currencyAmount: "6.90" } }],
            },
          ],
        },
      ],
    })!;
    expect(r).toMatchObject({
      amazonOrderId: "111-1",
      refundId: "amzn1:crow:x",
      total: "-43.10",
      refundedToBuyer: "-50.00",
      marketplaceId: "A1PA6795UKMFR9",
    });
    expect(r.items[0]).toMatchObject({ sku: "DEMO-X", quantity: 2, parts: [{ group: "charge" }, { group: "fee" }] });
    expect(refundFromTransaction({ transactionType: "Shipment", relatedIdentifiers: [] })).toBeUndefined();
  });

  it("reads v0 RefundEventList with charges, fees and withheld tax", () => {
    const [r] = refundsFromEvents({
      RefundEventList: [
        {
          AmazonOrderId: "111-1",
          PostedDate: "2026-11-26T10:00:00Z",
          ShipmentItemAdjustmentList: [
            {
              SellerSKU: "DEMO-X",
              QuantityShipped: 1,
              ItemChargeAdjustmentList: [
                { ChargeType: "Principal", ChargeAmount: { CurrencyCode: "USD", CurrencyAmount: "-10.00" } },
                { ChargeType: "Tax", ChargeAmount: { CurrencyCode: "USD", CurrencyAmount: "-0.83" } },
              ],
              ItemFeeAdjustmentList: [{ FeeType: "Commission", FeeAmount: { CurrencyCode: "USD", CurrencyAmount: "1.50" } }],
              ItemTaxWithheldList: [
                { TaxesWithheld: [{ ChargeType: "MarketplaceFacilitatorTax-Principal", ChargeAmount: { CurrencyAmount: "0.83" } }] },
              ],
            },
          ],
        },
      ],
    });
    expect(r).toMatchObject({ currency: "USD", total: "-8.50", refundedToBuyer: "-10.83", source: "finances-v0" });
  });
});

describe("listings feed documents", () => {
  const ctx = { sellerId: "A2DEMOSELLER01", clock: systemClock } as unknown as SpApiContext;
  it("writes this seller's version 2.0 header and PATCH messages for quantities", () => {
    const doc = JSON.parse(
      new ListingsFeedApi(ctx).document(
        quantityMessages([{ sku: "A", quantity: 3, productType: "PRODUCT", leadTimeToShipMaxDays: 2 }], "merge"),
      ),
    );
    expect(doc).toEqual({
      header: { sellerId: "A2DEMOSELLER01", version: "2.0", issueLocale: "en_US" },
      messages: [
        {
          messageId: 1,
          sku: "A",
          operationType: "PATCH",
          productType: "PRODUCT",
          patches: [
            {
              op: "merge",
              path: "/attributes/fulfillment_availability",
              value: [{ fulfillment_channel_code: "DEFAULT", quantity: 3, lead_time_to_ship_max_days: 2 }],
            },
          ],
        },
      ],
    });
  });

  it("refuses an empty feed, more than 10,000 messages, a repeated messageId and negative quantities", () => {
    const api = new ListingsFeedApi(ctx);
    expect(() => api.document([])).toThrow("at least one message");
    const many = quantityMessages(Array.from({ length: 10_001 }, (_, i) => ({ sku: `S${i}`, quantity: 1, productType: "PRODUCT" })));
    expect(() => api.document(many)).toThrow("at most 10000");
    const twice = quantityMessages([{ sku: "A", quantity: 1, productType: "PRODUCT" }]);
    expect(() => api.document([...twice, ...twice])).toThrow("appears twice");
    expect(() => quantityMessages([{ sku: "A", quantity: -1, productType: "PRODUCT" }])).toThrow("non-negative");
  });
});
