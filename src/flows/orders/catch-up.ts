/**
 * Use case: the order catch-up. Notifications can be lost, so a timer asks Amazon for every order changed
 * since the last run (getOrders by LastUpdatedAfter, per marketplace) and enqueues an import message for
 * each one the ledger has not applied yet. It only enqueues: when D365 is down the messages wait on the
 * queue instead of the timer hammering D365.
 *
 * Window per marketplace: [watermark - overlap, now - 2 min). Amazon rejects a LastUpdatedBefore less than
 * two minutes before the request (the getOrders model: "at least two minutes before current time"), and orders are indexed a
 * little late, hence the overlap. The watermark moves to the window's end only when the whole marketplace
 * was read; a failed run is retried from the same place next time.
 *
 * With SPAPI_ORDERS_API=2026-01-01 the orders are listed with Orders 2026-01-01 searchOrders instead, in ONE
 * call sequence for all marketplaces (up to 50 per call, Amazon's limit). Why not one per marketplace:
 * searchOrders allows 0.0056 calls/s, one call per 180 s (burst 20), against getOrders' 0.0167/s. The timer
 * runs every 5 minutes (300 s), so one first page per run stays under the rate and leaves the burst for
 * further pages and manual syncs; three marketplaces at one call each would spend 3 calls per 300 s, drain
 * the burst in about 75 minutes and then be throttled on every run. The one sequence reads from the earliest
 * window start of all marketplaces (watermark - overlap) to the same 2-minute cutoff; rows of a marketplace
 * from before its own window start are dropped (its earlier run read them), so every marketplace sees the
 * window it would see with v0, and each watermark moves as with v0 (all of them stay put if the sequence
 * fails). Any re-read that slips through is harmless: the message id is AmazonOrderId@LastUpdate#catch-up (Service
 * Bus duplicate detection) and the ledger skips an update it has applied, here and in the import.
 *
 * Hand-over (hand-over.ts): each order to import is first recorded in the ledger's hand-overs, then enqueued
 * with what its listing row says (`known`), so the import reads only the items (v0) or nothing (2026-01-01
 * rows carry the items); a run that finds ORDERS_BULK_MIN_ORDERS or more sends them as bulk imports. The
 * watermark moves only after that, so an order is never behind the watermark without being recorded: if
 * its message is lost, the sweeper (sweep.ts), which runs before every catch-up, enqueues it again.
 */
import type { Clock } from "../../platform/clock";
import { describeError } from "../../platform/errors";
import type { BlobStore, MessageBus, StateStore } from "../../platform/ports";
import { getWatermark, setWatermark, startRun, type RunHandle } from "../../platform/run-records";
import type { Telemetry } from "../../platform/telemetry";
import type { AmazonOrderSummary } from "./amazon-order";
import { type BulkOptions, type HandOverCounts, OrderHandOverBatch } from "./hand-over";
import { SETTLED_STATUSES, isLaterUpdate, type OrderLedger } from "./ledger";
import { knownForMessage, type OrderImportMessage } from "./messages";
import type { AmazonOrders } from "./ports";
import { type SweepOptions, type SweepResult, sweepOrders } from "./sweep";

export const CATCHUP_FLOW = "orders-catchup";
/** Amazon: LastUpdatedBefore must be at least 2 minutes before the request; a few seconds more for clock skew. */
export const AMAZON_CUTOFF_MS = 2 * 60_000 + 10_000;

export interface CatchUpDeps {
  amazon: Pick<AmazonOrders, "listUpdatedOrders" | "searchUpdatedOrders">;
  ledger: Pick<OrderLedger, "get" | "handOver"> & Partial<Pick<OrderLedger, "openHandOvers" | "closeHandOver">>;
  bus: MessageBus;
  queue: string;
  state: StateStore;
  /** Where bulk groups are stored (hand-over.ts); without it every order goes as a single message. */
  blobs?: BlobStore;
  clock: Clock;
  telemetry: Telemetry;
}

