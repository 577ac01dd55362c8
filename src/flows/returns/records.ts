/**
 * Return records and refund records in state: what the app knows of each Amazon return (its items, its D365
 * return order, its refunds) and of each refund (the returns it was matched to). Table `returns`; the
 * partition is the Amazon order id, so everything that can match (the returns and refunds of one order) is
 * read with one partition query; rows `R-<hash of the return key>` and `F-<hash of the refund key>`.
 * Writes use ETags; a short lease on a return record keeps two workers from creating the same return order.
 * No buyer data: SKUs, quantities, codes, amounts and D365 numbers only.
 */
import { ConcurrencyError, MappingGapError, NotFoundError, ThrottledError, describeError, isAppError } from "../../platform/errors";
import { withEtagRetry } from "../../platform/etag-retry";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import { type AmazonReturn, type RefundEvent, type ReturnItem, shortHash } from "./model";

export const RETURNS_TABLE = "returns";

/**
 * Where a return stands with D365:
 * - pending: read from Amazon, not in D365 yet;
 * - waiting-for-order: D365 has no sales order for it yet (the orders flow may still import it): retried;
 * - needs-order: still no sales order after the wait: a person decides (review item);
 * - needs-mapping: an unknown reason, disposition or SKU (review item with the entry to add);
 * - header-created: the return order exists, lines are missing (a crash in between): resumed;
 * - imported: the return order has every line;
 * - failed: D365 refused it (review item with D365's message).
 */
export type ImportStatus = "pending" | "waiting-for-order" | "needs-order" | "needs-mapping" | "header-created" | "imported" | "failed";
export const IMPORT_STATUSES: readonly ImportStatus[] = [
  "pending",
  "waiting-for-order",
  "needs-order",
  "needs-mapping",
  "header-created",
  "imported",
  "failed",
];

/**
 * Refunded in full or in part, still expected, overdue (no refund after the review period: finance looks), or not
 * expected from Amazon (an MCF order was sold elsewhere: its sales channel refunds the buyer).
 */
export type RefundState = "refunded" | "partly-refunded" | "awaiting-refund" | "no-refund" | "not-expected";
/** A refund matched to returns, waiting for one, or without a return after the review period. */
export type RefundMatchState = "matched" | "partly-matched" | "awaiting-return" | "without-return";

/** A return line as D365 has it (or will have it). */
export interface ReturnLineRecord {
  sku: string;
  itemNumber: string;
  /** D365 units (negative on the return order line). */
  quantity: number;
  reasonCode?: string;
  dispositionCode?: string;
  warehouseId?: string;
  inventoryLotId?: string;
}

export interface AllocatedRefund {
  refundKey: string;
  postedDate: string;
  quantity: number;
  /** What went back to the buyer for these units (negative decimal string). */
  amount: string;
  currency: string;
}

export interface ReturnRecord extends AmazonReturn {
  status: ImportStatus;
  firstSeenAt: string;
  updatedAt: string;
  /** Report ids the return was read from (the last few). */
  reports: string[];
  attempts: number;
  dataAreaId?: string;
  salesOrderNumber?: string;
  customerAccount?: string;
  returnOrderNumber?: string;
  rmaNumber?: string;
  reasonCode?: string;
  warehouseId?: string;
  lines?: ReturnLineRecord[];
  /** When an import first found no D365 sales order (the wait for the orders flow starts there). */
  orderMissingSince?: string;
  /** A scheduled retry is due then (waiting-for-order). */
  nextAttemptAt?: string;
  lastError?: string;
  lastErrorCode?: string;
  /** For a person: why it stopped and what to do. */
  review?: { reason: string; description: string; suggestion?: unknown };
  refundedQuantity: number;
  refunds: AllocatedRefund[];
  refundState: RefundState;
  leaseUntil?: string;
  leaseHolder?: string;
}

export interface RefundRecord extends RefundEvent {
  firstSeenAt: string;
  updatedAt: string;
  matchedReturns: string[];
  /** Refunded units (or items without a quantity) no return accounts for. */
  unmatchedQuantity: number;
  state: RefundMatchState;
}

interface Row extends StateEntity {
  kind: "return" | "refund";
  json: string;
}

const returnRow = (key: string) => `R-${shortHash(key)}`;
const refundRow = (key: string) => `F-${shortHash(key)}`;

function toRow(partition: string, rowKey: string, kind: Row["kind"], value: object): Row {
  return { partitionKey: safeKey(partition), rowKey, kind, json: JSON.stringify(value) };
}

export type RegisterOutcome = "new" | "changed" | "unchanged";

export interface ReturnSession {
  readonly record: ReturnRecord;
  /** Saves progress and keeps the lease. */
  update(patch: Partial<ReturnRecord>): Promise<void>;
  /** Saves the result and releases the lease. */
  finish(patch: Partial<ReturnRecord>): Promise<void>;
  /** Records the error (status by its kind) and releases the lease. */
  fail(err: unknown, patch?: Partial<ReturnRecord>): Promise<void>;
}

