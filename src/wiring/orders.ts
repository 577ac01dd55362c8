/**
 * The orders flow's dependencies in production: what `importOrder`, `catchUpOrders` and the backfill
 * activities get, built from the app.
 */
import type { BackfillDeps, BackfillInput } from "../flows/orders/backfill";
import type { CatchUpDeps, CatchUpOptions } from "../flows/orders/catch-up";
import type { ImportOrderDeps } from "../flows/orders/import-order";
import { StateOrderLedger } from "../flows/orders/ledger";
import type { InvocationLogger } from "../platform/telemetry";
import { SpApiOrders } from "./adapters/amazon-orders";
import { spApiReports } from "./adapters/amazon-reports";
import { ODataSalesOrders } from "./adapters/d365-sales-orders";
import type { App } from "./app";

/** The order ledger in the app's state, stamped with the app's clock. */
export function orderLedger(app: App): StateOrderLedger {
  return new StateOrderLedger(app.state, undefined, () => app.clock.now());
}

/** Everything importOrder needs. */
export function importOrderDeps(app: App, context?: InvocationLogger): ImportOrderDeps {
  const ports = app.ports.orders ?? {};
  return {
    amazon: ports.amazon ?? new SpApiOrders(app.spapi, app.config.SPAPI_ORDERS_API),
    d365: ports.d365 ?? new ODataSalesOrders(app.d365),
    ledger: ports.ledger ?? orderLedger(app),
    mappings: app.mappings,
    clock: app.clock,
    telemetry: app.telemetry(context),
    useRdt: app.config.SPAPI_USE_RDT,
  };
}

/** Everything catchUpOrders needs. */
export function catchUpDeps(app: App, context?: InvocationLogger): CatchUpDeps {
  return {
    amazon: app.ports.orders?.amazon ?? new SpApiOrders(app.spapi, app.config.SPAPI_ORDERS_API),
    ledger: app.ports.orders?.ledger ?? orderLedger(app),
    bus: app.bus,
    queue: app.config.QUEUE_ORDER_IMPORT,
    state: app.state,
    clock: app.clock,
    telemetry: app.telemetry(context),
  };
}

/** The catch-up's settings; a manual sync may give its own start and marketplaces. */
export function catchUpOptions(app: App, sync: { since?: Date; marketplaceIds?: string[] } = {}): CatchUpOptions {
  return {
    marketplaceIds: sync.marketplaceIds ?? app.config.SPAPI_MARKETPLACE_IDS,
    overlapMinutes: app.config.ORDERS_CATCHUP_OVERLAP_MINUTES,
    initialLookbackDays: app.config.ORDERS_INITIAL_LOOKBACK_DAYS,
    ordersApi: app.config.SPAPI_ORDERS_API,
    ...(sync.since ? { since: sync.since } : {}),
  };
}

export function backfillDeps(app: App, context?: InvocationLogger): BackfillDeps {
  return {
    reports: spApiReports(app.spapi),
    bus: app.bus,
    queue: app.config.QUEUE_ORDER_IMPORT,
    ledger: orderLedger(app),
    clock: app.clock,
    telemetry: app.telemetry(context),
  };
}

/** A backfill of a period: one order report, then import messages in chunks of 500. */
export function backfillInput(app: App, request: { from: string; to: string; marketplaceIds?: string[] }): BackfillInput {
  return {
    from: new Date(request.from).toISOString(),
    to: new Date(request.to).toISOString(),
    marketplaceIds: request.marketplaceIds ?? app.config.SPAPI_MARKETPLACE_IDS,
    chunkSize: 500,
    pollMs: 60_000,
    maxPolls: 120,
  };
}
