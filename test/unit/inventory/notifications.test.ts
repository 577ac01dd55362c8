/**
 * The inventory flow's notifications through the one validator and the router: FBA_INVENTORY_AVAILABILITY_CHANGES
 * and FEED_PROCESSING_FINISHED are checked against Amazon's published schemas (the shapes below are the
 * simulator's, which its contract tests check against the same schemas) and reach their targets typed.
 */
import { describe, expect, it } from "vitest";
import { routeNotification } from "../../../src/flows/notifications/router";
import { validateNotification } from "../../../src/flows/notifications/validate";
import { MemoryTelemetry } from "../../../src/platform/telemetry";

const fbaChange = (over: Record<string, unknown> = {}) => ({
  NotificationVersion: "1.0",
  NotificationType: "FBA_INVENTORY_AVAILABILITY_CHANGES",
  PayloadVersion: "1.0",
  EventTime: "2026-03-02T10:00:00.000Z",
  Payload: {
    SellerId: "A2DEMOSELLER01",
    FNSKU: "X0DEMO0002",
    ASIN: "B0DEMO0002",
    SKU: "DEMO-SPEAKER-WHT",
    FulfillmentInventoryByMarketplace: [
      {
        MarketplaceId: "ATVPDKIKX0DER",
        ItemName: "Demo Bluetooth Speaker, white",
        FulfillmentInventory: {
          InboundQuantityBreakdown: { Working: 0, Shipped: 24, Receiving: 6 },
          Fulfillable: 40,
          Unfulfillable: 1,
          Researching: 2,
          ReservedQuantityBreakdown: { WarehouseProcessing: 1, WarehouseTransfer: 0, PendingCustomerOrder: 2 },
          FutureSupplyBuyable: 0,
          PendingCustomerOrderInTransit: 0,
        },
      },
    ],
  },
  NotificationMetadata: {
    ApplicationId: "amzn1.sellerapps.app.demo",
    SubscriptionId: "demo-subscription-fba",
    PublishTime: "2026-03-02T10:00:00.000Z",
    NotificationId: "n-fba-1",
  },
  ...over,
});

const feedFinished = (status = "DONE") => ({
  notificationVersion: "2020-09-04",
  notificationType: "FEED_PROCESSING_FINISHED",
  payloadVersion: "2020-09-04",
  eventTime: "2026-03-02T10:00:00.000Z",
  payload: {
    feedProcessingFinishedNotification: {
      sellerId: "A2DEMOSELLER01",
      accountId: "amzn1.merchant.o.A2DEMOSELLER01",
      feedId: "50001",
      feedType: "JSON_LISTINGS_FEED",
      processingStatus: status,
      resultFeedDocumentId: "doc-1",
    },
  },
  notificationMetadata: {
    applicationId: "amzn1.sellerapps.app.demo",
    subscriptionId: "demo-subscription-feed",
    publishTime: "2026-03-02T10:00:00.000Z",
    notificationId: "n-feed-1",
  },
});

describe("inventory notifications", () => {
  it("reads FBA_INVENTORY_AVAILABILITY_CHANGES: the SKU and its quantities per marketplace, reserved added up", () => {
    const r = validateNotification(fbaChange());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      kind: "fba-inventory-changed",
      notificationId: "n-fba-1",
      change: {
        sellerSku: "DEMO-SPEAKER-WHT",
        asin: "B0DEMO0002",
        fnSku: "X0DEMO0002",
        marketplaces: [
          {
            marketplaceId: "ATVPDKIKX0DER",
            fulfillable: 40,
            inboundWorking: 0,
            inboundShipped: 24,
            inboundReceiving: 6,
            reserved: 3,
            unfulfillable: 1,
            researching: 2,
          },
        ],
      },
    });
  });

  it("refuses an FBA change that breaks Amazon's schema, naming the path, and one without a notification id", () => {
    const bad = fbaChange();
    (bad.Payload.FulfillmentInventoryByMarketplace[0]!.FulfillmentInventory as Record<string, unknown>).Fulfillable = "forty";
    const r = validateNotification(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.path).toBe("$.Payload.FulfillmentInventoryByMarketplace[0].FulfillmentInventory.Fulfillable");
    const { NotificationMetadata: _, ...noMeta } = fbaChange();
    expect(validateNotification(noMeta).ok).toBe(false);
  });

  it("reads FEED_PROCESSING_FINISHED and refuses a status Amazon's schema does not have", () => {
    const r = validateNotification(feedFinished());
    expect(r.ok && r.value.kind === "feed-finished" && r.value.feed).toEqual({
      feedId: "50001",
      feedType: "JSON_LISTINGS_FEED",
      processingStatus: "DONE",
      resultFeedDocumentId: "doc-1",
    });
    const bad = validateNotification(feedFinished("FINISHED"));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]!.message).toContain("CANCELLED, DONE, FATAL");
  });

  it("routes both to the inventory flow's targets, and completes them when no flow takes them", async () => {
    const seen: string[] = [];
    const targets = {
      orderChanged: async () => ({ messageId: "x" }),
      fbaInventoryChanged: async (c: { sellerSku: string }) => {
        seen.push(`fba:${c.sellerSku}`);
        return [{ status: "updated" }];
      },
      feedFinished: async (f: { feedId: string }) => {
        seen.push(`feed:${f.feedId}`);
        return undefined;
      },
    };
    const fba = validateNotification(fbaChange());
    const feed = validateNotification(feedFinished());
    if (!fba.ok || !feed.ok) throw new Error("invalid fixture");
    const telemetry = new MemoryTelemetry();
    expect(await routeNotification(fba.value, { targets, telemetry })).toEqual({
      routed: "fba-inventory",
      sellerSku: "DEMO-SPEAKER-WHT",
      outcomes: [{ status: "updated" }],
    });
    expect(await routeNotification(feed.value, { targets, telemetry })).toEqual({
      routed: "feed-finished",
      feedId: "50001",
      outcome: "not a feed the app waits for",
    });
    expect(seen).toEqual(["fba:DEMO-SPEAKER-WHT", "feed:50001"]);
    expect(await routeNotification(fba.value, { targets: { orderChanged: targets.orderChanged }, telemetry })).toEqual({
      routed: "ignored",
      notificationType: "FBA_INVENTORY_AVAILABILITY_CHANGES",
    });
  });
});
