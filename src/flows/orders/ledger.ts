/**
 * The order ledger in state: AmazonOrderId -> SalesOrderNumber, status, Amazon's last update, attempts,
 * last error. No buyer PII. One row per Amazon order; writes are ETag-guarded, and a short lease stops two
 * workers (a notification and the catch-up timer, say) from creating the same order at once. The lease
 * holder renews it while it works (an SP-API quota wait can last minutes), so it only runs out when the
 * holder is gone.
 *
 * Beside it, the HAND-OVERS (table `orderhandover`): one row per order that was handed over for import and
 * not yet applied — by the catch-up, the backfill, a notification, or an import that has begun. A row
 * holds the newest Amazon update handed over. It is what makes a hand-over durable without trusting the
 * bus: the catch-up records its orders here before it moves its watermark, a message that meets another
 * worker's lease records its update here (so the holder re-reads Amazon before it finishes), and the
 * sweeper (sweep.ts) re-enqueues what stays open with no one working on it. The row goes when the ledger
 * has applied its update. Kept apart from the ledger row on purpose: a hand-over written by another worker
 * must not break the lease holder's ETag.
 */
import { ConcurrencyError, MappingGapError, ThrottledError, describeError, isAppError } from "../../platform/errors";
import { isLostRace, withEtagRetry } from "../../platform/etag-retry";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";

export const ORDER_LEDGER_TABLE = "orderledger";
export const ORDER_HANDOVER_TABLE = "orderhandover";

export type LedgerStatus =
  | "new"
  | "waiting"
  | "header-created"
  | "complete"
  | "canceled"
  | "cancel-flagged"
  | "skipped"
  | "needs-mapping"
  | "failed"
  | "retrying";

/** Amazon's state is applied: nothing to do until Amazon changes the order again. */
export const SETTLED_STATUSES: ReadonlySet<LedgerStatus> = new Set(["complete", "canceled", "cancel-flagged", "skipped", "waiting"]);
/** A person has to act (a parked message says what); the sweeper leaves these alone. */
export const PARKED_STATUSES: ReadonlySet<LedgerStatus> = new Set(["needs-mapping", "failed"]);

export interface OrderLedgerEntry {
  amazonOrderId: string;
  status: LedgerStatus;
  marketplaceId?: string;
  dataAreaId?: string;
  salesOrderNumber?: string;
  amazonStatus?: string;
  /** Amazon's LastUpdateDate of the order state last applied (ISO). */
  amazonLastUpdate?: string;
  attempts: number;
  lastError?: string;
  lastErrorCode?: string;
  linesCreated?: number;
  updatedAt?: string;
  /** ISO time until which one worker holds the order. */
  leaseUntil?: string;
  /** Who holds the lease: the message id of the delivery (a redelivery of the same message may take over). */
  leaseHolder?: string;
}

/** An order handed over for import and not yet applied. */
export interface OrderHandOver {
  amazonOrderId: string;
  /** The newest Amazon update handed over (absent: a sync or replay that named none). */
  lastUpdate?: string;
  marketplaceId?: string;
  /** When it was last recorded (ISO). */
  recordedAt: string;
  /** Who handed it over last (catch-up, notification, backfill, import, ...). */
  source?: string;
}

export interface HandOverInput {
  amazonOrderId: string;
  lastUpdate?: string;
  marketplaceId?: string;
  source?: string;
}

interface LedgerRow extends StateEntity {
  json: string;
}

interface HandOverRow extends StateEntity {
  json: string;
}

export interface LedgerSession {
  readonly entry: OrderLedgerEntry;
  /** Saves progress and keeps the lease. */
  update(patch: Partial<OrderLedgerEntry>): Promise<void>;
  /** Saves the result and releases the lease; forgets the hand-over when the result applies it. */
  finish(patch: Partial<OrderLedgerEntry>): Promise<void>;
  /** Records the error (status by its kind) and releases the lease; `seen` is what was read of Amazon's order. */
  fail(err: unknown, seen?: Partial<OrderLedgerEntry>): Promise<void>;
  /**
   * Renews the lease every `everyMs` until the returned function is called (or the session ends), so that
   * a holder waiting for SP-API quota or a slow D365 keeps the order. A renewal that finds the row changed
   * by someone else stops renewing; the holder's next write then fails and its message is retried.
   */
  keepAlive(everyMs: number): () => void;
}

