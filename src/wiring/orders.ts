/**
 * The orders flow's dependencies in production: what `importOrder`, `importOrdersInBulk`, `catchUpOrders` and
 * the backfill activities get, built from the app.
 */
import type { BackfillDeps, BackfillInput } from "../flows/orders/backfill";
import type { CatchUpDeps, CatchUpOptions } from "../flows/orders/catch-up";
import type { ImportOrderCommand, ImportOrderDeps } from "../flows/orders/import-order";
import type { BulkImportDeps } from "../flows/orders/import-orders-bulk";
import { type OrderLedger, StateOrderLedger } from "../flows/orders/ledger";
import { z } from "zod";
import { type OrderBulkImportMessage, OrderImportMessage, orderImportMessageId } from "../flows/orders/messages";
import { type AppError, ValidationError } from "../platform/errors";
import { parkMessage } from "../platform/parked-messages";
import type { InvocationLogger } from "../platform/telemetry";
import { parkReasonFor } from "../platform/trigger-adapters";
import { SpApiOrders } from "./adapters/amazon-orders";
import { spApiReports } from "./adapters/amazon-reports";
import { ODataSalesOrders } from "./adapters/d365-sales-orders";
import type { App } from "./app";

/** The order ledger in the app's state, stamped with the app's clock. */
export function orderLedger(app: App): StateOrderLedger {
  return new StateOrderLedger(app.state, undefined, () => app.clock.now());
}

/** One D365 adapter per app, so that the address states are read once per country and process. */
const salesOrdersByApp = new WeakMap<App, ODataSalesOrders>();
function salesOrders(app: App): ODataSalesOrders {
  let s = salesOrdersByApp.get(app);
  if (!s) {
    s = new ODataSalesOrders(app.d365);
    salesOrdersByApp.set(app, s);
  }
  return s;
}

function ledgerOf(app: App): OrderLedger {
  return app.ports.orders?.ledger ?? orderLedger(app);
}

/** Everything importOrder needs. */
export function importOrderDeps(app: App, context?: InvocationLogger): ImportOrderDeps {
  const ports = app.ports.orders ?? {};
  return {
    amazon: ports.amazon ?? new SpApiOrders(app.spapi, app.config.SPAPI_ORDERS_API),
    d365: ports.d365 ?? salesOrders(app),
    ledger: ledgerOf(app),
    mappings: app.mappings,
    clock: app.clock,
    telemetry: app.telemetry(context),
    useRdt: app.config.SPAPI_USE_RDT,
  };
}

/** Everything importOrdersInBulk needs: importOrder's ports, and parking one order of a group as its own message. */
export function bulkImportDeps(app: App, context?: InvocationLogger): BulkImportDeps {
  const deps = importOrderDeps(app, context);
  return {
    ...deps,
    park: async (order: ImportOrderCommand, err: AppError) => {
      const body: OrderImportMessage = {
        amazonOrderId: order.amazonOrderId,
        ...(order.lastUpdate ? { lastUpdate: order.lastUpdate } : {}),
        source: "replay",
      };
      // The review item replays as a single order import (its own message, through the fast path).
      const messageId = orderImportMessageId(body, app.clock.now().toISOString(), "bulk");
      await parkMessage(
        app.state,
        {
          queue: app.config.QUEUE_ORDER_IMPORT,
          messageId,
          body,
          reason: parkReasonFor(err) ?? "validation",
          description: err.message,
          code: err.code,
          ...(err.where !== undefined ? { where: err.where } : {}),
          ...("suggestion" in err && err.suggestion !== undefined ? { suggestion: err.suggestion } : {}),
        },
        app.clock,
      );
      deps.telemetry.event("order.deadLettered", { messageId, reason: parkReasonFor(err), code: err.code, bulk: true });
    },
  };
}

/**
 * The orders of a bulk import message, from its blob, as import commands. An order whose entry does not read
 * (an Amazon status the app does not know, say) goes without what its sender knew, so it reads Amazon itself;
 * one bad entry never parks the other orders of the group.
 */
