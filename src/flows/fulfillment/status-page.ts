/**
 * The fulfillment section of `GET /api/status`: MCF orders by status (and how many the monitor follows, how
 * many wait for D365 to post a packing slip), FBM packages by status. Reads state only; no buyer PII.
 */
import type { StateStore } from "../../platform/ports";
import { McfRecords, type McfRecordStatus } from "./mcf-records";
import { ShipmentLedger, type PackageStatus } from "./shipment-ledger";

export const FULFILLMENT_STATUS_SCAN_LIMIT = 20_000;

export interface FulfillmentStatus {
  mcf: {
    total: number;
    byStatus: Partial<Record<McfRecordStatus, number>>;
    followed: number;
    awaitingPackingSlip: number;
    partial: boolean;
  };
  shipments: { total: number; byStatus: Partial<Record<PackageStatus, number>>; partial: boolean };
}

export async function summarizeFulfillment(state: StateStore, limit = FULFILLMENT_STATUS_SCAN_LIMIT): Promise<FulfillmentStatus> {
  const records = new McfRecords(state, () => new Date());
  const out: FulfillmentStatus = {
    mcf: { total: 0, byStatus: {}, followed: 0, awaitingPackingSlip: 0, partial: false },
    shipments: { total: 0, byStatus: {}, partial: false },
  };
  for await (const r of records.list()) {
    if (out.mcf.total >= limit) {
      out.mcf.partial = true;
      break;
    }
    out.mcf.total++;
    out.mcf.byStatus[r.status] = (out.mcf.byStatus[r.status] ?? 0) + 1;
    if (r.packages.some((p) => p.trackingNumber && !p.trackingWritten)) out.mcf.awaitingPackingSlip++;
  }
  out.mcf.followed = (await records.open()).length;
  for await (const e of new ShipmentLedger(state, () => new Date()).listAll()) {
    if (out.shipments.total >= limit) {
      out.shipments.partial = true;
      break;
    }
    out.shipments.total++;
    out.shipments.byStatus[e.status] = (out.shipments.byStatus[e.status] ?? 0) + 1;
  }
  return out;
}