export interface OrderLedger {
  get(amazonOrderId: string): Promise<OrderLedgerEntry | undefined>;
  /**
   * Takes the lease and counts an attempt. Throws a retryable ThrottledError (`order.busy`, retryAfterMs
   * = the rest of the lease) while another worker holds it, after recording `handOver` so that the holder
   * re-reads Amazon before it finishes; the same holder (a redelivery of the message whose worker crashed)
   * takes it over at once. Records the hand-over also when it takes the lease, so that an import that dies
   * half-way is found by the sweeper.
   */
  begin(
    amazonOrderId: string,
    now: Date,
    leaseMs: number,
    holder?: string,
    handOver?: Omit<HandOverInput, "amazonOrderId">,
  ): Promise<LedgerSession>;
  /** Records durably that these orders (at these Amazon updates) were handed over for import; keeps the newest update. */
  handOver(orders: readonly HandOverInput[], now: Date): Promise<void>;
  /** The open hand-over of an order, if any. */
  handOverOf(amazonOrderId: string): Promise<OrderHandOver | undefined>;
  /** Every open hand-over with its ledger row (the sweeper's work list), at most `max`. */
  openHandOvers(max?: number): AsyncIterable<{ handOver: OrderHandOver; entry?: OrderLedgerEntry }>;
  /** Forgets a hand-over the ledger has applied; a newer one recorded meanwhile stays. Returns whether it went. */
  closeHandOver(amazonOrderId: string, applied: Pick<OrderLedgerEntry, "amazonLastUpdate" | "updatedAt"> | undefined): Promise<boolean>;
}

const key = (id: string) => ({ partitionKey: safeKey(id), rowKey: "ledger" });
const HANDOVER_PARTITION = "open";
const handOverKey = (id: string) => ({ partitionKey: HANDOVER_PARTITION, rowKey: safeKey(id) });

