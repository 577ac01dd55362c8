/**
 * MCF records: one per D365 sales order the flow looked at for MCF, keyed by its sellerFulfillmentOrderId
 * (derived from legal entity + order number), with what was sent, Amazon's status, every package with its
 * carrier and tracking and how far it got back to D365, the last error, and when to look again. No buyer PII
 * (the address goes to Amazon and nowhere else).
 *
 * Tables: "mcforders" (the record, ETag-guarded; a lease keeps two workers off one order), "mcfbyorder"
 * (legal entity + order number -> id, for the status API and the triggers that know only the D365 order),
 * "mcfopen" (the records the monitor follows: sent and not yet complete).
 */
import { ConcurrencyError, ThrottledError, describeError, isAppError } from "../../platform/errors";
import { withEtagRetry } from "../../platform/etag-retry";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import type { McfStatus } from "./model";

export const MCF_ORDERS_TABLE = "mcforders";
export const MCF_BY_ORDER_TABLE = "mcfbyorder";
export const MCF_OPEN_TABLE = "mcfopen";

/**
 * - queued: asked for over HTTP, not looked at yet;
 * - not-eligible: not an MCF order (mappings/fulfillment.json selects it not);
 * - waiting: an MCF order that is not ready (not confirmed, stopped);
 * - needs-attention: a person must act (bad data, Amazon refused or cannot fulfil); a review item says why;
 * - creating: the create call was made or is being made (a crash here is resolved by looking the id up);
 * - sent: Amazon has the order; shipping: packages shipped, tracking on its way to D365;
 * - complete: Amazon is done and D365 has every package's tracking; cancelled: cancelled, nothing shipped.
 */
export type McfRecordStatus =
  | "queued"
  | "not-eligible"
  | "waiting"
  | "needs-attention"
  | "creating"
  | "sent"
  | "shipping"
  | "complete"
  | "cancelled";

export interface RecordedLine {
  lotId: string;
  itemNumber: string;
  sku: string;
  /** Amazon units sent. */
  quantity: number;
  unitsPerAmazonUnit: number;
}

export interface RecordedPackage {
  amazonShipmentId: string;
  packageId: string;
  packageNumber?: number;
  carrierCode: string;
  /** The carrier's name from mappings/carriers.json (else the code). */
  carrier: string;
  trackingNumber?: string;
  trackingUrl?: string;
  shippedAt?: string;
  /** Amazon's tracking status (IN_TRANSIT, DELIVERED, ...). */
  status?: string;
  deliveredAt?: string;
  /** In D365 units. */
  lines: { lotId: string; itemNumber: string; quantity: number }[];
  /** The D365 packing slip whose tracking row carries this package. */
  packingSlipNumber?: string;
  trackingWritten?: boolean;
}

export interface McfRecord {
  sellerFulfillmentOrderId: string;
  company: string;
  salesOrderNumber: string;
  status: McfRecordStatus;
  marketplaceId?: string;
  amazonStatus?: McfStatus;
  lines: RecordedLine[];
  packages: RecordedPackage[];
  /** Lines Amazon could not fulfil or cancelled (Amazon units). */
  unfulfilled?: { lotId: string; sku: string; quantity: number }[];
  attempts: number;
  lastError?: string;
  lastErrorCode?: string;
  /** A review item is open for this order. */
  reviewOpen?: boolean;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  completedAt?: string;
  cancelRequestedAt?: string;
  stoppedInD365?: boolean;
  carrierOnOrder?: string;
  /** The "deliver now" quantities last written to the D365 lines. */
  deliverNowWritten?: { lotId: string; quantity: number }[];
  /** When the monitor looks again, and the interval it waited last (doubles while nothing changes). */
  nextCheckAt?: string;
  checkIntervalMs?: number;
  /** An HTTP call asked for the order and the request is not handled yet. */
  queuedAt?: string;
  leaseUntil?: string;
  leaseHolder?: string;
}

interface RecordRow extends StateEntity {
  json: string;
  status: string;
  company: string;
  salesOrderNumber: string;
}

