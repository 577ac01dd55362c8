/**
 * The FBM shipment ledger: one entry per Amazon order and D365 packing slip (one packing slip = one package
 * confirmed to Amazon), with the packageReferenceId it was given, the carrier, tracking number and items
 * sent, and its status. The packageReferenceId is allocated once per packing slip ("1", "2", ... per order)
 * and kept, so a retry after a timeout sends the same package again and Amazon answers "already confirmed"
 * instead of taking a second package.
 *
 * Tables: "fbmshipments" (partition: the Amazon order id; rows: "slip|<packing slip>" and the order's row
 * "~order" with the reference counter and a lease), "fbmbyorder" (legal entity + sales order -> Amazon order id).
 */
import { ThrottledError } from "../../platform/errors";
import { withEtagRetry } from "../../platform/etag-retry";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";

export const FBM_SHIPMENTS_TABLE = "fbmshipments";
export const FBM_BY_ORDER_TABLE = "fbmbyorder";

/**
 * confirming: the call was made (or is being made); confirmed / already-confirmed: Amazon has the package;
 * needs-attention: a person must act (no carrier mapping, no tracking number, Amazon refused it);
 * nothing-to-confirm: the packing slip carries no Amazon order line (a freight line, say).
 */
export type PackageStatus = "confirming" | "confirmed" | "already-confirmed" | "needs-attention" | "nothing-to-confirm";
export const DONE_PACKAGE: readonly PackageStatus[] = ["confirmed", "already-confirmed", "nothing-to-confirm"];

export interface ShipmentEntry {
  amazonOrderId: string;
  company: string;
  salesOrderNumber: string;
  packingSlipNumber: string;
  status: PackageStatus;
  packageReferenceId?: string;
  carrierCode?: string;
  carrierName?: string;
  shippingMethod?: string;
  trackingNumber?: string;
  shipDate?: string;
  items?: { orderItemId: string; quantity: number }[];
  attempts: number;
  lastError?: string;
  lastErrorCode?: string;
  confirmedAt?: string;
  updatedAt: string;
}

export interface OrderStatusRow {
  amazonOrderId?: string;
  queuedAt?: string;
  checkedAt?: string;
  lastOutcome?: string;
  lastReason?: string;
}

interface EntryRow extends StateEntity {
  json: string;
  status: string;
}

interface OrderRow extends StateEntity {
  nextReference: number;
  company: string;
  salesOrderNumber: string;
  leaseUntil?: string;
  leaseHolder?: string;
}

const ORDER_ROW = "~order";
const slipRow = (packingSlipNumber: string) => `slip|${safeKey(packingSlipNumber.toUpperCase())}`;

