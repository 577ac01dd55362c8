/**
 * Contract: every request the connector sends and every answer the SP-API simulator gives — success and
 * error — validates against Amazon's published models (Swagger 2.0, checked with ajv), and the
 * notifications the simulator produces validate against the published notification schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ORDERS_2026_INCLUDED_DATA, OPERATIONS, type OperationName, type SpApiClient } from "../../../src/amazon";
import type { RequestRecord, SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, startSim } from "../../integration/amazon/sim-client";
import { ModelValidator, describeAjvErrors, notificationValidator } from "./model-validator";
import { exerciseNewFlows } from "./new-flows-exercise";

const US = "ATVPDKIKX0DER";
const DE = "A1PA6795UKMFR9";
let sim: SpApiSimulator;
let client: SpApiClient;
let rdtClient: SpApiClient;
let records: RequestRecord[];
const validator = new ModelValidator([...new Set(Object.values(OPERATIONS).map((o) => o.model))]);

async function expectRejects(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toBeTruthy();
}

beforeAll(async () => {
  sim = await startSim({ timeScale: 1000, orderItemsPageSize: 3, inventoryPageSize: 2 });
  client = clientFor(sim, { maxRetries: 0 });
  rdtClient = clientFor(sim, { useRdt: true, maxRetries: 0 });
  const since = new Date(Date.now() - 60 * 86_400_000);

  // Orders
  for await (const _ of client.getOrders({
    marketplaceIds: [US, DE],
    lastUpdatedAfter: since,
    orderStatuses: ["Shipped", "Unshipped", "PartiallyShipped", "Pending", "Canceled"],
    fulfillmentChannels: ["AFN", "MFN"],
    maxResultsPerPage: 7,
  }))
    void _;
  const orders: string[] = [];
  for await (const o of client.getOrders({ marketplaceIds: [US], createdAfter: since })) orders.push(o.AmazonOrderId);
  const many = sim.sim.data.orders.find((o) => o.items.length > 3)!;
  await client.getOrder(orders[0]);
  await client.getOrderItems(many.amazonOrderId);
  await rdtClient.getOrderItems(orders[1]);
  await client.getOrderAddress(orders[2]);
  await rdtClient.getOrderAddress(orders[2]);
  await rdtClient.getOrderBuyerInfo(orders[3]);
  await expectRejects(client.getOrder("999-0000000-0000000"));
  await expectRejects(client.call("getOrders", z.any(), { query: { MarketplaceIds: [US] } }));

  // Orders 2026-01-01: every dataset, both filters, paging, one order per status, errors.
  for await (const _ of client.searchOrders({
    marketplaceIds: [US, DE],
    lastUpdatedAfter: since,
    lastUpdatedBefore: new Date(Date.now() - 5 * 60_000),
    fulfillmentStatuses: ["PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED"],
    fulfilledBy: ["AMAZON", "MERCHANT"],
    includedData: [...ORDERS_2026_INCLUDED_DATA],
    maxResultsPerPage: 7,
  }))
    void _;
  await client.searchOrdersPage({ marketplaceIds: [US], createdAfter: since, createdBefore: new Date(Date.now() - 5 * 60_000) });
  for (const status of ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled"]) {
    for (const vat of [false, true]) {
      const o = sim.sim.data.orders.find((x) => x.status === status && (x.marketplaceId === US) !== vat);
      if (o) await client.getOrder2026(o.amazonOrderId, [...ORDERS_2026_INCLUDED_DATA]);
    }
  }
  const promoted = sim.sim.data.orders.find((o) => o.status !== "Canceled" && o.items.some((i) => i.promotionIds.length));
  if (promoted) await client.getOrder2026(promoted.amazonOrderId);
  await client.getOrder2026(orders[0], []);
  await expectRejects(client.getOrder2026("999-0000000-0000000"));
  await expectRejects(client.call("searchOrders", z.any(), { query: { marketplaceIds: [US] } }));
  await expectRejects(
    client.call("searchOrders", z.any(), {
      query: { marketplaceIds: [US], createdAfter: since.toISOString(), lastUpdatedAfter: since.toISOString() },
    }),
  );

  const unshipped = sim.sim.data.orders.find((o) => o.status === "Unshipped" && o.fulfillmentChannel === "MFN")!;
  await client.confirmShipment(unshipped.amazonOrderId, {
    marketplaceId: unshipped.marketplaceId,
    packageReferenceId: "1",
    carrierCode: "UPS",
    trackingNumber: "1Z999AA10123456784",
    shipDate: new Date(),
    items: unshipped.items.map((i) => ({ orderItemId: i.orderItemId, quantity: i.quantity })),
  });

  // Reports
  const settlementReports = [];
  for await (const r of client.getReports({
    reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"],
    createdSince: since,
    pageSize: 4,
  }))
    settlementReports.push(r);
  await client.getReportsPage({ processingStatuses: ["DONE"], marketplaceIds: [DE] });
  await client.downloadReportDocument(settlementReports[0].reportDocumentId!);
  const reportId = await client.createReport({
    reportType: "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    marketplaceIds: [DE],
    dataStartTime: since,
  });
  const report = await client.waitForReport(reportId, { intervalMs: 3 });
  await client.downloadReportDocument(report.reportDocumentId!);
  await expectRejects(client.createReport({ reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", marketplaceIds: [US] }));
  await expectRejects(client.getReport("1"));

  // Feeds
  const feedId = await client.submitFeed({
    feedType: "JSON_LISTINGS_FEED",
    marketplaceIds: [US],
    contentType: "application/json; charset=UTF-8",
    content: JSON.stringify({
      header: { sellerId: "A2DEMOSELLER01", version: "2.0" },
      messages: [
        {
          messageId: 1,
          sku: "DEMO-BAG-15",
          operationType: "PATCH",
          productType: "PRODUCT",
          patches: [
            { op: "replace", path: "/attributes/fulfillment_availability", value: [{ fulfillment_channel_code: "DEFAULT", quantity: 4 }] },
          ],
        },
      ],
    }),
  });
  const feed = await client.waitForFeed(feedId, { intervalMs: 3 });
  await client.downloadFeedResult(feed);
  await expectRejects(client.getFeed("1"));

  // FBA inventory
  await client.getInventorySummaries({ marketplaceId: US, details: true });
  await client.getInventorySummaries({ marketplaceId: DE, sellerSkus: ["DEMO-SPEAKER-BLK", "DEMO-HEADPHONES"], startDateTime: since });

  // MCF (the client's version-neutral area, 2020-07-01 on the wire)
  const mcf = {
    sellerFulfillmentOrderId: "MCF-CONTRACT-1",
    marketplaceId: US,
    displayableOrderId: "SO-1001",
    displayableOrderDate: new Date().toISOString(),
    displayableOrderComment: "Thank you for your order",
    shippingSpeed: "Standard" as const,
    destination: {
      name: "Test Recipient",
      addressLine1: "1 Test Street",
      city: "Seattle",
      stateOrRegion: "WA",
      postalCode: "98101",
      countryCode: "US",
    },
    items: [{ lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 2, declaredValue: { currencyCode: "USD", amount: "49.99" } }],
  };
  await client.mcf.create(mcf);
  await client.mcf.create({ ...mcf, sellerFulfillmentOrderId: "MCF-CONTRACT-2" });
  sim.sim.advance(120_000);
  await client.mcf.get("MCF-CONTRACT-1");
  await client.mcf.listUpdatedSince(since);
  await client.mcf.create({ ...mcf, sellerFulfillmentOrderId: "MCF-CONTRACT-3" });
  await client.mcf.cancel("MCF-CONTRACT-3");
  await expectRejects(client.mcf.cancel("MCF-CONTRACT-1"));
  await expectRejects(
    client.mcf.create({
      ...mcf,
      sellerFulfillmentOrderId: "MCF-CONTRACT-4",
      items: [{ ...mcf.items[0], sku: "NO-SUCH-SKU" }],
    }),
  );

  // Finances
  for await (const _ of client.listFinancialEvents({ postedAfter: since, maxResultsPerPage: 5 })) void _;

  // Listings
  await client.getListingsItem("DEMO-CABLE-USBC-2M", [US, DE], ["summaries", "offers", "fulfillmentAvailability", "issues", "attributes"]);
  await client.getListingsItem("DEMO-SPEAKER-BLK", [US]);
  await client.setFbmQuantity("DEMO-CABLE-USBC-2M", 12, [US]);
  await client.patchListingsItem("NO-SUCH-SKU", {
    marketplaceIds: [US],
    productType: "PRODUCT",
    mode: "VALIDATION_PREVIEW",
    patches: [
      { op: "replace", path: "/attributes/fulfillment_availability", value: [{ fulfillment_channel_code: "DEFAULT", quantity: 1 }] },
    ],
  });
  await expectRejects(client.getListingsItem("NO-SUCH-SKU", [US]));

  // Notifications
  await client.getSubscription("ORDER_CHANGE");
  await client.createSubscription("ORDER_CHANGE", {
    destinationId: "3acafc7e-121b-4e5f-9d6d-8fc4d1f29f6a",
    payloadVersion: "1.0",
    processingDirective: { eventFilter: { eventFilterType: "ORDER_CHANGE", orderChangeTypes: ["OrderStatusChange"] } },
  });
  await client.getSubscription("ORDER_CHANGE", "1.0");
  await expectRejects(
    client.createSubscription("ORDER_CHANGE", { destinationId: "3acafc7e-121b-4e5f-9d6d-8fc4d1f29f6a", payloadVersion: "1.0" }),
  );

  // The fulfillment, inventory, returns and products operations.
  await exerciseNewFlows(client, sim);

  // Throttling and server errors have documented shapes too.
  sim.sim.addFaults([
    { operation: "getOrder", status: 429 },
    { operation: "getOrderItems", status: 503 },
    { operation: "getReport", status: 500 },
  ]);
  await expectRejects(client.getOrder(orders[0]));
  await expectRejects(client.getOrderItems(orders[0]));
  await expectRejects(client.getReport(reportId));

  records = sim.sim.requests();
}, 120_000);

afterAll(async () => {
  await sim?.stop();
});

describe("the SP-API simulator and the connector against Amazon's published models", () => {
  it("exercises every operation the connector uses, with successes and errors", () => {
    const seen = new Set(records.map((r) => r.operation));
    const missing = (Object.keys(OPERATIONS) as OperationName[]).filter((op) => !seen.has(op));
    expect(missing).toEqual([]);
    const statuses = new Set(records.map((r) => r.status));
    for (const s of [200, 202, 204, 400, 404, 409, 429, 500, 503]) expect(statuses).toContain(s);
    expect(records.length).toBeGreaterThan(60);
  });

  it("answers every request with a body that validates against the operation's response schema", () => {
    const problems = records.flatMap((r) =>
      validator.validateResponse(OPERATIONS[r.operation as OperationName].model, r.method, r.path, r.status, r.response),
    );
    expect(problems).toEqual([]);
  });

  it("sends every request with the path, query parameters and body the model defines", () => {
    const problems = records.flatMap((r) =>
      validator.validateRequest(OPERATIONS[r.operation as OperationName].model, r.method, r.path, r.query, r.body),
    );
    expect(problems).toEqual([]);
  });

  it("serves buyer PII only to calls that carry a restricted data token", () => {
    const withPii = records.filter((r) => r.operation === "getOrderAddress" && r.status === 200);
    expect(withPii.map((r) => r.restricted).sort()).toEqual([false, true]);
    for (const r of withPii) {
      const address = (r.response as { payload: { ShippingAddress: Record<string, unknown> } }).payload.ShippingAddress;
      expect("AddressLine1" in address).toBe(r.restricted);
    }
  });

  it("catches a response that breaks the model (the validator is not a rubber stamp)", () => {
    const bad = { payload: { Orders: [{ AmazonOrderId: "1", PurchaseDate: "x", LastUpdateDate: "y", OrderStatus: "Shippped" }] } };
    expect(validator.validateResponse("ordersV0.json", "GET", "/orders/v0/orders", 200, bad)).not.toEqual([]);
    const extra = { payload: { Orders: [], NextTokn: "x" } };
    expect(validator.validateResponse("ordersV0.json", "GET", "/orders/v0/orders", 200, extra)).not.toEqual([]);
    expect(validator.validateRequest("ordersV0.json", "GET", "/orders/v0/orders", { MarketplaceId: US }, undefined)).not.toEqual([]);
    expect(
      validator.validateRequest("reports_2021-06-30.json", "GET", "/reports/2021-06-30/reports", { pageSize: "500" }, undefined),
    ).not.toEqual([]);
  });

  it("catches an Orders 2026-01-01 answer that breaks the model (money as a number, a misspelt field)", () => {
    const path = "/orders/2026-01-01/orders/111-1111111-1111111";
    const order = {
      orderId: "111-1111111-1111111",
      createdTime: "2026-01-01T00:00:00Z",
      lastUpdatedTime: "2026-01-01T00:00:00Z",
      salesChannel: { channelName: "AMAZON" },
      orderItems: [],
    };
    expect(validator.validateResponse("orders_2026-01-01.json", "GET", path, 200, { order })).toEqual([]);
    expect(
      validator.validateResponse("orders_2026-01-01.json", "GET", path, 200, {
        order: { ...order, proceeds: { grandTotal: { amount: 1.5, currencyCode: "USD" } } },
      }),
    ).not.toEqual([]);
    expect(
      validator.validateResponse("orders_2026-01-01.json", "GET", path, 200, { order: { ...order, orderStatus: "SHIPPED" } }),
    ).not.toEqual([]);
    expect(validator.validateRequest("orders_2026-01-01.json", "GET", path, { includedData: "ITEMS" }, undefined)).not.toEqual([]);
  });

  it("serves the same seeded orders in Orders v0 and 2026-01-01 (ids, statuses, items, money)", async () => {
    const status: Record<string, string> = {
      PENDING: "Pending",
      UNSHIPPED: "Unshipped",
      PARTIALLY_SHIPPED: "PartiallyShipped",
      SHIPPED: "Shipped",
      CANCELLED: "Canceled",
    };
    const picks = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled"].flatMap((st) =>
      [US, DE].map((mp) => sim.sim.data.orders.find((o) => o.status === st && o.marketplaceId === mp)).filter((o) => !!o),
    );
    expect(picks.length).toBeGreaterThanOrEqual(5);
    for (const pick of picks) {
      const [v0, v0items, o] = [
        await client.getOrder(pick!.amazonOrderId),
        await client.getOrderItems(pick!.amazonOrderId),
        await client.getOrder2026(pick!.amazonOrderId, [...ORDERS_2026_INCLUDED_DATA]),
      ];
      expect(o.orderId).toBe(v0.AmazonOrderId);
      expect(status[o.fulfillment!.fulfillmentStatus]).toBe(v0.OrderStatus);
      expect(o.fulfillment!.fulfilledBy).toBe(v0.FulfillmentChannel === "AFN" ? "AMAZON" : "MERCHANT");
      expect(o.salesChannel.marketplaceId).toBe(v0.MarketplaceId);
      expect(o.proceeds?.grandTotal).toEqual(
        v0.OrderTotal ? { amount: v0.OrderTotal.Amount, currencyCode: v0.OrderTotal.CurrencyCode } : undefined,
      );
      expect(o.orderItems.map((i) => [i.orderItemId, i.product.sellerSku, i.quantityOrdered, i.fulfillment?.quantityFulfilled])).toEqual(
        v0items.map((i) => [i.OrderItemId, i.SellerSKU, i.QuantityOrdered, i.QuantityShipped]),
      );
      o.orderItems.forEach((i, k) => {
        const item = i.proceeds?.breakdowns?.find((b) => b.type === "ITEM")?.subtotal;
        expect(item).toEqual(
          v0items[k].ItemPrice ? { amount: v0items[k].ItemPrice!.Amount, currencyCode: v0items[k].ItemPrice!.CurrencyCode } : undefined,
        );
        const itemTax = i.proceeds?.breakdowns?.find((b) => b.type === "TAX")?.detailedBreakdowns?.find((d) => d.subtype === "ITEM")
          ?.value?.amount;
        expect(itemTax).toBe(v0items[k].ItemTax?.Amount);
      });
    }
  });

  it("produces ORDER_CHANGE and REPORT_PROCESSING_FINISHED notifications that match the published schemas", () => {
    sim.sim.addOrder({ marketplaceId: US, items: [{ sku: "DEMO-CABLE-USBC-2M", quantity: 2 }] });
    const all = sim.sim.notifications();
    const orderChange = notificationValidator("OrderChangeNotification.json");
    const reportFinished = notificationValidator("ReportProcessingFinishedNotification.json");
    const byType = (t: string) => all.filter((n) => (n.NotificationType ?? n.notificationType) === t);
    expect(byType("ORDER_CHANGE").length).toBeGreaterThan(0);
    expect(byType("REPORT_PROCESSING_FINISHED").length).toBeGreaterThan(0);
    for (const n of byType("ORDER_CHANGE")) expect(orderChange(n), describeAjvErrors(orderChange.errors)).toBe(true);
    for (const n of byType("REPORT_PROCESSING_FINISHED")) expect(reportFinished(n), describeAjvErrors(reportFinished.errors)).toBe(true);
  });
});
