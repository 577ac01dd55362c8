/**
 * Use case: follow one MCF order Amazon has, after a notification, the monitor or a trigger on the D365
 * order: read it from Amazon (getFulfillmentOrder / getOrder), record its status and every shipped package,
 * bring the shipments back to D365 (write-back.ts: "deliver now" quantities for D365's packing slip job, then
 * the tracking number of each package on the packing slip D365 posted), follow each package until it is
 * delivered, and handle cancellation both ways:
 * - the D365 order was canceled (or deleted) before Amazon shipped anything -> cancelFulfillmentOrder; when
 *   Amazon has started shipping already, a review item says so;
 * - Amazon cancelled the order, found it invalid or cannot fulfil it -> a review item, and (as configured) the
 *   D365 order's processing is stopped so nobody ships or invoices it by mistake; a partial fulfilment
 *   (COMPLETE_PARTIALLED) is a review item for the lines Amazon did not ship.
 * The record is complete when Amazon is done, every package's tracking is on its D365 packing slip and every
 * package is delivered (or stopped moving); until then the monitor looks again, waiting longer each time
 * nothing changed.
 */
import { ValidationError } from "../../platform/errors";
import type { McfRecord, RecordedPackage } from "./mcf-records";
import { isFinal, type McfOrderState, type McfStatus, type SalesOrderHeader } from "./model";
import { replayRequest } from "./requests";
import { mcfReviewId, openReview } from "./review";
import { DEFAULT_MONITOR, type McfDeps, ruleFor } from "./send-to-mcf";
import { deliverNowTargets, FINAL_TRACKING, mergePackages, trackingRowsToWrite } from "./write-back";

export interface SyncCommand {
  sellerFulfillmentOrderId: string;
  /** The D365 order as the caller just read it (null: it is gone); absent: read it when needed. */
  header?: SalesOrderHeader | null;
  /**
   * What brought the order up: an Amazon notification (read Amazon; D365 only for new shipments), a D365 trigger
   * (a business event, the catch-up, HTTP: was it canceled, did D365 post a packing slip), or the monitor (both).
   */
  trigger: "amazon" | "d365" | "monitor";
  /** What the notification said, when it said something: a sync that already knows it does nothing. */
  notification?: { amazonShipmentId?: string; finalStatus?: McfStatus };
  holder?: string;
}

export type SyncOutcome =
  | { outcome: "unknown" | "not-with-amazon" | "missing-at-amazon" | "known"; sellerFulfillmentOrderId: string }
  | {
      outcome: "synced";
      sellerFulfillmentOrderId: string;
      status: McfRecord["status"];
      amazonStatus: McfStatus;
      packages: number;
      trackingWritten: number;
      cancelRequested?: boolean;
    };

/** A package that shipped more than this long ago is no longer followed (carriers lose parcels, too). */
const FOLLOW_DELIVERY_MS = 30 * 24 * 3600_000;

