/**
 * The notifications flow's dependencies in production: the endpoint's API key and queue, and the router's
 * targets (the order import queue; the settlement import of a finished settlement report).
 */
import type { DurableClient } from "durable-functions";
import { API_KEY_SECRET, type ReceiveDeps } from "../flows/notifications/receive";
import type { RouteDeps } from "../flows/notifications/router";
import { startReportImportOnce } from "../flows/settlements/start";
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

export function routeDeps(app: App, context: InvocationLogger, durable: DurableClient): RouteDeps {
  return {
    bus: app.bus,
    orderImportQueue: app.config.QUEUE_ORDER_IMPORT,
    telemetry: app.telemetry(context),
    startSettlementReport: (reportId) =>
      startReportImportOnce(reportId, durableStarter(durable), settlementDeps(app, context), settlementStartOptions(app)),
  };
}
