/**
 * Use case: the sweeper. Nothing handed over for import may be lost without a person noticing, whatever
 * happened to its message (a crash of the local host before its bus kept messages, a dead-letter purged in
 * Azure, a message dropped as a duplicate). The ledger's hand-overs (ledger.ts) are the work list: every
 * order handed over for import and not yet applied. For each one whose lease is free (nobody works on it):
 * - applied meanwhile (the ledger holds that update, or a later one, in a settled or parked state): the
 *   hand-over is closed;
 * - still to do (no ledger row, an import left `new`, `header-created` or `retrying`, or a later Amazon update
 *   than the one applied), and untouched for `staleAfterMs`: it is enqueued again, under a message id no
 *   notification or catch-up uses (`<AmazonOrderId>#sweep@<the row's last write>`: a sweep of the same
 *   unchanged row is a duplicate, a sweep after a new attempt is not). A D365 order with a header and no
 *   lines is completed that way: its import resumes at the lines.
 * Orders parked for a person (needs-mapping, failed) stay parked: the review item says what to fix.
 *
 * When it runs: before every catch-up (timer or manual sync), and at start, when the work of a previous
 * process is known to have stopped (the wiring passes `staleAfterMs: 0` then: an expired lease is enough).
 * `staleAfterMs` (ORDERS_SWEEP_AFTER_MINUTES) must be longer than a message may wait on the queue before its
 * next attempt, or the sweeper only adds a duplicate attempt (harmless: the import skips or waits).
 */
import type { Clock } from "../../platform/clock";
import type { MessageBus, OutgoingMessage } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { PARKED_STATUSES, SETTLED_STATUSES, handOverIsNewer, type OrderLedger, type OrderLedgerEntry } from "./ledger";
import type { OrderImportMessage } from "./messages";

export interface SweepOptions {
  /** Re-enqueue only what nobody touched for this long (ms); 0: an expired lease is enough. */
  staleAfterMs: number;
  /** At most this many hand-overs per run (default 5,000). */
  max?: number;
}

export interface SweepDeps {
  ledger: Pick<OrderLedger, "openHandOvers" | "closeHandOver">;
  bus: MessageBus;
  queue: string;
  clock: Clock;
  telemetry: Telemetry;
}

export interface SweepResult {
  open: number;
  reEnqueued: number;
  closed: number;
  busy: number;
  parked: number;
}

const UNFINISHED = new Set(["new", "header-created", "retrying"]);

function lastTouched(entry: OrderLedgerEntry | undefined, recordedAt: string): number {
  const times = [Date.parse(recordedAt), entry?.updatedAt ? Date.parse(entry.updatedAt) : Number.NaN].filter(Number.isFinite);
  return times.length ? Math.max(...times) : 0;
}

export async function sweepOrders(opts: SweepOptions, deps: SweepDeps): Promise<SweepResult> {
  const now = deps.clock.now().getTime();
  const result: SweepResult = { open: 0, reEnqueued: 0, closed: 0, busy: 0, parked: 0 };
  const out: OutgoingMessage[] = [];
  for await (const { handOver: h, entry: e } of deps.ledger.openHandOvers(opts.max ?? 5000)) {
    result.open++;
    if (e?.leaseUntil && Date.parse(e.leaseUntil) > now) {
      result.busy++;
      continue;
    }
    const newer = handOverIsNewer(h, e);
    if (e && !newer && (SETTLED_STATUSES.has(e.status) || PARKED_STATUSES.has(e.status))) {
      if (PARKED_STATUSES.has(e.status)) result.parked++;
      if (await deps.ledger.closeHandOver(h.amazonOrderId, e)) result.closed++;
      continue;
    }
    if (!(newer || !e || UNFINISHED.has(e.status))) continue;
    if (now - lastTouched(e, h.recordedAt) < opts.staleAfterMs) continue;
    const body: OrderImportMessage = {
      amazonOrderId: h.amazonOrderId,
      ...(h.lastUpdate ? { lastUpdate: h.lastUpdate } : {}),
      ...((h.marketplaceId ?? e?.marketplaceId) ? { marketplaceId: h.marketplaceId ?? e?.marketplaceId } : {}),
      source: "sweep",
    };
    out.push({
      messageId: `${h.amazonOrderId}#sweep@${e?.updatedAt ?? h.recordedAt}`.slice(0, 128),
      body,
      subject: "order-import",
      applicationProperties: { amazonOrderId: h.amazonOrderId, source: "sweep" },
    });
    result.reEnqueued++;
  }
  for (let i = 0; i < out.length; i += 100) await deps.bus.send(deps.queue, out.slice(i, i + 100));
  if (result.reEnqueued) {
    deps.telemetry.log("warn", "orders.sweep.reEnqueued", {
      reEnqueued: result.reEnqueued,
      amazonOrderIds: out.slice(0, 20).map((m) => (m.body as OrderImportMessage).amazonOrderId),
    });
  }
  deps.telemetry.metric("orders.sweep.reEnqueued", result.reEnqueued);
  return result;
}