export class ShipmentLedger {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => Date,
  ) {}

  async entries(amazonOrderId: string): Promise<ShipmentEntry[]> {
    const out: ShipmentEntry[] = [];
    for await (const row of this.state.query<EntryRow>(FBM_SHIPMENTS_TABLE, {
      partitionKey: safeKey(amazonOrderId),
      rowKeyPrefix: "slip|",
    }))
      out.push(JSON.parse(row.entity.json) as ShipmentEntry);
    return out.sort((a, b) => a.packingSlipNumber.localeCompare(b.packingSlipNumber));
  }

  /** What the flow knows about a D365 order's FBM confirmation: its Amazon order id and the last look at it. */
  async orderStatus(company: string, salesOrderNumber: string): Promise<OrderStatusRow | undefined> {
    const row = await this.state.get<OrderStatusRow & StateEntity>(
      FBM_BY_ORDER_TABLE,
      safeKey(company.toLowerCase()),
      safeKey(salesOrderNumber.toUpperCase()),
    );
    if (!row) return undefined;
    const { partitionKey: _pk, rowKey: _rk, ...rest } = row.entity;
    return rest;
  }

  /** An HTTP call asked to confirm the order's shipments (the status API answers 202 until it is looked at). */
  async noteQueued(company: string, salesOrderNumber: string): Promise<void> {
    await this.mergeOrder(company, salesOrderNumber, { queuedAt: this.now().toISOString() });
  }

  /** The request for the order was handled, with this outcome. */
  async noteChecked(company: string, salesOrderNumber: string, outcome: { outcome: string; reason?: string }): Promise<void> {
    await this.mergeOrder(company, salesOrderNumber, {
      checkedAt: this.now().toISOString(),
      lastOutcome: outcome.outcome,
      lastReason: outcome.reason ?? "",
    });
  }

  private async mergeOrder(company: string, salesOrderNumber: string, patch: Partial<OrderStatusRow>): Promise<void> {
    const pk = safeKey(company.toLowerCase());
    const rk = safeKey(salesOrderNumber.toUpperCase());
    await withEtagRetry(async () => {
      const row = await this.state.get<OrderStatusRow & StateEntity>(FBM_BY_ORDER_TABLE, pk, rk);
      const next = { ...(row?.entity ?? {}), ...patch, partitionKey: pk, rowKey: rk } as OrderStatusRow & StateEntity;
      if (row) await this.state.replace(FBM_BY_ORDER_TABLE, next, row.etag);
      else await this.state.insert(FBM_BY_ORDER_TABLE, next);
    });
  }

  async *listAll(): AsyncIterable<ShipmentEntry> {
    for await (const row of this.state.query<EntryRow>(FBM_SHIPMENTS_TABLE)) {
      if (row.entity.rowKey.startsWith("slip|")) yield JSON.parse(row.entity.json) as ShipmentEntry;
    }
  }

  /** Takes the Amazon order's lease; throws a retryable ThrottledError while another worker holds it. */
  async lease(
    amazonOrderId: string,
    order: { company: string; salesOrderNumber: string },
    leaseMs: number,
    holder?: string,
  ): Promise<() => Promise<void>> {
    const pk = safeKey(amazonOrderId);
    await withEtagRetry(async () => {
      const now = this.now();
      const row = await this.state.get<OrderRow>(FBM_SHIPMENTS_TABLE, pk, ORDER_ROW);
      const cur = row?.entity;
      if (cur?.leaseUntil && Date.parse(cur.leaseUntil) > now.getTime() && !(holder && cur.leaseHolder === holder)) {
        const wait = Date.parse(cur.leaseUntil) - now.getTime();
        throw new ThrottledError(
          "fbm.busy",
          `Amazon order ${amazonOrderId} is being confirmed by another worker; retry in ${Math.ceil(wait / 1000)} s.`,
          wait,
        );
      }
      const next: OrderRow = {
        partitionKey: pk,
        rowKey: ORDER_ROW,
        nextReference: cur?.nextReference ?? 1,
        company: order.company.toLowerCase(),
        salesOrderNumber: order.salesOrderNumber,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        ...(holder ? { leaseHolder: holder } : {}),
      };
      if (row) await this.state.replace(FBM_SHIPMENTS_TABLE, next, row.etag);
      else await this.state.insert(FBM_SHIPMENTS_TABLE, next);
    });
    await this.mergeOrder(order.company, order.salesOrderNumber, { amazonOrderId });
    return async () => {
      await withEtagRetry(async () => {
        const row = await this.state.get<OrderRow>(FBM_SHIPMENTS_TABLE, pk, ORDER_ROW);
        if (!row) return;
        const { leaseUntil: _until, leaseHolder: _holder, ...rest } = row.entity;
        await this.state.replace(FBM_SHIPMENTS_TABLE, rest as OrderRow, row.etag);
      });
    };
  }

  /** The packing slip's packageReferenceId: the one it was given, else the order's next number (kept from now on). */
  async reference(amazonOrderId: string, packingSlipNumber: string): Promise<string> {
    const pk = safeKey(amazonOrderId);
    const existing = await this.get(amazonOrderId, packingSlipNumber);
    if (existing?.packageReferenceId) return existing.packageReferenceId;
    return withEtagRetry(async () => {
      const row = await this.state.get<OrderRow>(FBM_SHIPMENTS_TABLE, pk, ORDER_ROW);
      if (!row) throw new Error(`no lease row for Amazon order ${amazonOrderId}`);
      const n = row.entity.nextReference;
      await this.state.replace(FBM_SHIPMENTS_TABLE, { ...row.entity, nextReference: n + 1 }, row.etag);
      return String(n);
    });
  }

  async get(amazonOrderId: string, packingSlipNumber: string): Promise<ShipmentEntry | undefined> {
    const row = await this.state.get<EntryRow>(FBM_SHIPMENTS_TABLE, safeKey(amazonOrderId), slipRow(packingSlipNumber));
    return row ? (JSON.parse(row.entity.json) as ShipmentEntry) : undefined;
  }

  async save(entry: Omit<ShipmentEntry, "updatedAt">): Promise<ShipmentEntry> {
    const full: ShipmentEntry = { ...entry, updatedAt: this.now().toISOString() };
    await this.state.upsert(FBM_SHIPMENTS_TABLE, {
      partitionKey: safeKey(entry.amazonOrderId),
      rowKey: slipRow(entry.packingSlipNumber),
      json: JSON.stringify(full),
      status: full.status,
    } satisfies EntryRow);
    return full;
  }
}