function time(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/** `a` is a later Amazon update than `b` (an unknown `b` counts as earlier; an unknown `a` as not later). */
export function isLaterUpdate(a: string | undefined, b: string | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  return time(a) > time(b);
}

/**
 * The hand-over is not yet applied by the ledger row: it names a later Amazon update than the one applied,
 * or (naming none) it was recorded after the row's last write.
 */
export function handOverIsNewer(h: OrderHandOver, e: Pick<OrderLedgerEntry, "amazonLastUpdate" | "updatedAt"> | undefined): boolean {
  if (!e) return true;
  if (h.lastUpdate && e.amazonLastUpdate) return isLaterUpdate(h.lastUpdate, e.amazonLastUpdate);
  return time(h.recordedAt) > time(e.updatedAt);
}

export class StateOrderLedger implements OrderLedger {
  constructor(
    private readonly state: StateStore,
    private readonly table = ORDER_LEDGER_TABLE,
    private readonly now: () => Date = () => new Date(),
    private readonly handOverTable = ORDER_HANDOVER_TABLE,
  ) {}

  async get(amazonOrderId: string): Promise<OrderLedgerEntry | undefined> {
    const k = key(amazonOrderId);
    const row = await this.state.get<LedgerRow>(this.table, k.partitionKey, k.rowKey);
    return row ? (JSON.parse(row.entity.json) as OrderLedgerEntry) : undefined;
  }

  async *list(): AsyncIterable<OrderLedgerEntry> {
    for await (const row of this.state.query<LedgerRow>(this.table)) yield JSON.parse(row.entity.json) as OrderLedgerEntry;
  }

  // ------------------------------------------------------------------------------------------ hand-overs

  async handOverOf(amazonOrderId: string): Promise<OrderHandOver | undefined> {
    const k = handOverKey(amazonOrderId);
    const row = await this.state.get<HandOverRow>(this.handOverTable, k.partitionKey, k.rowKey);
    return row ? (JSON.parse(row.entity.json) as OrderHandOver) : undefined;
  }

  async handOver(orders: readonly HandOverInput[], now: Date): Promise<void> {
    // One at a time per order (read, keep the newest, write with its ETag); a few in parallel.
    const queue = [...orders];
    const worker = async () => {
      for (let o = queue.shift(); o; o = queue.shift()) await this.recordHandOver(o, now);
    };
    await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  }

  private async recordHandOver(o: HandOverInput, now: Date): Promise<void> {
    const k = handOverKey(o.amazonOrderId);
    await withEtagRetry(async () => {
      const row = await this.state.get<HandOverRow>(this.handOverTable, k.partitionKey, k.rowKey);
      const current = row ? (JSON.parse(row.entity.json) as OrderHandOver) : undefined;
      // An older update than the one already handed over changes nothing (the newer one covers it).
      if (current && o.lastUpdate && current.lastUpdate && !isLaterUpdate(o.lastUpdate, current.lastUpdate)) return;
      const next: OrderHandOver = {
        amazonOrderId: o.amazonOrderId,
        ...((o.lastUpdate ?? current?.lastUpdate) ? { lastUpdate: o.lastUpdate ?? current?.lastUpdate } : {}),
        ...((o.marketplaceId ?? current?.marketplaceId) ? { marketplaceId: o.marketplaceId ?? current?.marketplaceId } : {}),
        recordedAt: now.toISOString(),
        ...(o.source ? { source: o.source } : {}),
      };
      const entity = { ...k, json: JSON.stringify(next) } as HandOverRow;
      if (row) await this.state.replace(this.handOverTable, entity, row.etag);
      else await this.state.insert(this.handOverTable, entity);
    });
  }

  async closeHandOver(
    amazonOrderId: string,
    applied: Pick<OrderLedgerEntry, "amazonLastUpdate" | "updatedAt"> | undefined,
  ): Promise<boolean> {
    const k = handOverKey(amazonOrderId);
    return withEtagRetry(async () => {
      const row = await this.state.get<HandOverRow>(this.handOverTable, k.partitionKey, k.rowKey);
      if (!row) return true;
      const h = JSON.parse(row.entity.json) as OrderHandOver;
      if (handOverIsNewer(h, applied)) return false;
      await this.state.delete(this.handOverTable, k.partitionKey, k.rowKey, row.etag);
      return true;
    });
  }

  async *openHandOvers(max = Number.POSITIVE_INFINITY): AsyncIterable<{ handOver: OrderHandOver; entry?: OrderLedgerEntry }> {
    let n = 0;
    for await (const row of this.state.query<HandOverRow>(this.handOverTable, { partitionKey: HANDOVER_PARTITION })) {
      if (n++ >= max) return;
      const handOver = JSON.parse(row.entity.json) as OrderHandOver;
      yield { handOver, entry: await this.get(handOver.amazonOrderId) };
    }
  }

  // ------------------------------------------------------------------------------------------ lease

  async begin(
    amazonOrderId: string,
    now: Date,
    leaseMs: number,
    holder?: string,
    handOver?: Omit<HandOverInput, "amazonOrderId">,
  ): Promise<LedgerSession> {
    const k = key(amazonOrderId);
    const row = await this.state.get<LedgerRow>(this.table, k.partitionKey, k.rowKey);
    const current: OrderLedgerEntry = row
      ? (JSON.parse(row.entity.json) as OrderLedgerEntry)
      : { amazonOrderId, status: "new", attempts: 0 };
    const sameHolder = holder !== undefined && current.leaseHolder === holder;
    if (current.leaseUntil && Date.parse(current.leaseUntil) > now.getTime() && !sameHolder) {
      const waitMs = Date.parse(current.leaseUntil) - now.getTime();
      // The holder re-reads Amazon before it finishes when this update is later than what it applies.
      if (handOver) await this.recordHandOver({ amazonOrderId, ...handOver }, now);
      throw new ThrottledError(
        "order.busy",
        `Order ${amazonOrderId} is being imported by another worker; retry in ${Math.ceil(waitMs / 1000)} s.`,
        waitMs,
      );
    }
    let entry: OrderLedgerEntry = {
      ...current,
      attempts: current.attempts + 1,
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      updatedAt: now.toISOString(),
    };
    if (holder !== undefined) entry.leaseHolder = holder;
    else delete entry.leaseHolder;
    const entity = (e: OrderLedgerEntry): LedgerRow =>
      ({ ...k, json: JSON.stringify(e), status: e.status, salesOrderNumber: e.salesOrderNumber ?? null }) as LedgerRow;
    let etag: string;
    try {
      etag = row ? await this.state.replace(this.table, entity(entry), row.etag) : await this.state.insert(this.table, entity(entry));
    } catch (err) {
      // Lost the race for the lease to another worker: let the message come back later.
      if (err instanceof ConcurrencyError || (isAppError(err) && err.kind === "conflict")) {
        if (handOver) await this.recordHandOver({ amazonOrderId, ...handOver }, now);
        throw new ThrottledError("order.busy", `Order ${amazonOrderId} is being imported by another worker.`, 1000, { cause: err });
      }
      throw err;
    }
    // An import under way is an open hand-over until it finishes: the sweeper finds it if this worker dies.
    const open = await this.handOverOf(amazonOrderId);
    if (!open || (handOver?.lastUpdate && isLaterUpdate(handOver.lastUpdate, open.lastUpdate)))
      await this.recordHandOver({ amazonOrderId, source: "import", ...handOver }, now);

    // Writes of one session go one after the other (the keep-alive and the holder's own writes share the ETag).
    let chain: Promise<unknown> = Promise.resolve();
    let ended = false;
    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = chain.then(fn, fn);
      chain = next.catch(() => undefined);
      return next;
    };
    const write = (patch: Partial<OrderLedgerEntry>, release: boolean) =>
      serial(async () => {
        const next: OrderLedgerEntry = { ...entry, ...patch, updatedAt: this.now().toISOString() };
        if (release) {
          delete next.leaseUntil;
          delete next.leaseHolder;
        }
        etag = await this.state.replace(this.table, entity(next), etag);
        entry = next;
      });
    const renew = () =>
      serial(async () => {
        if (ended) return;
        const next: OrderLedgerEntry = { ...entry, leaseUntil: new Date(this.now().getTime() + leaseMs).toISOString() };
        etag = await this.state.replace(this.table, entity(next), etag);
        entry = next;
      });
    const timers = new Set<NodeJS.Timeout>();
    const stopAll = () => {
      ended = true;
      for (const t of timers) clearInterval(t);
      timers.clear();
    };
    const settle = async () => {
      if (!SETTLED_STATUSES.has(entry.status)) return;
      await this.closeHandOver(amazonOrderId, entry).catch(() => undefined);
    };
    return {
      get entry() {
        return entry;
      },
      update: (patch) => write(patch, false),
      finish: async (patch) => {
        stopAll();
        await write({ lastError: undefined, lastErrorCode: undefined, ...patch }, true);
        await settle();
      },
      fail: async (err, seen) => {
        stopAll();
        const retryable = !isAppError(err) || err.retryable;
        // A passing outage does not erase what is known (header-created, complete, canceled...).
        const status: LedgerStatus =
          err instanceof MappingGapError
            ? "needs-mapping"
            : !retryable
              ? "failed"
              : entry.status === "new" || entry.status === "needs-mapping" || entry.status === "failed"
                ? "retrying"
                : entry.status;
        await write(
          {
            ...(seen ?? {}),
            status,
            lastError: describeError(err).slice(0, 1000),
            lastErrorCode: isAppError(err) ? err.code : undefined,
          },
          true,
        );
      },
      keepAlive: (everyMs) => {
        if (ended) return () => undefined;
        const timer = setInterval(() => {
          renew().catch((err: unknown) => {
            // Someone else changed the row (the lease had run out and another worker took it): stop renewing.
            if (isLostRace(err)) {
              clearInterval(timer);
              timers.delete(timer);
            }
          });
        }, everyMs);
        timer.unref?.();
        timers.add(timer);
        return () => {
          clearInterval(timer);
          timers.delete(timer);
        };
      },
    };
  }
}