export async function syncMcfOrder(cmd: SyncCommand, deps: McfDeps): Promise<SyncOutcome> {
  const id = cmd.sellerFulfillmentOrderId;
  const known = await deps.records.get(id);
  if (!known) return { outcome: "unknown", sellerFulfillmentOrderId: id };
  if (!["creating", "sent", "shipping"].includes(known.status) && !(known.status === "needs-attention" && known.amazonStatus))
    return { outcome: "not-with-amazon", sellerFulfillmentOrderId: id };
  // Notifications come in bursts (the last shipment, then the final status): the sync of the first may have
  // brought in what the others say.
  const n = cmd.notification;
  if (
    n &&
    (!n.amazonShipmentId || known.packages.some((p) => p.amazonShipmentId === n.amazonShipmentId)) &&
    (!n.finalStatus || known.amazonStatus === n.finalStatus)
  )
    return { outcome: "known", sellerFulfillmentOrderId: id };
  const session = await deps.records.begin(id, known, deps.leaseMs ?? 120_000, cmd.holder);
  try {
    const rec = session.record;
    // Was the order canceled in D365 before anything shipped? Asked on D365-side triggers and by the monitor.
    const preShipping = rec.packages.length === 0 && !rec.cancelRequestedAt && !isFinal(rec.amazonStatus);
    let canceledInD365 = false;
    if (preShipping && cmd.trigger !== "amazon") {
      const header = cmd.header !== undefined ? cmd.header : await deps.d365.getOrder(rec.company, rec.salesOrderNumber);
      canceledInD365 = !header || header.status === "Canceled";
    }
    // What Amazon says is read when it can be new: on its notifications, when the monitor follows an order
    // Amazon has not finished, and before a cancel. A D365-side trigger otherwise works on the recorded packages
    // (a packing slip D365 posted needs them, not Amazon).
    const recorded =
      rec.status !== "creating" &&
      rec.amazonStatus !== undefined &&
      !canceledInD365 &&
      (cmd.trigger === "d365" ||
        (cmd.trigger === "monitor" && isFinal(rec.amazonStatus) && rec.packages.length > 0 && !deps.amazon.reportsPackageStatus));
    const state = recorded ? recordedState(rec) : await deps.amazon.get(id);
    if (!state) {
      // "creating" without an order at Amazon: the send use case creates it (it owns that step).
      await session.finish({});
      if (rec.status !== "creating") deps.telemetry.log("warn", "mcf.missingAtAmazon", { sellerFulfillmentOrderId: id });
      return { outcome: "missing-at-amazon", sellerFulfillmentOrderId: id };
    }
    const now = deps.clock.now();
    const patch: Partial<McfRecord> = { amazonStatus: state.status };
    let packages = mergePackages(state, rec.packages, rec.lines, deps.carriers);
    const fresh = packages.some((p) => !rec.packages.some((x) => x.amazonShipmentId === p.amazonShipmentId && x.packageId === p.packageId));
    if (cmd.trigger === "monitor" || fresh)
      packages = await followPackages(packages, rec, recorded ? undefined : state, deps, now, cmd.trigger === "monitor");

    // D365 -> Amazon: the order was canceled in D365 before anything shipped.
    let cancelRequested = false;
    if (canceledInD365 && !isFinal(state.status) && packages.length === 0) {
      try {
        await deps.amazon.cancel(id);
        patch.cancelRequestedAt = now.toISOString();
        cancelRequested = true;
        deps.telemetry.event("mcf.cancelRequested", { sellerFulfillmentOrderId: id, salesOrderNumber: rec.salesOrderNumber });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await openReview(deps, {
          id: mcfReviewId(id),
          replay: replayRequest(rec.company, rec.salesOrderNumber, "mcf"),
          reason: "amazon-refused",
          error: new ValidationError(
            "mcf.cancelTooLate",
            `Sales order ${rec.salesOrderNumber} was canceled in D365, but Amazon no longer cancels MCF order ${id} (${err.message}). ` +
              "Amazon will ship it: stop the shipment with the carrier or book the return.",
            { where: "cancelFulfillmentOrder" },
          ),
        });
        patch.reviewOpen = true;
        patch.cancelRequestedAt = now.toISOString();
      }
    }

    if (canceledInD365 && packages.length > 0 && !rec.reviewOpen) {
      await openReview(deps, {
        id: mcfReviewId(id),
        replay: replayRequest(rec.company, rec.salesOrderNumber, "mcf"),
        reason: "amazon-refused",
        error: new ValidationError(
          "mcf.canceledAfterShipping",
          `Sales order ${rec.salesOrderNumber} was canceled in D365 after Amazon shipped MCF order ${id}: book the return, or undo the cancellation.`,
          { where: "SalesOrderHeadersV4.SalesOrderStatus" },
        ),
      });
      patch.reviewOpen = true;
    }

    // Amazon -> D365: shipped packages.
    let written = 0;
    // D365 is read when there is something to bring back: new packages, or (on D365-side triggers and the
    // monitor) packages whose packing slip D365 may have posted since.
    const pending = packages.filter((p) => !p.trackingWritten && p.trackingNumber);
    if (pending.length && (fresh || cmd.trigger !== "amazon")) {
      const result = await writeBack(rec, packages, deps);
      packages = result.packages;
      written = result.written;
      if (result.carrierOnOrder) patch.carrierOnOrder = result.carrierOnOrder;
      if (result.deliverNowWritten) patch.deliverNowWritten = result.deliverNowWritten;
    }
    patch.packages = packages;

    // Amazon could not (fully) fulfil it, or cancelled it.
    const review = await amazonOutcome(rec, state, packages, deps, patch);
    let status: McfRecord["status"] = packages.length ? "shipping" : "sent";
    const delivered = (p: RecordedPackage) =>
      FINAL_TRACKING.includes((p.status ?? "").toUpperCase()) ||
      (p.shippedAt !== undefined && now.getTime() - Date.parse(p.shippedAt) > FOLLOW_DELIVERY_MS);
    const done = isFinal(state.status) && packages.every((p) => (p.trackingWritten || !p.trackingNumber) && delivered(p));
    if (review === "nothing-shipped") status = rec.cancelRequestedAt || patch.cancelRequestedAt ? "cancelled" : "needs-attention";
    else if (done) status = "complete";
    const final = status === "complete" || status === "cancelled" || review === "nothing-shipped";

    const changed =
      rec.amazonStatus !== state.status ||
      JSON.stringify(rec.packages.map((p) => [p.packageId, p.status, p.trackingWritten])) !==
        JSON.stringify(packages.map((p) => [p.packageId, p.status, p.trackingWritten]));
    const monitor = deps.monitor ?? DEFAULT_MONITOR;
    const interval = changed ? monitor.firstCheckMs : Math.min(monitor.maxIntervalMs, (rec.checkIntervalMs ?? monitor.firstCheckMs) * 2);
    // A D365-side trigger that learned nothing new from Amazon leaves the monitor's schedule as it was.
    const keepSchedule = recorded && cmd.trigger === "d365" && !changed && rec.nextCheckAt !== undefined;
    await session.finish({
      ...(patch.reviewOpen || rec.reviewOpen ? {} : { lastError: undefined, lastErrorCode: undefined }),
      ...patch,
      status,
      ...(final
        ? { nextCheckAt: undefined, checkIntervalMs: undefined, ...(status === "complete" ? { completedAt: now.toISOString() } : {}) }
        : keepSchedule
          ? {}
          : { nextCheckAt: new Date(now.getTime() + interval).toISOString(), checkIntervalMs: interval }),
    });
    if (status !== rec.status || state.status !== rec.amazonStatus)
      deps.telemetry.event("mcf.status", { sellerFulfillmentOrderId: id, status, amazonStatus: state.status, packages: packages.length });
    return {
      outcome: "synced",
      sellerFulfillmentOrderId: id,
      status,
      amazonStatus: state.status,
      packages: packages.length,
      trackingWritten: written,
      ...(cancelRequested ? { cancelRequested } : {}),
    };
  } catch (err) {
    await session.fail(err).catch((e) => deps.telemetry.log("warn", "mcf record: could not record the failure", { id, error: String(e) }));
    throw err;
  }
}