export interface CatchUpOptions {
  marketplaceIds: string[];
  overlapMinutes: number;
  initialLookbackDays: number;
  /** Manual sync: read from here instead of the watermark, and leave the watermark alone. */
  since?: Date;
  source?: "catch-up" | "sync" | "backfill";
  /**
   * Setting SPAPI_ORDERS_API: "v0" (default) lists with getOrders, one marketplace after the other;
   * "2026-01-01" lists with searchOrders, all marketplaces in one call sequence.
   */
  ordersApi?: "v0" | "2026-01-01";
  /** Hand a run's orders over in bulk once it finds this many (settings ORDERS_BULK_MIN_ORDERS, ORDERS_BULK_GROUP_SIZE). */
  bulk?: BulkOptions;
  /** Run the sweeper first (sweep.ts); the wiring gives it on every catch-up. */
  sweep?: SweepOptions;
  /** Tag of a manual sync's message ids (so that a sync is never dropped as a duplicate of an earlier copy). */
  syncTag?: string;
}

export interface CatchUpResult {
  marketplaceId: string;
  from: string;
  to: string;
  seen: number;
  enqueued: number;
  skipped: number;
  ok: boolean;
  error?: string;
  /** How the orders were handed over (single messages or bulk groups). */
  handedOver?: HandOverCounts;
}

/** searchOrders takes at most 50 marketplace ids per call. */
export const SEARCH_ORDERS_MAX_MARKETPLACES = 50;

export async function catchUpOrders(opts: CatchUpOptions, deps: CatchUpDeps): Promise<CatchUpResult[]> {
  if (opts.sweep) await runSweep(opts.sweep, deps);
  if (opts.ordersApi === "2026-01-01") return catchUpAllMarketplaces(opts, deps);
  // One hand-over for the whole run, so that bulk groups fill across marketplaces (D365 groups them by legal entity).
  const batch = batchFor(opts, deps);
  const results: CatchUpResult[] = [];
  const listed: { result: CatchUpResult; run: RunHandle }[] = [];
  for (const marketplaceId of opts.marketplaceIds) {
    const { result, run } = await listMarketplace(marketplaceId, opts, deps, batch);
    results.push(result);
    if (run) listed.push({ result, run });
  }
  // The run's orders are handed over (recorded, then sent); only then do the watermarks move past them.
  let sendError: unknown;
  let counts: HandOverCounts | undefined;
  try {
    counts = await batch.finish();
  } catch (err) {
    sendError = err;
  }
  for (const { result, run } of listed) {
    result.handedOver = counts ?? batch.counts;
    const countsOf = { seen: result.seen, enqueued: result.enqueued, skipped: result.skipped };
    try {
      if (sendError) throw sendError;
      if (!opts.since) await setWatermark(deps.state, CATCHUP_FLOW, result.marketplaceId, new Date(result.to), deps.clock);
      await run.finish({ outcome: "succeeded", counts: countsOf });
    } catch (err) {
      result.ok = false;
      result.error = describeError(err);
      await run.finish({ outcome: result.enqueued ? "partial" : "failed", counts: countsOf, error: err }).catch(() => undefined);
      deps.telemetry.log("warn", "orders.catchUp.failed", { marketplaceId: result.marketplaceId, error: result.error });
    }
  }
  for (const r of results) deps.telemetry.metric("orders.catchUp.enqueued", r.enqueued, { marketplaceId: r.marketplaceId });
  return results;
}

/** Start of a marketplace's window: `since` (manual sync), else its watermark minus the overlap, else the initial lookback. */
async function windowStart(marketplaceId: string, opts: CatchUpOptions, deps: CatchUpDeps, now: Date): Promise<Date> {
  if (opts.since) return opts.since;
  const watermark = await getWatermark(deps.state, CATCHUP_FLOW, marketplaceId);
  return watermark
    ? new Date(watermark.getTime() - opts.overlapMinutes * 60_000)
    : new Date(now.getTime() - opts.initialLookbackDays * 86_400_000);
}

/** The sweeper before the catch-up; its failure does not stop the catch-up (it is logged). */
async function runSweep(opts: SweepOptions, deps: CatchUpDeps): Promise<SweepResult | undefined> {
  const { openHandOvers, closeHandOver } = deps.ledger;
  if (!openHandOvers || !closeHandOver) return undefined;
  try {
    return await sweepOrders(opts, {
      ledger: { openHandOvers: openHandOvers.bind(deps.ledger), closeHandOver: closeHandOver.bind(deps.ledger) },
      bus: deps.bus,
      queue: deps.queue,
      clock: deps.clock,
      telemetry: deps.telemetry,
    });
  } catch (err) {
    deps.telemetry.log("warn", "orders.sweep.failed", { error: describeError(err) });
    return undefined;
  }
}

