/**
 * The returns flow's dependencies in production: what `importReturn` and the sync's activities get, built
 * from the app (a host or test may replace single ports through `app.ports.returns`).
 */
import type { ImportReturnDeps, SyncDeps } from "../flows/returns/ports";
import type { SyncOptions } from "../flows/returns/sync";
import { loadReturnMappings } from "../mapping/returns";
import type { InvocationLogger } from "../platform/telemetry";
import { spApiMcfReturns, spApiRefunds, spApiReturnsReports } from "./adapters/amazon-returns";
import { ODataReturnOrders } from "./adapters/d365-return-orders";
import type { App } from "./app";
import { mcfRecords } from "./fulfillment";

/** Everything importReturn needs. */
export function importReturnDeps(app: App, context?: InvocationLogger): ImportReturnDeps {
  const o = app.ports.returns ?? {};
  return {
    get d365() {
      return (
        o.d365 ??
        new ODataReturnOrders(app.d365, async (id) => {
          const sent = await mcfRecords(app).get(id);
          return sent ? { company: sent.company, salesOrderNumber: sent.salesOrderNumber } : undefined;
        })
      );
    },
    get state() {
      return app.state;
    },
    get mappings() {
      return app.mappings;
    },
    // Read on each import: an admin's added reason code applies to the next replay without a restart.
    returnMappings: o.returnMappings ?? (() => loadReturnMappings(app.config.MAPPINGS_DIR)),
    get bus() {
      return app.bus;
    },
    queue: app.config.QUEUE_RETURN_IMPORT,
    clock: app.clock,
    log: app.telemetry(context, { flow: "returns" }),
    orderWaitMinutes: app.config.RETURNS_ORDER_WAIT_MINUTES,
  };
}

/** Everything the sync's activities need; the connectors are reached only when a step uses them. */
export function syncDeps(app: App, context?: InvocationLogger): SyncDeps {
  const o = app.ports.returns ?? {};
  return {
    get reports() {
      return o.reports ?? spApiReturnsReports(app.spapi);
    },
    get refunds() {
      return o.refunds ?? spApiRefunds(app.spapi);
    },
    get mcf() {
      return o.mcf ?? spApiMcfReturns(app.spapi);
    },
    get state() {
      return app.state;
    },
    get blobs() {
      return app.blobs;
    },
    get bus() {
      return app.bus;
    },
    queue: app.config.QUEUE_RETURN_IMPORT,
    clock: app.clock,
    log: app.telemetry(context, { flow: "returns" }),
    reviewAfterDays: app.config.RETURNS_REVIEW_AFTER_DAYS,
  };
}

/** How a sync reads Amazon (settings RETURNS_*, SPAPI_MARKETPLACE_IDS); a manual sync may name its marketplaces. */
export function syncOptions(app: App, request: { marketplaceIds?: string[] } = {}): SyncOptions {
  const c = app.config;
  const sources = c.RETURNS_SOURCES;
  return {
    marketplaceIds: request.marketplaceIds ?? c.SPAPI_MARKETPLACE_IDS,
    kinds: sources.filter((s): s is "fba" | "fbm" => s === "fba" || s === "fbm"),
    mcf: sources.includes("mcf"),
    initialLookbackDays: c.RETURNS_INITIAL_LOOKBACK_DAYS,
    overlapDays: c.RETURNS_OVERLAP_DAYS,
    refundLookbackDays: c.RETURNS_REFUND_LOOKBACK_DAYS,
    // SP-API reports take minutes: poll every minute (getReport allows 2/s), for up to two hours.
    pollMs: 60_000,
    maxPolls: 120,
  };
}
