/**
 * Use case: confirm to Amazon the packages D365 shipped for an Amazon order the seller fulfils itself (FBM),
 * exactly once per package.
 *
 * - An FBM Amazon order is a sales order the orders flow imported: CustomersOrderReference is the Amazon
 *   order id, the customer is a marketplace's customer in mappings/marketplaces.json, and its origin (or
 *   warehouse) is that marketplace's MFN one. FBA orders are Amazon's to ship: nothing to confirm.
 * - One posted D365 packing slip is one package: its lines give the Amazon order items (OrderLineReference =
 *   OrderItemId) and quantities (D365 units / unitsPerAmazonUnit of the line's SellerSKU), its carrier
 *   (packing slip or order: shipping carrier, else mode of delivery) goes through mappings/carriers.json,
 *   its first tracking number and delivery date go as tracking number and ship date. Partial shipments are
 *   several packing slips, several packages.
 * - The ledger keys each package by Amazon order id + packing slip and keeps its packageReferenceId; Amazon's
 *   "already confirmed" answer counts as done, so a retry after a timeout is harmless.
 * - A carrier without mapping, a packing slip without tracking number, a quantity that is not whole Amazon
 *   units, or Amazon refusing the package: that package waits for a person (a review item), nothing partial
 *   is sent, the other packages go on.
 */
import type { Carriers } from "../../mapping/carriers";
import type { MarketplaceMapping } from "../../mapping/marketplaces";
import type { SkuMapping } from "../../mapping/sku-crossref";
import type { Clock } from "../../platform/clock";
import { type AppError, MappingGapError, ValidationError } from "../../platform/errors";
import type { Telemetry } from "../../platform/telemetry";
import type { PackingSlip, SalesOrderHeader, SalesOrderLine, ShipmentConfirmation } from "./model";
import type { AmazonShipmentConfirmations, D365Fulfillment } from "./ports";
import { replayRequest } from "./requests";
import { closeReview, fbmReviewId, openReview, type ReviewDeps } from "./review";
import { DONE_PACKAGE, type ShipmentEntry, type ShipmentLedger } from "./shipment-ledger";

export interface ShipmentDeps extends ReviewDeps {
  shipments: AmazonShipmentConfirmations;
  d365: D365Fulfillment;
  ledger: ShipmentLedger;
  marketplaces: readonly MarketplaceMapping[];
  skus: { unmappedSku: "fail" | "identity"; items: SkuMapping[] };
  carriers: Carriers;
  clock: Clock;
  telemetry: Telemetry;
  leaseMs?: number;
}

export type ShipmentsOutcome =
  | { outcome: "not-amazon" | "fba-order" | "nothing-posted"; reason: string }
  | {
      outcome: "done";
      amazonOrderId: string;
      packages: { packingSlipNumber: string; status: ShipmentEntry["status"]; packageReferenceId?: string }[];
    };

const AMAZON_ORDER_ID = /^\d{3}-\d{7}-\d{7}$/;
const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** The Amazon order behind a D365 order, or why it is none (or an FBA one). */
export function amazonOrderOf(
  header: SalesOrderHeader,
  marketplaces: readonly MarketplaceMapping[],
): { amazonOrderId: string; marketplace: MarketplaceMapping } | { outcome: "not-amazon" | "fba-order"; reason: string } {
  const ref = header.customersOrderReference?.trim() ?? "";
  if (!AMAZON_ORDER_ID.test(ref)) return { outcome: "not-amazon", reason: "its customer reference is no Amazon order id" };
  const marketplace = marketplaces.find((m) => same(m.dataAreaId, header.company) && same(m.customerAccount, header.customerAccount));
  if (!marketplace) return { outcome: "not-amazon", reason: `customer ${header.customerAccount ?? "(none)"} is no marketplace's customer` };
  const mfn = marketplace.fulfillment.MFN;
  const afn = marketplace.fulfillment.AFN;
  const originOf = (t: typeof mfn) => t.salesOriginCode ?? marketplace.salesOriginCode;
  const isAfn =
    (originOf(afn) && same(header.originCode, originOf(afn))) || (!header.originCode && same(header.warehouseId, afn.warehouseId));
  const isMfn = (originOf(mfn) && same(header.originCode, originOf(mfn))) || same(header.warehouseId, mfn.warehouseId);
  if (isAfn && !isMfn) return { outcome: "fba-order", reason: "Amazon ships FBA orders itself" };
  return { amazonOrderId: ref, marketplace };
}

function unitsOf(sku: string | undefined, marketplaceId: string, skus: ShipmentDeps["skus"]): number {
  if (!sku) return 1;
  const list = skus.items.filter((s) => s.sellerSku === sku);
  const hit = list.find((s) => s.marketplaceIds?.includes(marketplaceId)) ?? list.find((s) => !s.marketplaceIds);
  return hit?.unitsPerAmazonUnit ?? 1;
}

