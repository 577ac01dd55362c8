/**
 * Pure rules for bringing an MCF order's shipments back to D365 (docs/fulfillment.md, "Where tracking goes
 * in D365"). No I/O.
 *
 * 1. Amazon's packages become the record's packages: carrier (name from mappings/carriers.json), tracking
 *    number, ship date and the D365 lines with quantities in D365 units (Amazon units x unitsPerAmazonUnit).
 * 2. "Deliver now": each D365 line gets SalesDeliverNow = what Amazon shipped of it - what D365's packing
 *    slips already posted, so D365's "Post packing slip" batch job (Quantity = Deliver now) posts exactly what
 *    Amazon shipped. The value is absolute: writing it twice changes nothing.
 * 3. Tracking: each shipped package goes onto the D365 packing slip that posted its lines — packing slips are
 *    matched to packages first in, first out per line (the first packing slip quantity of a line to the
 *    first package that shipped it) — as a PackingSlipTrackingInformation row (tracking number and page).
 */
import type { Carriers } from "../../mapping/carriers";
import type { RecordedLine, RecordedPackage } from "./mcf-records";
import type { McfOrderState, PackingSlip, TrackingRow } from "./model";

/** Merges Amazon's shipped packages into the recorded ones (keeping what was written to D365). */
export function mergePackages(
  state: McfOrderState,
  recorded: RecordedPackage[],
  lines: RecordedLine[],
  carriers: Carriers,
): RecordedPackage[] {
  const byId = new Map(recorded.map((p) => [`${p.amazonShipmentId}|${p.packageId}`, p]));
  const out: RecordedPackage[] = [];
  const shipments = [...state.shipments].sort(
    (a, b) => (a.shippedAt ?? "").localeCompare(b.shippedAt ?? "") || a.amazonShipmentId.localeCompare(b.amazonShipmentId),
  );
  for (const s of shipments) {
    if (s.status !== "SHIPPED") continue;
    for (const p of [...s.packages].sort((a, b) => a.packageId.localeCompare(b.packageId))) {
      const before = byId.get(`${s.amazonShipmentId}|${p.packageId}`);
      const pkgLines = p.items.map((i) => {
        const line = lines.find((l) => l.lotId === i.lineId);
        return { lotId: i.lineId, itemNumber: line?.itemNumber ?? i.sku, quantity: i.quantity * (line?.unitsPerAmazonUnit ?? 1) };
      });
      const trackingNumber = p.trackingNumber ?? p.amazonTrackingNumber;
      const mapped = carriers.fromAmazon(p.carrierCode);
      const trackingUrl =
        p.trackingUrl ?? before?.trackingUrl ?? (trackingNumber ? carriers.trackingUrl(p.carrierCode, trackingNumber) : undefined);
      const status = p.status ?? before?.status;
      const deliveredAt = p.deliveredAt ?? before?.deliveredAt;
      out.push({
        ...before,
        amazonShipmentId: s.amazonShipmentId,
        packageId: p.packageId,
        ...(p.packageNumber !== undefined ? { packageNumber: p.packageNumber } : {}),
        carrierCode: p.carrierCode,
        carrier: mapped?.name ?? p.carrierCode,
        ...(trackingNumber ? { trackingNumber } : {}),
        ...(trackingUrl ? { trackingUrl } : {}),
        ...(s.shippedAt ? { shippedAt: s.shippedAt } : {}),
        ...(status ? { status } : {}),
        ...(deliveredAt ? { deliveredAt } : {}),
        lines: pkgLines,
      });
    }
  }
  return out;
}

/** Quantity (D365 units) per D365 line. */
function perLot(entries: Iterable<{ lotId: string; quantity: number }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) m.set(e.lotId, (m.get(e.lotId) ?? 0) + e.quantity);
  return m;
}

/** SalesDeliverNow per line: shipped by Amazon minus posted by D365, for the lines where that is above zero. */
export function deliverNowTargets(packages: RecordedPackage[], slips: PackingSlip[]): { lotId: string; quantity: number }[] {
  const shipped = perLot(packages.flatMap((p) => p.lines));
  const posted = perLot(slips.flatMap((s) => s.lines));
  const out: { lotId: string; quantity: number }[] = [];
  for (const [lotId, q] of shipped) {
    const left = q - (posted.get(lotId) ?? 0);
    if (left > 0) out.push({ lotId, quantity: left });
  }
  return out.sort((a, b) => a.lotId.localeCompare(b.lotId));
}

/**
 * The packing slip of each package (first in, first out per line); undefined while D365 has not posted
 * enough of the package's lines.
 */
export function allocatePackingSlips(packages: RecordedPackage[], slips: PackingSlip[]): Map<RecordedPackage, PackingSlip | undefined> {
  const queues = new Map<string, { slip: PackingSlip; left: number }[]>();
  for (const slip of [...slips].sort((a, b) => a.packingSlipNumber.localeCompare(b.packingSlipNumber))) {
    for (const l of slip.lines) {
      const q = queues.get(l.lotId) ?? [];
      q.push({ slip, left: l.quantity });
      queues.set(l.lotId, q);
    }
  }
  const out = new Map<RecordedPackage, PackingSlip | undefined>();
  for (const p of packages) {
    let found: PackingSlip | undefined;
    let complete = p.lines.length > 0;
    for (const l of p.lines) {
      let need = l.quantity;
      const q = queues.get(l.lotId) ?? [];
      while (need > 0 && q.length) {
        const head = q[0]!;
        const take = Math.min(head.left, need);
        found ??= head.slip;
        head.left -= take;
        need -= take;
        if (head.left <= 0) q.shift();
      }
      if (need > 0) complete = false;
    }
    out.set(p, complete ? found : undefined);
  }
  return out;
}

/** The tracking rows D365 lacks for packages whose packing slip is posted. */
export function trackingRowsToWrite(
  packages: RecordedPackage[],
  slips: PackingSlip[],
): { rows: TrackingRow[]; packages: { pkg: RecordedPackage; slip: PackingSlip; present: boolean }[] } {
  const allocation = allocatePackingSlips(packages, slips);
  const rows: TrackingRow[] = [];
  const done: { pkg: RecordedPackage; slip: PackingSlip; present: boolean }[] = [];
  for (const [pkg, slip] of allocation) {
    if (!slip || pkg.trackingWritten || !pkg.trackingNumber) continue;
    const present = slip.tracking.some((t) => t.trackingNumber === pkg.trackingNumber);
    if (!present)
      rows.push({
        packingSlipNumber: slip.packingSlipNumber,
        deliveryDate: slip.deliveryDate,
        trackingNumber: pkg.trackingNumber,
        ...(pkg.trackingUrl ? { trackingUrl: pkg.trackingUrl } : {}),
      });
    done.push({ pkg, slip, present });
  }
  return { rows, packages: done };
}

/** Tracking statuses after which a package will not move any more. */
export const FINAL_TRACKING = ["DELIVERED", "UNDELIVERABLE", "RETURNED", "EXPIRED", "DESTROYED", "DISPOSED", "DELIVERY_FAILED"];