export async function loadBulkOrders(app: App, message: OrderBulkImportMessage): Promise<ImportOrderCommand[]> {
  const bytes = await app.blobs.get(message.bulk.container, message.bulk.name);
  if (!bytes) {
    // The hand-overs of its orders are in the ledger: the sweeper enqueues them one by one.
    throw new ValidationError("orders.bulkMissing", `The orders of bulk import ${message.bulk.name} are not in blob storage`, {
      where: `${message.bulk.container}/${message.bulk.name}`,
    });
  }
  const source = message.source ?? "bulk";
  const entries = z.object({ orders: z.array(z.unknown()) }).parse(JSON.parse(new TextDecoder().decode(bytes))).orders;
  const orders: ImportOrderCommand[] = [];
  for (const entry of entries) {
    const parsed = OrderImportMessage.safeParse(entry);
    if (parsed.success) {
      orders.push({ ...parsed.data, source: parsed.data.source ?? source });
      continue;
    }
    const bare = OrderImportMessage.pick({ amazonOrderId: true, lastUpdate: true, marketplaceId: true }).safeParse(entry);
    app.telemetry().log("warn", "orders.bulkEntryUnreadable", { blob: message.bulk.name, amazonOrderId: bare.data?.amazonOrderId });
    if (bare.success) orders.push({ ...bare.data, source });
  }
  return orders;
}

/** Everything catchUpOrders needs. */
export function catchUpDeps(app: App, context?: InvocationLogger): CatchUpDeps {
  return {
    amazon: app.ports.orders?.amazon ?? new SpApiOrders(app.spapi, app.config.SPAPI_ORDERS_API),
    ledger: ledgerOf(app),
    bus: app.bus,
    queue: app.config.QUEUE_ORDER_IMPORT,
    state: app.state,
    blobs: app.blobs,
    clock: app.clock,
    telemetry: app.telemetry(context),
  };
}

/** Apps whose first catch-up (the one at start) has run in this process. */
const sweptAtStart = new WeakSet<App>();

/**
 * The catch-up's settings; a manual sync may give its own start and marketplaces. The sweeper runs before
 * every catch-up; the first one of the process sweeps as at start (an expired lease is enough: the work
 * of a process that stopped will not finish).
 */
export function catchUpOptions(app: App, sync: { since?: Date; marketplaceIds?: string[] } = {}): CatchUpOptions {
  const atStart = !sweptAtStart.has(app);
  sweptAtStart.add(app);
  return {
    marketplaceIds: sync.marketplaceIds ?? app.config.SPAPI_MARKETPLACE_IDS,
    overlapMinutes: app.config.ORDERS_CATCHUP_OVERLAP_MINUTES,
    initialLookbackDays: app.config.ORDERS_INITIAL_LOOKBACK_DAYS,
    ordersApi: app.config.SPAPI_ORDERS_API,
    bulk: { minOrders: app.config.ORDERS_BULK_MIN_ORDERS, groupSize: app.config.ORDERS_BULK_GROUP_SIZE },
    sweep: { staleAfterMs: atStart ? 0 : app.config.ORDERS_SWEEP_AFTER_MINUTES * 60_000 },
    ...(sync.since ? { since: sync.since, syncTag: `sync@${app.clock.now().toISOString()}` } : {}),
  };
}

export function backfillDeps(app: App, context?: InvocationLogger): BackfillDeps {
  return {
    reports: spApiReports(app.spapi),
    bus: app.bus,
    queue: app.config.QUEUE_ORDER_IMPORT,
    ledger: ledgerOf(app),
    blobs: app.blobs,
    clock: app.clock,
    telemetry: app.telemetry(context),
    bulk: { minOrders: app.config.ORDERS_BULK_MIN_ORDERS, groupSize: app.config.ORDERS_BULK_GROUP_SIZE },
  };
}

/** A backfill of a period: one order report, then hand-overs in chunks of one bulk group each. */
export function backfillInput(app: App, request: { from: string; to: string; marketplaceIds?: string[] }): BackfillInput {
  return {
    from: new Date(request.from).toISOString(),
    to: new Date(request.to).toISOString(),
    marketplaceIds: request.marketplaceIds ?? app.config.SPAPI_MARKETPLACE_IDS,
    chunkSize: app.config.ORDERS_BULK_GROUP_SIZE * 5,
    pollMs: 60_000,
    maxPolls: 120,
  };
}