/** The package for one packing slip, or the problems that stop it (nothing is sent then). */
export function packageOf(
  slip: PackingSlip,
  header: SalesOrderHeader,
  lines: SalesOrderLine[],
  marketplaceId: string,
  deps: Pick<ShipmentDeps, "carriers" | "skus">,
): { items: ShipmentConfirmation["items"]; confirmation?: Omit<ShipmentConfirmation, "packageReferenceId">; error?: AppError } {
  const items = new Map<string, number>();
  const problems: string[] = [];
  for (const l of slip.lines) {
    const line = lines.find((x) => x.lotId === l.lotId);
    const orderItemId = line?.orderLineReference?.trim();
    // Lines the orders flow added for shipping or gift wrap carry no Amazon order item.
    if (!orderItemId || !/^\d+$/.test(orderItemId)) continue;
    const factor = unitsOf(line?.externalItemNumber, marketplaceId, deps.skus);
    const q = l.quantity / factor;
    if (!Number.isInteger(q) || q < 1) {
      problems.push(
        `${l.quantity} of ${l.itemNumber} on packing slip ${slip.packingSlipNumber} is not a whole number of Amazon units (${factor} each)`,
      );
      continue;
    }
    items.set(orderItemId, (items.get(orderItemId) ?? 0) + q);
  }
  const list = [...items].map(([orderItemId, quantity]) => ({ orderItemId, quantity }));
  if (list.length === 0 && problems.length === 0) return { items: [] };
  const so = header.salesOrderNumber;
  if (problems.length)
    return {
      items: list,
      error: new ValidationError("fbm.quantity", `Sales order ${so}: ${problems.join("; ")}.`, { where: "CustPackingSlipTrans.Qty" }),
    };
  const carrierId = slip.shipCarrierId || header.shippingCarrierId;
  const mode = slip.deliveryModeCode || header.deliveryModeCode;
  const carrier = deps.carriers.toAmazon(carrierId, mode);
  if (!carrier) {
    return {
      items: list,
      error: new MappingGapError(
        "mapping.carrier",
        `Sales order ${so}, packing slip ${slip.packingSlipNumber}: ${carrierId ? `shipping carrier ${carrierId}` : mode ? `mode of delivery ${mode}` : "no carrier or mode of delivery"} ` +
          "has no Amazon carrier in mappings/carriers.json. Add it (toAmazon), then replay the shipment.",
        {
          where: "carriers.json $.toAmazon",
          details: { salesOrderNumber: so, packingSlipNumber: slip.packingSlipNumber, shippingCarrierId: carrierId, modeOfDelivery: mode },
          suggestion: {
            file: "carriers.json",
            add: {
              ...(carrierId ? { shippingCarrierId: carrierId } : { modeOfDelivery: mode ?? "<mode of delivery>" }),
              carrierCode: "<Amazon carrier code, or Other>",
            },
          },
        },
      ),
    };
  }
  const tracking = slip.tracking.find((t) => t.trackingNumber.trim())?.trackingNumber.trim();
  if (!tracking) {
    return {
      items: list,
      error: new ValidationError(
        "fbm.noTracking",
        `Sales order ${so}: packing slip ${slip.packingSlipNumber} has no tracking number (PackingSlipTrackingInformation). Add it in D365, then replay the shipment.`,
        { where: "PackingSlipTrackingInformation", details: { salesOrderNumber: so, packingSlipNumber: slip.packingSlipNumber } },
      ),
    };
  }
  return {
    items: list,
    confirmation: {
      marketplaceId,
      carrierCode: carrier.carrierCode,
      ...(carrier.carrierName ? { carrierName: carrier.carrierName } : {}),
      ...(carrier.shippingMethod ? { shippingMethod: carrier.shippingMethod } : {}),
      trackingNumber: tracking,
      shipDate: slip.deliveryDate,
      items: list,
    },
  };
}

export interface ConfirmCommand {
  company: string;
  salesOrderNumber: string;
  force?: boolean;
  holder?: string;
}