/** The ledger has applied this update (or a later one) of the order: nothing to enqueue. */
async function alreadyApplied(o: AmazonOrderSummary, deps: CatchUpDeps): Promise<boolean> {
  const known = await deps.ledger.get(o.amazonOrderId);
  return !!(known && SETTLED_STATUSES.has(known.status) && known.amazonLastUpdate && !isLaterUpdate(o.lastUpdate, known.amazonLastUpdate));
}

/** The import message of a listed order, with what the row says about it. */
function messageFor(o: AmazonOrderSummary, marketplaceId: string | undefined, source: OrderImportMessage["source"]): OrderImportMessage {
  return {
    amazonOrderId: o.amazonOrderId,
    lastUpdate: o.lastUpdate,
    ...(marketplaceId ? { marketplaceId } : {}),
    source,
    ...(o.known ? { known: knownForMessage(o.known) } : {}),
  };
}

function batchFor(opts: CatchUpOptions, deps: CatchUpDeps): OrderHandOverBatch {
  const source = opts.source ?? (opts.since ? "sync" : "catch-up");
  return new OrderHandOverBatch(
    { ledger: deps.ledger, bus: deps.bus, queue: deps.queue, blobs: deps.blobs, clock: deps.clock, telemetry: deps.telemetry },
    { source, ...(opts.bulk ? { bulk: opts.bulk } : {}), ...(source === "sync" && opts.syncTag ? { tag: opts.syncTag } : {}) },
  );
}

/** Reads one marketplace's changed orders into the run's hand-over; `run` only when the whole window was read. */
async function listMarketplace(
  marketplaceId: string,
  opts: CatchUpOptions,
  deps: CatchUpDeps,
  batch: OrderHandOverBatch,
): Promise<{ result: CatchUpResult; run?: RunHandle }> {
  const now = deps.clock.now();
  const to = new Date(now.getTime() - AMAZON_CUTOFF_MS);
  const from = await windowStart(marketplaceId, opts, deps, now);
  const result: CatchUpResult = {
    marketplaceId,
    from: from.toISOString(),
    to: to.toISOString(),
    seen: 0,
    enqueued: 0,
    skipped: 0,
    ok: true,
  };
  if (from.getTime() >= to.getTime()) return { result };

  const run = await startRun(deps.state, { flow: opts.since ? "orders-sync" : CATCHUP_FLOW, scope: marketplaceId }, deps.clock);
  const source = opts.source ?? (opts.since ? "sync" : "catch-up");
  try {
    for await (const o of deps.amazon.listUpdatedOrders({ marketplaceId, lastUpdatedAfter: from, lastUpdatedBefore: to })) {
      result.seen++;
      if (await alreadyApplied(o, deps)) {
        result.skipped++;
        continue;
      }
      await batch.add(messageFor(o, marketplaceId, source));
      result.enqueued++;
    }
    return { result, run };
  } catch (err) {
    // What was read is still handed over with the run; this marketplace's watermark stays, so it is read again.
    result.ok = false;
    result.error = describeError(err);
    await run.finish({
      outcome: result.enqueued ? "partial" : "failed",
      counts: { seen: result.seen, enqueued: result.enqueued, skipped: result.skipped },
      error: err,
    });
    deps.telemetry.log("warn", "orders.catchUp.failed", { marketplaceId, error: result.error });
    return { result };
  }
}

/**
 * Orders 2026-01-01: one searchOrders call sequence for all marketplaces (per 50), see the header comment.
 * Results, run records and watermarks stay per marketplace, exactly as with v0.
 */
async function catchUpAllMarketplaces(opts: CatchUpOptions, deps: CatchUpDeps): Promise<CatchUpResult[]> {
  const now = deps.clock.now();
  const to = new Date(now.getTime() - AMAZON_CUTOFF_MS);
  const results = new Map<string, CatchUpResult>();
  const windows: { marketplaceId: string; from: Date }[] = [];
  for (const marketplaceId of opts.marketplaceIds) {
    if (results.has(marketplaceId)) continue;
    const from = await windowStart(marketplaceId, opts, deps, now);
    results.set(marketplaceId, {
      marketplaceId,
      from: from.toISOString(),
      to: to.toISOString(),
      seen: 0,
      enqueued: 0,
      skipped: 0,
      ok: true,
    });
    if (from.getTime() < to.getTime()) windows.push({ marketplaceId, from });
  }
  for (let i = 0; i < windows.length; i += SEARCH_ORDERS_MAX_MARKETPLACES) {
    await catchUpTogether(windows.slice(i, i + SEARCH_ORDERS_MAX_MARKETPLACES), to, results, opts, deps);
  }
  return [...results.values()];
}