interface OpenRow extends StateEntity {
  sellerFulfillmentOrderId: string;
  nextCheckAt: string;
}

export interface McfSession {
  readonly record: McfRecord;
  /** Saves progress and keeps the lease. */
  update(patch: Partial<McfRecord>): Promise<void>;
  /** Saves and releases the lease. */
  finish(patch: Partial<McfRecord>): Promise<void>;
  /** Records the error and releases the lease. */
  fail(err: unknown): Promise<void>;
}

const recordKey = (id: string) => ({ partitionKey: safeKey(id), rowKey: "order" });

export class McfRecords {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => Date,
  ) {}

  async get(id: string): Promise<McfRecord | undefined> {
    const k = recordKey(id);
    const row = await this.state.get<RecordRow>(MCF_ORDERS_TABLE, k.partitionKey, k.rowKey);
    return row ? (JSON.parse(row.entity.json) as McfRecord) : undefined;
  }

  /** The id recorded for a D365 order, if the flow has looked at it. */
  async idOf(company: string, salesOrderNumber: string): Promise<string | undefined> {
    const row = await this.state.get<StateEntity & { sellerFulfillmentOrderId: string }>(
      MCF_BY_ORDER_TABLE,
      safeKey(company.toLowerCase()),
      safeKey(salesOrderNumber.toUpperCase()),
    );
    return row?.entity.sellerFulfillmentOrderId;
  }

  async getByOrder(company: string, salesOrderNumber: string): Promise<McfRecord | undefined> {
    const id = await this.idOf(company, salesOrderNumber);
    return id ? this.get(id) : undefined;
  }

  async *list(): AsyncIterable<McfRecord> {
    for await (const row of this.state.query<RecordRow>(MCF_ORDERS_TABLE)) yield JSON.parse(row.entity.json) as McfRecord;
  }

  /** The ids the monitor follows, with when each is due. */
  async open(): Promise<{ sellerFulfillmentOrderId: string; nextCheckAt: string }[]> {
    const out: { sellerFulfillmentOrderId: string; nextCheckAt: string }[] = [];
    for await (const row of this.state.query<OpenRow>(MCF_OPEN_TABLE, { partitionKey: "open" }))
      out.push({ sellerFulfillmentOrderId: row.entity.sellerFulfillmentOrderId, nextCheckAt: row.entity.nextCheckAt });
    return out;
  }

  /**
   * Takes the order's lease (creating the record when there is none) and counts an attempt. Throws a
   * retryable ThrottledError while another worker holds it; the same holder (a redelivery of the message
   * whose worker died) takes it over at once.
   */
  async begin(
    id: string,
    order: { company: string; salesOrderNumber: string },
    leaseMs: number,
    holder?: string,
    initial: McfRecordStatus = "queued",
  ): Promise<McfSession> {
    const k = recordKey(id);
    const now = this.now();
    const { record, etag } = await withEtagRetry(async () => {
      const row = await this.state.get<RecordRow>(MCF_ORDERS_TABLE, k.partitionKey, k.rowKey);
      const current: McfRecord = row
        ? (JSON.parse(row.entity.json) as McfRecord)
        : {
            sellerFulfillmentOrderId: id,
            company: order.company.toLowerCase(),
            salesOrderNumber: order.salesOrderNumber,
            status: initial,
            lines: [],
            packages: [],
            attempts: 0,
            createdAt: now.toISOString(),
            updatedAt: now.toISOString(),
          };
      if (current.leaseUntil && Date.parse(current.leaseUntil) > now.getTime() && !(holder && current.leaseHolder === holder)) {
        const wait = Date.parse(current.leaseUntil) - now.getTime();
        throw new ThrottledError(
          "mcf.busy",
          `MCF order ${id} is being handled by another worker; retry in ${Math.ceil(wait / 1000)} s.`,
          wait,
        );
      }
      const next: McfRecord = {
        ...current,
        attempts: current.attempts + 1,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        updatedAt: now.toISOString(),
      };
      if (holder) next.leaseHolder = holder;
      else delete next.leaseHolder;
      const entity = toRow(k, next);
      const tag = row ? await this.state.replace(MCF_ORDERS_TABLE, entity, row.etag) : await this.state.insert(MCF_ORDERS_TABLE, entity);
      if (!row) await this.index(next);
      return { record: next, etag: tag };
    });
    return this.session(record, etag);
  }

  /** An HTTP call asked for the order: the record says so (created as "queued" when there is none). */
  async noteQueued(id: string, order: { company: string; salesOrderNumber: string }): Promise<McfRecord> {
    const k = recordKey(id);
    return withEtagRetry(async () => {
      const now = this.now().toISOString();
      const row = await this.state.get<RecordRow>(MCF_ORDERS_TABLE, k.partitionKey, k.rowKey);
      const current: McfRecord = row
        ? (JSON.parse(row.entity.json) as McfRecord)
        : {
            sellerFulfillmentOrderId: id,
            company: order.company.toLowerCase(),
            salesOrderNumber: order.salesOrderNumber,
            status: "queued",
            lines: [],
            packages: [],
            attempts: 0,
            createdAt: now,
            updatedAt: now,
          };
      const next = { ...current, queuedAt: now };
      if (row) await this.state.replace(MCF_ORDERS_TABLE, toRow(k, next), row.etag);
      else {
        await this.state.insert(MCF_ORDERS_TABLE, toRow(k, next));
        await this.index(next);
      }
      return next;
    });
  }

  private async index(r: McfRecord): Promise<void> {
    await this.state.upsert(MCF_BY_ORDER_TABLE, {
      partitionKey: safeKey(r.company.toLowerCase()),
      rowKey: safeKey(r.salesOrderNumber.toUpperCase()),
      sellerFulfillmentOrderId: r.sellerFulfillmentOrderId,
    });
  }

  private session(start: McfRecord, startEtag: string): McfSession {
    let record = start;
    let etag = startEtag;
    const k = recordKey(record.sellerFulfillmentOrderId);
    const write = async (patch: Partial<McfRecord>, release: boolean) => {
      const next: McfRecord = { ...record, ...patch, updatedAt: this.now().toISOString() };
      if (release) {
        delete next.leaseUntil;
        delete next.leaseHolder;
        delete next.queuedAt;
      }
      try {
        etag = await this.state.replace(MCF_ORDERS_TABLE, toRow(k, next), etag);
      } catch (err) {
        if (err instanceof ConcurrencyError)
          throw new ConcurrencyError(
            "mcf.lostLease",
            `MCF order ${record.sellerFulfillmentOrderId} was changed by another worker; retrying.`,
            { cause: err },
          );
        throw err;
      }
      record = next;
      await this.syncOpen(next);
    };
    return {
      get record() {
        return record;
      },
      update: (patch) => write(patch, false),
      finish: (patch) => write(patch, true),
      fail: (err) =>
        write(
          {
            lastError: describeError(err).slice(0, 1000),
            ...(isAppError(err) ? { lastErrorCode: err.code } : {}),
          },
          true,
        ),
    };
  }

  /** Keeps "mcfopen" in step: a record Amazon has and that is not finished is followed by the monitor. */
  private async syncOpen(r: McfRecord): Promise<void> {
    const open =
      r.status === "sent" || r.status === "shipping" || (r.status === "needs-attention" && r.amazonStatus !== undefined && !!r.nextCheckAt);
    const key = { partitionKey: "open", rowKey: safeKey(r.sellerFulfillmentOrderId) };
    if (open && r.nextCheckAt)
      await this.state.upsert(MCF_OPEN_TABLE, { ...key, sellerFulfillmentOrderId: r.sellerFulfillmentOrderId, nextCheckAt: r.nextCheckAt });
    else if (!open) await this.state.delete(MCF_OPEN_TABLE, key.partitionKey, key.rowKey);
  }
}

function toRow(k: { partitionKey: string; rowKey: string }, r: McfRecord): RecordRow {
  return { ...k, json: JSON.stringify(r), status: r.status, company: r.company, salesOrderNumber: r.salesOrderNumber };
}