/** The order as last recorded (for triggers that need nothing new from Amazon). */
function recordedState(rec: McfRecord): McfOrderState {
  return {
    sellerFulfillmentOrderId: rec.sellerFulfillmentOrderId,
    status: rec.amazonStatus!,
    rawStatus: rec.amazonStatus!,
    items: [],
    shipments: [...new Set(rec.packages.map((p) => p.amazonShipmentId))].map((shipmentId) => {
      const pkgs = rec.packages.filter((p) => p.amazonShipmentId === shipmentId);
      return {
        amazonShipmentId: shipmentId,
        status: "SHIPPED" as const,
        ...(pkgs[0]?.shippedAt ? { shippedAt: pkgs[0].shippedAt } : {}),
        items: [],
        packages: pkgs.map((p) => ({
          packageId: p.packageId,
          ...(p.packageNumber !== undefined ? { packageNumber: p.packageNumber } : {}),
          carrierCode: p.carrierCode,
          ...(p.trackingNumber ? { trackingNumber: p.trackingNumber } : {}),
          ...(p.trackingUrl ? { trackingUrl: p.trackingUrl } : {}),
          ...(p.status ? { status: p.status } : {}),
          ...(p.deliveredAt ? { deliveredAt: p.deliveredAt } : {}),
          items: p.lines.map((l) => {
            const line = rec.lines.find((x) => x.lotId === l.lotId);
            return { lineId: l.lotId, sku: line?.sku ?? l.itemNumber, quantity: l.quantity / (line?.unitsPerAmazonUnit ?? 1) };
          }),
        })),
      };
    }),
  };
}

