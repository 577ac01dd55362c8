/**
 * The order ledger in state: AmazonOrderId -> SalesOrderNumber, status, Amazon's last update, attempts,
 * last error. No buyer PII. One row per Amazon order; writes are ETag-guarded, and a short lease stops two
 * workers (a notification and the catch-up timer, say) from creating the same order at once.
 */
import { ConcurrencyError, MappingGapError, ThrottledError, describeError, isAppError } from "../../platform/errors";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";

export const ORDER_LEDGER_TABLE = "orderledger";

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

interface LedgerRow extends StateEntity {
  json: string;
}

export interface LedgerSession {
  readonly entry: OrderLedgerEntry;
  /** Saves progress and keeps the lease. */
  update(patch: Partial<OrderLedgerEntry>): Promise<void>;
  /** Saves the result and releases the lease. */
  finish(patch: Partial<OrderLedgerEntry>): Promise<void>;
  /** Records the error (status by its kind) and releases the lease. */
  fail(err: unknown): Promise<void>;
}

export interface OrderLedger {
  get(amazonOrderId: string): Promise<OrderLedgerEntry | undefined>;
  /**
   * Takes the lease and counts an attempt. Throws a retryable ThrottledError while another worker holds
   * it; the same holder (a redelivery of the message whose worker crashed) takes it over at once.
   */
  begin(amazonOrderId: string, now: Date, leaseMs: number, holder?: string): Promise<LedgerSession>;
}

const key = (id: string) => ({ partitionKey: safeKey(id), rowKey: "ledger" });

export class StateOrderLedger implements OrderLedger {
  constructor(
    private readonly state: StateStore,
    private readonly table = ORDER_LEDGER_TABLE,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(amazonOrderId: string): Promise<OrderLedgerEntry | undefined> {
    const k = key(amazonOrderId);
    const row = await this.state.get<LedgerRow>(this.table, k.partitionKey, k.rowKey);
    return row ? (JSON.parse(row.entity.json) as OrderLedgerEntry) : undefined;
  }

  async *list(): AsyncIterable<OrderLedgerEntry> {
    for await (const row of this.state.query<LedgerRow>(this.table)) yield JSON.parse(row.entity.json) as OrderLedgerEntry;
  }

  async begin(amazonOrderId: string, now: Date, leaseMs: number, holder?: string): Promise<LedgerSession> {
    const k = key(amazonOrderId);
    const row = await this.state.get<LedgerRow>(this.table, k.partitionKey, k.rowKey);
    const current: OrderLedgerEntry = row
      ? (JSON.parse(row.entity.json) as OrderLedgerEntry)
      : { amazonOrderId, status: "new", attempts: 0 };
    const sameHolder = holder !== undefined && current.leaseHolder === holder;
    if (current.leaseUntil && Date.parse(current.leaseUntil) > now.getTime() && !sameHolder) {
      const waitMs = Date.parse(current.leaseUntil) - now.getTime();
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
        throw new ThrottledError("order.busy", `Order ${amazonOrderId} is being imported by another worker.`, 1000, { cause: err });
      }
      throw err;
    }
    const write = async (patch: Partial<OrderLedgerEntry>, release: boolean) => {
      entry = { ...entry, ...patch, updatedAt: this.now().toISOString() };
      if (release) {
        delete entry.leaseUntil;
        delete entry.leaseHolder;
      }
      etag = await this.state.replace(this.table, entity(entry), etag);
    };
    return {
      get entry() {
        return entry;
      },
      update: (patch) => write(patch, false),
      finish: (patch) => write({ ...patch, lastError: undefined, lastErrorCode: undefined }, true),
      fail: async (err) => {
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
            status,
            lastError: describeError(err).slice(0, 1000),
            lastErrorCode: isAppError(err) ? err.code : undefined,
          },
          true,
        );
      },
    };
  }
}