async function catchUpTogether(
  windows: { marketplaceId: string; from: Date }[],
  to: Date,
  results: Map<string, CatchUpResult>,
  opts: CatchUpOptions,
  deps: CatchUpDeps,
): Promise<void> {
  const flow = opts.since ? "orders-sync" : CATCHUP_FLOW;
  const runs = new Map<string, RunHandle>();
  for (const w of windows) runs.set(w.marketplaceId, await startRun(deps.state, { flow, scope: w.marketplaceId }, deps.clock));
  const starts = new Map(windows.map((w) => [w.marketplaceId, w.from.getTime()]));
  const lastUpdatedAfter = new Date(Math.min(...starts.values()));
  const source = opts.source ?? (opts.since ? "sync" : "catch-up");
  const batch = batchFor(opts, deps);
  const countsOf = (r: CatchUpResult) => ({ seen: r.seen, enqueued: r.enqueued, skipped: r.skipped });
  let unattributed = 0;
  let listed = false;
  try {
    for await (const o of deps.amazon.searchUpdatedOrders({
      marketplaceIds: windows.map((w) => w.marketplaceId),
      lastUpdatedAfter,
      lastUpdatedBefore: to,
    })) {
      const marketplaceId = o.marketplaceId;
      const start = marketplaceId === undefined ? undefined : starts.get(marketplaceId);
      // A marketplace that was not asked for (Amazon should not send one), or an update from before this
      // marketplace's own window start: that marketplace's earlier run has read it.
      if (marketplaceId !== undefined && (start === undefined || Date.parse(o.lastUpdate) < start)) continue;
      const result = marketplaceId === undefined ? undefined : results.get(marketplaceId);
      if (result) result.seen++;
      if (await alreadyApplied(o, deps)) {
        if (result) result.skipped++;
        continue;
      }
      // An order without a marketplace (2026 makes salesChannel.marketplaceId optional) is enqueued all the
      // same; the import reads its marketplace from the order.
      await batch.add(messageFor(o, marketplaceId, source));
      if (result) result.enqueued++;
      else unattributed++;
    }
    const counts = await batch.finish();
    for (const w of windows) results.get(w.marketplaceId)!.handedOver = counts;
    listed = true;
  } catch (err) {
    await batch.finish().catch(() => undefined);
    const error = describeError(err);
    for (const w of windows) {
      const result = results.get(w.marketplaceId)!;
      result.ok = false;
      result.error = error;
      await runs.get(w.marketplaceId)!.finish({ outcome: result.enqueued ? "partial" : "failed", counts: countsOf(result), error: err });
    }
    deps.telemetry.log("warn", "orders.catchUp.failed", { marketplaceIds: windows.map((w) => w.marketplaceId), error });
  }
  // Every marketplace was read to `to`: each watermark moves there (unless a manual sync), one by one.
  for (const w of listed ? windows : []) {
    const result = results.get(w.marketplaceId)!;
    try {
      if (!opts.since) await setWatermark(deps.state, CATCHUP_FLOW, w.marketplaceId, to, deps.clock);
      await runs.get(w.marketplaceId)!.finish({ outcome: "succeeded", counts: countsOf(result) });
    } catch (err) {
      result.ok = false;
      result.error = describeError(err);
      await runs
        .get(w.marketplaceId)!
        .finish({ outcome: "partial", counts: countsOf(result), error: err })
        .catch(() => undefined);
      deps.telemetry.log("warn", "orders.catchUp.failed", { marketplaceId: w.marketplaceId, error: result.error });
    }
  }
  if (unattributed) deps.telemetry.log("info", "orders.catchUp.noMarketplace", { enqueued: unattributed });
  for (const w of windows)
    deps.telemetry.metric("orders.catchUp.enqueued", results.get(w.marketplaceId)!.enqueued, { marketplaceId: w.marketplaceId });
}
