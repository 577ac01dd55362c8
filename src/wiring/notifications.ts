/**
 * The notifications flow's dependencies in production: the endpoint's API key and queue, and the router's
 * targets, one per flow that takes notifications (the order import queue; the settlement import of a
 * finished settlement report; the products queue for listing status and issue changes). A new flow that
 * subscribes to a notification type adds its target here.
 */
import type { DurableClient } from "durable-functions";
import { enqueueOrderChange } from "../flows/orders/messages";
import { enqueueListingChange } from "../flows/products/messages";
import { API_KEY_SECRET, type ReceiveDeps } from "../flows/notifications/receive";
import type { ListingTargets, NotificationTargets, RouteDeps } from "../flows/notifications/router";
import { isFinishedSettlementReport, startReportImportOnce } from "../flows/settlements/import-settlement";
import type { InvocationLogger } from "../platform/telemetry";
import { durableStarter } from "./adapters/durable-starter";
import type { App } from "./app";
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
      enqueueOrderChange(change, notificationId, { bus: app.bus, queue: app.config.QUEUE_ORDER_IMPORT }),
    settlementReport: {
      accepts: isFinishedSettlementReport,
      start: (reportId) =>
        startReportImportOnce(reportId, durableStarter(durable), settlementDeps(app, context), settlementStartOptions(app)),
    },
    listingChanged: (change, notificationId) =>
      enqueueListingChange(change, notificationId, { bus: app.bus, queue: app.config.QUEUE_PRODUCTS }),
  };
}

export function routeDeps(app: App, context: InvocationLogger, durable: DurableClient): RouteDeps {
  return { targets: notificationTargets(app, context, durable), telemetry: app.telemetry(context) };
}