/** Asks Amazon's tracking for new packages (their page and status) and for packages on their way. */
async function followPackages(
  packages: RecordedPackage[],
  rec: McfRecord,
  /** The order as Amazon just reported it (undefined when the recorded one stands in). */
  state: McfOrderState | undefined,
  deps: McfDeps,
  now: Date,
  /** The monitor asks about every package on its way; other triggers only about packages seen for the first time. */
  all: boolean,
): Promise<RecordedPackage[]> {
  const out: RecordedPackage[] = [];
  for (const p of packages) {
    const before = rec.packages.find((x) => x.amazonShipmentId === p.amazonShipmentId && x.packageId === p.packageId);
    // 2026-07-04 reports each package's status with the order: no tracking call is needed then.
    const current = state?.shipments
      .find((s) => s.amazonShipmentId === p.amazonShipmentId)
      ?.packages.find((x) => x.packageId === p.packageId);
    const moving = !FINAL_TRACKING.includes((p.status ?? "").toUpperCase());
    const fresh = !before;
    const tooOld = p.shippedAt !== undefined && now.getTime() - Date.parse(p.shippedAt) > FOLLOW_DELIVERY_MS;
    const known = current?.status !== undefined && (!fresh || !!p.trackingUrl);
    if (!known && ((fresh && (!p.trackingUrl || !p.status)) || (all && !fresh && moving && !tooOld))) {
      const t = await deps.amazon.tracking({
        packageId: p.packageId,
        packageNumber: p.packageNumber,
        sellerFulfillmentOrderId: rec.sellerFulfillmentOrderId,
      });
      out.push({
        ...p,
        ...(t?.status ? { status: t.status } : {}),
        ...(t?.trackingUrl && !p.trackingUrl ? { trackingUrl: t.trackingUrl } : {}),
        ...(t?.deliveredAt ? { deliveredAt: t.deliveredAt } : {}),
      });
    } else out.push(p);
  }
  return out;
}

async function writeBack(
  rec: McfRecord,
  packages: RecordedPackage[],
  deps: McfDeps,
): Promise<{
  packages: RecordedPackage[];
  written: number;
  carrierOnOrder?: string;
  deliverNowWritten?: { lotId: string; quantity: number }[];
}> {
  const slips = await deps.d365.packingSlips(rec.company, rec.salesOrderNumber);
  const targets = deliverNowTargets(packages, slips);
  // Absolute values: written once per change (D365 clears them when its packing slip job posts them).
  const deliverNowWritten = JSON.stringify(rec.deliverNowWritten ?? []) === JSON.stringify(targets) ? undefined : targets;
  if (deliverNowWritten?.length) await deps.d365.setDeliverNow(rec.company, rec.salesOrderNumber, deliverNowWritten);

  let carrierOnOrder: string | undefined;
  const carrierIds = [...new Set(packages.map((p) => deps.carriers.fromAmazon(p.carrierCode)?.d365ShippingCarrierId).filter(Boolean))];
  if (!rec.carrierOnOrder && carrierIds.length === 1 && targets.length) {
    try {
      await deps.d365.setShippingCarrier(rec.company, rec.salesOrderNumber, carrierIds[0]!);
      carrierOnOrder = carrierIds[0];
    } catch (err) {
      // The carrier on the header is a convenience: the tracking rows still carry each package.
      deps.telemetry.log("warn", "mcf.carrierNotSet", { salesOrderNumber: rec.salesOrderNumber, error: String(err) });
    }
  }

  const plan = trackingRowsToWrite(packages, slips);
  if (plan.rows.length) await deps.d365.addTracking(rec.company, rec.salesOrderNumber, plan.rows);
  const byPkg = new Map(plan.packages.map((x) => [x.pkg, x.slip]));
  const out = packages.map((p) => {
    const slip = byPkg.get(p);
    return slip ? { ...p, packingSlipNumber: slip.packingSlipNumber, trackingWritten: true } : p;
  });
  if (plan.rows.length) deps.telemetry.event("mcf.trackingToD365", { salesOrderNumber: rec.salesOrderNumber, rows: plan.rows.length });
  return {
    packages: out,
    written: plan.rows.length,
    ...(carrierOnOrder ? { carrierOnOrder } : {}),
    ...(deliverNowWritten ? { deliverNowWritten } : {}),
  };
}