export async function confirmShipments(cmd: ConfirmCommand, header: SalesOrderHeader, deps: ShipmentDeps): Promise<ShipmentsOutcome> {
  const order = amazonOrderOf(header, deps.marketplaces);
  if ("outcome" in order) return order;
  const { amazonOrderId, marketplace } = order;
  const slips = await deps.d365.packingSlips(header.company, header.salesOrderNumber);
  if (slips.length === 0) return { outcome: "nothing-posted", reason: "no packing slip is posted for the order" };
  const known = await deps.ledger.entries(amazonOrderId);
  const isPending = (s: PackingSlip) => {
    const e = known.find((k) => same(k.packingSlipNumber, s.packingSlipNumber));
    return !e || (!DONE_PACKAGE.includes(e.status) && (e.status !== "needs-attention" || cmd.force === true));
  };
  const summary = () =>
    slips.map((s) => {
      const e = known.find((k) => same(k.packingSlipNumber, s.packingSlipNumber));
      return {
        packingSlipNumber: s.packingSlipNumber,
        status: e?.status ?? "confirming",
        ...(e?.packageReferenceId ? { packageReferenceId: e.packageReferenceId } : {}),
      };
    });
  if (!slips.some(isPending)) return { outcome: "done", amazonOrderId, packages: summary() };

  const release = await deps.ledger.lease(amazonOrderId, header, deps.leaseMs ?? 120_000, cmd.holder);
  try {
    const lines = await deps.d365.getLines(header.company, header.salesOrderNumber);
    for (const slip of slips.filter(isPending)) {
      const entry = await confirmOne(amazonOrderId, marketplace.marketplaceId, slip, header, lines, cmd, deps);
      const i = known.findIndex((k) => same(k.packingSlipNumber, slip.packingSlipNumber));
      if (i >= 0) known[i] = entry;
      else known.push(entry);
    }
  } finally {
    await release();
  }
  return { outcome: "done", amazonOrderId, packages: summary() };
}

async function confirmOne(
  amazonOrderId: string,
  marketplaceId: string,
  slip: PackingSlip,
  header: SalesOrderHeader,
  lines: SalesOrderLine[],
  cmd: ConfirmCommand,
  deps: ShipmentDeps,
): Promise<ShipmentEntry> {
  const base = {
    amazonOrderId,
    company: header.company,
    salesOrderNumber: header.salesOrderNumber,
    packingSlipNumber: slip.packingSlipNumber,
  };
  const prev = await deps.ledger.get(amazonOrderId, slip.packingSlipNumber);
  if (prev && (DONE_PACKAGE.includes(prev.status) || (prev.status === "needs-attention" && !cmd.force))) return prev;
  const attempts = (prev?.attempts ?? 0) + 1;
  const built = packageOf(slip, header, lines, marketplaceId, deps);
  const reviewId = fbmReviewId(amazonOrderId, slip.packingSlipNumber);
  const park = async (error: AppError, reason: "validation" | "mapping-gap" | "amazon-refused") => {
    await openReview(deps, { id: reviewId, replay: replayRequest(header.company, header.salesOrderNumber, "shipments"), reason, error });
    return deps.ledger.save({
      ...base,
      ...prev,
      status: "needs-attention",
      attempts,
      items: built.items,
      lastError: error.message,
      lastErrorCode: error.code,
    });
  };
  if (built.error) return park(built.error, built.error instanceof MappingGapError ? "mapping-gap" : "validation");
  if (!built.confirmation) return deps.ledger.save({ ...base, status: "nothing-to-confirm", attempts, items: [] });

  const packageReferenceId = await deps.ledger.reference(amazonOrderId, slip.packingSlipNumber);
  const confirmation: ShipmentConfirmation = { ...built.confirmation, packageReferenceId };
  const sent = {
    ...base,
    packageReferenceId,
    carrierCode: confirmation.carrierCode,
    ...(confirmation.carrierName ? { carrierName: confirmation.carrierName } : {}),
    ...(confirmation.shippingMethod ? { shippingMethod: confirmation.shippingMethod } : {}),
    trackingNumber: confirmation.trackingNumber,
    shipDate: confirmation.shipDate,
    items: confirmation.items,
    attempts,
  };
  await deps.ledger.save({ ...sent, status: "confirming" });
  let answer: "confirmed" | "already-confirmed";
  try {
    answer = await deps.shipments.confirm(amazonOrderId, confirmation);
  } catch (err) {
    if (err instanceof ValidationError) {
      const refused = new ValidationError(
        "fbm.refused",
        `Amazon refused package ${packageReferenceId} of order ${amazonOrderId} (packing slip ${slip.packingSlipNumber}): ${err.message}`,
        { where: err.where ?? "confirmShipment", details: { amazon: err.details } },
      );
      await openReview(deps, {
        id: reviewId,
        replay: replayRequest(header.company, header.salesOrderNumber, "shipments"),
        reason: "amazon-refused",
        error: refused,
      });
      return deps.ledger.save({ ...sent, status: "needs-attention", lastError: refused.message, lastErrorCode: refused.code });
    }
    throw err;
  }
  const done = await deps.ledger.save({ ...sent, status: answer, confirmedAt: deps.clock.now().toISOString() });
  if (prev?.status === "needs-attention") await closeReview(deps, reviewId);
  deps.telemetry.event("fbm.confirmed", {
    amazonOrderId,
    salesOrderNumber: header.salesOrderNumber,
    packingSlipNumber: slip.packingSlipNumber,
    packageReferenceId,
    carrierCode: confirmation.carrierCode,
    answer,
  });
  return done;
}
