/**
 * The notifications flow's dependencies in production: the endpoint's API key and queue, and the router's
 * targets, one per flow that takes notifications (the order import queue; the settlement import of a
 * finished settlement report; the fulfillment flow's MCF order changes; the inventory flow's FBA refresh of one SKU and the end of its quantity feeds; the
 * products queue for listing status and issue changes). A new flow that subscribes to a notification type adds its
 * target here.
 */
import type { DurableClient } from "durable-functions";
import { followMcfOrder } from "../flows/fulfillment/requests";
import { enqueueOrderChange } from "../flows/orders/messages";
import { enqueueListingChange } from "../flows/products/messages";
import { API_KEY_SECRET, type ReceiveDeps } from "../flows/notifications/receive";
import type { ListingTargets, NotificationTargets, RouteDeps } from "../flows/notifications/router";
import { isFinishedSettlementReport, startReportImportOnce } from "../flows/settlements/import-settlement";
import { applyFbaChange } from "../flows/inventory/fba-reconcile";
import { settleFeed } from "../flows/inventory/push";
import type { InvocationLogger } from "../platform/telemetry";
import { durableStarter } from "./adapters/durable-starter";
import { mcfRecords } from "./fulfillment";
import type { App } from "./app";
import { orderLedger } from "./orders";
import { fbaReconcileDeps, inventoryPushDeps } from "./inventory";
import { settlementDeps, settlementStartOptions } from "./settlements";

export function receiveDeps(app: App, context?: InvocationLogger): ReceiveDeps {
  return {
    expectedApiKey: () => app.secrets.get(API_KEY_SECRET),
    bus: app.bus,
    queue: app.config.QUEUE_NOTIFICATIONS,
    telemetry: app.telemetry(context),
  };
}

/** The router's dispatch table. */
export function notificationTargets(app: App, context: InvocationLogger, durable: DurableClient): NotificationTargets & ListingTargets {
  return {
    orderChanged: (change, notificationId) =>
      enqueueOrderChange(change, notificationId, {
        bus: app.bus,
        queue: app.config.QUEUE_ORDER_IMPORT,
        ledger: app.ports.orders?.ledger ?? orderLedger(app),
        clock: app.clock,
        telemetry: app.telemetry(context),
        sellerId: app.config.SPAPI_SELLER_ID,
        marketplaceIds: app.config.SPAPI_MARKETPLACE_IDS,
      }),
    settlementReport: {
      accepts: isFinishedSettlementReport,
      start: (reportId) =>
        startReportImportOnce(reportId, durableStarter(durable), settlementDeps(app, context), settlementStartOptions(app)),
    },
    fulfillmentOrderChanged: (change, notificationId) =>
      followMcfOrder(change, notificationId, {
        records: mcfRecords(app),
        bus: app.bus,
        queue: app.config.QUEUE_FULFILLMENT,
      }),
    fbaInventoryChanged: async (change) => {
      const deps = fbaReconcileDeps(app, context);
      const outcomes = [];
      for (const m of change.marketplaces) {
        const { marketplaceId, ...quantities } = m;
        outcomes.push(
          await applyFbaChange({ marketplaceId, sellerSku: change.sellerSku, asin: change.asin, fnSku: change.fnSku, quantities }, deps),
        );
      }
      return outcomes;
    },
    feedFinished: (feed) => settleFeed(feed.feedId, inventoryPushDeps(app, context)),
    listingChanged: (change, notificationId) =>
      enqueueListingChange(change, notificationId, { bus: app.bus, queue: app.config.QUEUE_PRODUCTS }),
  };
}

export function routeDeps(app: App, context: InvocationLogger, durable: DurableClient): RouteDeps {
  return { targets: notificationTargets(app, context, durable), telemetry: app.telemetry(context) };
}