/**
 * Amazon cancelled the order, refused it or cannot fulfil it: a review item; with nothing shipped, the D365
 * order's processing is stopped (as configured). Answers "nothing-shipped" when the order ends without any
 * shipment, "partial" for a partial end, undefined otherwise.
 */
async function amazonOutcome(
  rec: McfRecord,
  state: McfOrderState,
  packages: RecordedPackage[],
  deps: McfDeps,
  patch: Partial<McfRecord>,
): Promise<"nothing-shipped" | "partial" | undefined> {
  const bad: McfStatus[] = ["CANCELLED", "UNFULFILLABLE", "INVALID"];
  const unfulfilled = state.items
    .filter((i) => i.unfulfillableQuantity > 0 || i.cancelledQuantity > 0)
    .map((i) => ({ lotId: i.lineId, sku: i.sku, quantity: i.unfulfillableQuantity + i.cancelledQuantity }));
  if (unfulfilled.length) patch.unfulfilled = unfulfilled;
  const endedBadly = bad.includes(state.status);
  const partial = state.status === "COMPLETE_PARTIALLED" || (endedBadly && packages.length > 0);
  const weAskedToCancel = !!(rec.cancelRequestedAt || patch.cancelRequestedAt) && state.status === "CANCELLED";
  if (!endedBadly && !partial) return undefined;
  if (weAskedToCancel && packages.length === 0) return "nothing-shipped";
  if (rec.reviewOpen && rec.amazonStatus === state.status) return packages.length ? "partial" : "nothing-shipped";

  const what = unfulfilled.map((u) => `${u.sku} x ${u.quantity}`).join(", ");
  const stop = packages.length === 0 && ruleFor(deps.rules, rec.company)?.stopOrderWhenAmazonCannotFulfil !== false;
  if (stop && !rec.stoppedInD365) {
    try {
      await deps.d365.stopProcessing(rec.company, rec.salesOrderNumber);
      patch.stoppedInD365 = true;
    } catch (err) {
      deps.telemetry.log("warn", "mcf.stopNotSet", { salesOrderNumber: rec.salesOrderNumber, error: String(err) });
    }
  }
  const message =
    packages.length === 0
      ? `Amazon ended MCF order ${rec.sellerFulfillmentOrderId} (sales order ${rec.salesOrderNumber}) as ${state.status} without shipping anything` +
        `${what ? ` (${what})` : ""}.${stop ? " Its processing is stopped in D365." : ""} Ship it another way or cancel it in D365 (Amazon takes no second order under this id).`
      : `Amazon shipped only part of sales order ${rec.salesOrderNumber} (MCF order ${rec.sellerFulfillmentOrderId}, ${state.status})` +
        `${what ? `: not shipped ${what}` : ""}. Deliver the rest another way or cancel those lines in D365.`;
  await openReview(deps, {
    id: mcfReviewId(rec.sellerFulfillmentOrderId),
    replay: replayRequest(rec.company, rec.salesOrderNumber, "mcf"),
    reason: "amazon-cannot-fulfil",
    error: new ValidationError(packages.length ? "mcf.partial" : "mcf.notFulfilled", message, { where: "getFulfillmentOrder" }),
  });
  patch.reviewOpen = true;
  patch.lastError = message;
  patch.lastErrorCode = packages.length ? "mcf.partial" : "mcf.notFulfilled";
  deps.telemetry.event("mcf.notFulfilled", {
    sellerFulfillmentOrderId: rec.sellerFulfillmentOrderId,
    amazonStatus: state.status,
    shipped: packages.length,
  });
  return packages.length ? "partial" : "nothing-shipped";
}