export class ReturnStore {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => Date = () => new Date(),
    private readonly table = RETURNS_TABLE,
  ) {}

  async get(amazonOrderId: string, key: string): Promise<ReturnRecord | undefined> {
    const row = await this.state.get<Row>(this.table, safeKey(amazonOrderId), returnRow(key));
    return row ? (JSON.parse(row.entity.json) as ReturnRecord) : undefined;
  }

  /** Every return and refund of one order. */
  async order(amazonOrderId: string): Promise<{ returns: ReturnRecord[]; refunds: RefundRecord[] }> {
    const returns: ReturnRecord[] = [];
    const refunds: RefundRecord[] = [];
    for await (const row of this.state.query<Row>(this.table, { partitionKey: safeKey(amazonOrderId) })) {
      if (row.entity.kind === "return") returns.push(JSON.parse(row.entity.json) as ReturnRecord);
      else refunds.push(JSON.parse(row.entity.json) as RefundRecord);
    }
    return { returns, refunds };
  }

  async *returns(): AsyncIterable<ReturnRecord> {
    for await (const row of this.state.query<Row>(this.table, { rowKeyPrefix: "R-" })) yield JSON.parse(row.entity.json) as ReturnRecord;
  }

  async *refunds(): AsyncIterable<RefundRecord> {
    for await (const row of this.state.query<Row>(this.table, { rowKeyPrefix: "F-" })) yield JSON.parse(row.entity.json) as RefundRecord;
  }

  /**
   * Records a return read from Amazon. A new one is pending; a known one takes Amazon's latest statuses and
   * any SKU it did not have (an RMA that grew), which sends an imported return back to pending for the
   * missing line. What D365 has is never forgotten.
   */
  async register(ret: AmazonReturn): Promise<RegisterOutcome> {
    const pk = safeKey(ret.amazonOrderId);
    const rk = returnRow(ret.key);
    return withEtagRetry(async () => {
      const now = this.now().toISOString();
      const current = await this.state.get<Row>(this.table, pk, rk);
      const report = ret.source?.reportId;
      if (!current) {
        const { source: _source, ...rest } = ret;
        const record: ReturnRecord = {
          ...rest,
          status: "pending",
          firstSeenAt: now,
          updatedAt: now,
          reports: report ? [report] : [],
          attempts: 0,
          refundedQuantity: 0,
          refunds: [],
          refundState: ret.channel === "MCF" ? "not-expected" : "awaiting-refund",
        };
        await this.state.insert(this.table, toRow(ret.amazonOrderId, rk, "return", record));
        return "new";
      }
      const record = JSON.parse(current.entity.json) as ReturnRecord;
      const items = mergeItems(record.items, ret.items);
      const grew = items.length > record.items.length;
      const changed = grew || JSON.stringify(items) !== JSON.stringify(record.items);
      const reports = report && !record.reports.includes(report) ? [...record.reports, report].slice(-5) : record.reports;
      if (!changed && reports === record.reports) return "unchanged";
      const next: ReturnRecord = {
        ...record,
        items,
        reports,
        ...(ret.marketplaceId && !record.marketplaceId ? { marketplaceId: ret.marketplaceId } : {}),
        ...(grew && record.status === "imported" ? { status: "header-created" as const } : {}),
        updatedAt: changed ? now : record.updatedAt,
      };
      await this.state.replace(this.table, toRow(ret.amazonOrderId, rk, "return", next), current.etag);
      return changed ? "changed" : "unchanged";
    });
  }

  /** Records a refund read from Amazon (once; a refund does not change). */
  async registerRefund(refund: RefundEvent): Promise<RegisterOutcome> {
    const pk = safeKey(refund.amazonOrderId);
    const rk = refundRow(refund.key);
    const current = await this.state.get<Row>(this.table, pk, rk);
    if (current) return "unchanged";
    const now = this.now().toISOString();
    const record: RefundRecord = {
      ...refund,
      firstSeenAt: now,
      updatedAt: now,
      matchedReturns: [],
      unmatchedQuantity: 0,
      state: "awaiting-return",
    };
    try {
      await this.state.insert(this.table, toRow(refund.amazonOrderId, rk, "refund", record));
    } catch (err) {
      if (isAppError(err) && err.kind === "conflict") return "unchanged";
      throw err;
    }
    return "new";
  }

  /** Applies a change to a return record (ETag-guarded, re-read on a lost race). */
  async updateReturn(
    amazonOrderId: string,
    key: string,
    change: (r: ReturnRecord) => ReturnRecord | undefined,
  ): Promise<ReturnRecord | undefined> {
    const pk = safeKey(amazonOrderId);
    const rk = returnRow(key);
    return withEtagRetry(async () => {
      const current = await this.state.get<Row>(this.table, pk, rk);
      if (!current) return undefined;
      const record = JSON.parse(current.entity.json) as ReturnRecord;
      const next = change(record);
      if (!next || JSON.stringify(next) === current.entity.json) return record;
      await this.state.replace(this.table, toRow(amazonOrderId, rk, "return", next), current.etag);
      return next;
    });
  }

  async updateRefund(amazonOrderId: string, key: string, change: (r: RefundRecord) => RefundRecord | undefined): Promise<void> {
    const pk = safeKey(amazonOrderId);
    const rk = refundRow(key);
    await withEtagRetry(async () => {
      const current = await this.state.get<Row>(this.table, pk, rk);
      if (!current) return;
      const next = change(JSON.parse(current.entity.json) as RefundRecord);
      if (!next || JSON.stringify(next) === current.entity.json) return;
      await this.state.replace(this.table, toRow(amazonOrderId, rk, "refund", next), current.etag);
    });
  }

  /**
   * Takes the return's lease and counts an attempt. Throws a retryable ThrottledError while another worker
   * holds it; the same holder (the redelivery of a message whose worker died) takes it over at once.
   */
  async begin(amazonOrderId: string, key: string, leaseMs: number, holder?: string): Promise<ReturnSession> {
    const pk = safeKey(amazonOrderId);
    const rk = returnRow(key);
    const row = await this.state.get<Row>(this.table, pk, rk);
    if (!row)
      throw new NotFoundError("returns.unknown", `Return ${key} is not known here; run a returns sync (POST /api/returns/sync) first.`);
    const now = this.now();
    const current = JSON.parse(row.entity.json) as ReturnRecord;
    const sameHolder = holder !== undefined && current.leaseHolder === holder;
    if (current.leaseUntil && Date.parse(current.leaseUntil) > now.getTime() && !sameHolder) {
      const waitMs = Date.parse(current.leaseUntil) - now.getTime();
      throw new ThrottledError(
        "returns.busy",
        `Return ${key} is being imported by another worker; retry in ${Math.ceil(waitMs / 1000)} s.`,
        waitMs,
      );
    }
    let record: ReturnRecord = {
      ...current,
      attempts: current.attempts + 1,
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      updatedAt: now.toISOString(),
    };
    if (holder !== undefined) record.leaseHolder = holder;
    else delete record.leaseHolder;
    let etag: string;
    try {
      etag = await this.state.replace(this.table, toRow(amazonOrderId, rk, "return", record), row.etag);
    } catch (err) {
      if (err instanceof ConcurrencyError)
        throw new ThrottledError("returns.busy", `Return ${key} is being imported by another worker.`, 1000, { cause: err });
      throw err;
    }
    const write = async (patch: Partial<ReturnRecord>, release: boolean) => {
      // Refunds are matched by the sync while an import runs: keep what it wrote.
      for (let attempt = 0; ; attempt++) {
        const next: ReturnRecord = { ...record, ...patch, updatedAt: this.now().toISOString() };
        if (release) {
          delete next.leaseUntil;
          delete next.leaseHolder;
        }
        try {
          etag = await this.state.replace(this.table, toRow(amazonOrderId, rk, "return", next), etag);
          record = next;
          return;
        } catch (err) {
          if (!(err instanceof ConcurrencyError) || attempt >= 5) throw err;
          const fresh = await this.state.get<Row>(this.table, pk, rk);
          if (!fresh) throw err;
          const theirs = JSON.parse(fresh.entity.json) as ReturnRecord;
          if (theirs.leaseHolder !== record.leaseHolder || theirs.leaseUntil !== record.leaseUntil) throw err;
          record = {
            ...record,
            refunds: theirs.refunds,
            refundedQuantity: theirs.refundedQuantity,
            refundState: theirs.refundState,
            items: theirs.items,
          };
          etag = fresh.etag;
        }
      }
    };
    return {
      get record() {
        return record;
      },
      update: (patch) => write(patch, false),
      finish: (patch) => write({ ...patch, lastError: undefined, lastErrorCode: undefined }, true),
      fail: async (err, patch = {}) => {
        const retryable = !isAppError(err) || err.retryable;
        const status: ImportStatus =
          err instanceof MappingGapError
            ? "needs-mapping"
            : retryable
              ? record.returnOrderNumber
                ? "header-created"
                : record.status === "imported"
                  ? "imported"
                  : "pending"
              : "failed";
        await write(
          { status, lastError: describeError(err).slice(0, 1000), lastErrorCode: isAppError(err) ? err.code : undefined, ...patch },
          true,
        );
      },
    };
  }
}

/** Items by SKU: Amazon's latest reading of each, plus SKUs the record did not have. */
function mergeItems(known: ReturnItem[], read: ReturnItem[]): ReturnItem[] {
  const out = known.map((k) => ({ ...k, ...(read.find((r) => r.sku === k.sku) ?? {}) }));
  for (const r of read) if (!out.some((o) => o.sku === r.sku)) out.push(r);
  return out;
}
