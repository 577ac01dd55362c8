/**
 * Use case: the order catch-up. Notifications can be lost, so a timer asks Amazon for every order changed
 * since the last run (getOrders by LastUpdatedAfter, per marketplace) and enqueues an import message for
 * each one the ledger has not applied yet. It only enqueues: when D365 is down the messages wait on the
 * queue instead of the timer hammering D365.
 *
 * Window per marketplace: [watermark - overlap, now - 2 min). Amazon rejects a LastUpdatedBefore less than
 * two minutes before the request (reference/notes/peers-and-style.md §3, [I4d]), and orders are indexed a
 * little late, hence the overlap. The watermark moves to the window's end only when the whole marketplace
 * was read; a failed run is retried from the same place next time.
 */
import type { Clock } from "../../platform/clock";
import { describeError } from "../../platform/errors";
import type { MessageBus, OutgoingMessage, StateStore } from "../../platform/ports";
import { getWatermark, setWatermark, startRun } from "../../platform/run-records";
import type { Telemetry } from "../../platform/telemetry";
import type { OrderLedger } from "./ledger";
import { toOrderImportMessage } from "./messages";
import type { AmazonOrders } from "./ports";

export const CATCHUP_FLOW = "orders-catchup";
/** Amazon: LastUpdatedBefore must be at least 2 minutes before the request; a few seconds more for clock skew. */
export const AMAZON_CUTOFF_MS = 2 * 60_000 + 10_000;

export interface CatchUpDeps {
  amazon: Pick<AmazonOrders, "listUpdatedOrders">;
  ledger: Pick<OrderLedger, "get">;
  bus: MessageBus;
  queue: string;
  state: StateStore;
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
}

const SEND_CHUNK = 100;
const DONE = new Set(["complete", "canceled", "cancel-flagged", "skipped"]);

export async function catchUpOrders(opts: CatchUpOptions, deps: CatchUpDeps): Promise<CatchUpResult[]> {
  const results: CatchUpResult[] = [];
  for (const marketplaceId of opts.marketplaceIds) {
    results.push(await catchUpMarketplace(marketplaceId, opts, deps));
  }
  return results;
}

async function catchUpMarketplace(marketplaceId: string, opts: CatchUpOptions, deps: CatchUpDeps): Promise<CatchUpResult> {
  const now = deps.clock.now();
  const to = new Date(now.getTime() - AMAZON_CUTOFF_MS);
  let from: Date;
  if (opts.since) from = opts.since;
  else {
    const watermark = await getWatermark(deps.state, CATCHUP_FLOW, marketplaceId);
    from = watermark ? new Date(watermark.getTime() - opts.overlapMinutes * 60_000) : new Date(now.getTime() - opts.initialLookbackDays * 86_400_000);
  }
  const result: CatchUpResult = { marketplaceId, from: from.toISOString(), to: to.toISOString(), seen: 0, enqueued: 0, skipped: 0, ok: true };
  if (from.getTime() >= to.getTime()) return result;

  const run = await startRun(deps.state, { flow: opts.since ? "orders-sync" : CATCHUP_FLOW, scope: marketplaceId }, deps.clock);
  const pending: OutgoingMessage[] = [];
  const flush = async () => {
    if (pending.length) await deps.bus.send(deps.queue, pending.splice(0, pending.length));
  };
  try {
    for await (const o of deps.amazon.listUpdatedOrders({ marketplaceId, lastUpdatedAfter: from, lastUpdatedBefore: to })) {
      result.seen++;
      const known = await deps.ledger.get(o.AmazonOrderId);
      if (known && DONE.has(known.status) && known.amazonLastUpdate && Date.parse(o.LastUpdateDate) <= Date.parse(known.amazonLastUpdate)) {
        result.skipped++;
        continue;
      }
      pending.push(toOrderImportMessage({ amazonOrderId: o.AmazonOrderId, lastUpdate: o.LastUpdateDate, marketplaceId, source: opts.source ?? (opts.since ? "sync" : "catch-up") }, o.LastUpdateDate));
      result.enqueued++;
      if (pending.length >= SEND_CHUNK) await flush();
    }
    await flush();
    if (!opts.since) await setWatermark(deps.state, CATCHUP_FLOW, marketplaceId, to, deps.clock);
    await run.finish({ outcome: "succeeded", counts: { seen: result.seen, enqueued: result.enqueued, skipped: result.skipped } });
  } catch (err) {
    await flush().catch(() => undefined);
    result.ok = false;
    result.error = describeError(err);
    await run.finish({ outcome: result.enqueued ? "partial" : "failed", counts: { seen: result.seen, enqueued: result.enqueued, skipped: result.skipped }, error: err });
    deps.telemetry.log("warn", "orders.catchUp.failed", { marketplaceId, error: result.error });
  }
  deps.telemetry.metric("orders.catchUp.enqueued", result.enqueued, { marketplaceId });
  return result;
}
