/**
 * Use case: send one D365 sales order to Amazon MCF, exactly once.
 *
 * - Only orders mappings/fulfillment.json selects (legal entity, warehouse and/or mode of delivery), once they
 *   are ready (open, confirmed, not stopped); others are "not-eligible" or "waiting".
 * - The sellerFulfillmentOrderId is derived from legal entity + order number (seller-fulfillment-order-id.ts),
 *   so every trigger of the same order uses the same id.
 * - The record goes to "creating" before the create call. A worker that finds "creating" (the previous one
 *   died or timed out after the call) asks Amazon for the id first and never creates twice; an id Amazon
 *   already has (ConflictError spapi.mcfOrderExists) counts as created.
 * - Bad data (no lines, no SKU for an item, a unit that does not convert, no address), a preview that says
 *   Amazon cannot ship it, or Amazon refusing the order stops it before or instead of the create: nothing
 *   partial is sent, a review item says why and how to fix it, and the order waits for a replay instead of
 *   being tried again and again.
 * - A lease on the record keeps a business event, the timer and an HTTP call for the same order from
 *   working on it at once.
 */
import type { Carriers } from "../../mapping/carriers";
import type { FulfillmentFile, McfLegalEntity } from "../../mapping/fulfillment";
import type { SkuMapping } from "../../mapping/sku-crossref";
import type { Clock } from "../../platform/clock";
import { type AppError, ConflictError, MappingGapError, ValidationError } from "../../platform/errors";
import type { Telemetry } from "../../platform/telemetry";
import type { McfRecord, McfRecordStatus, McfRecords, McfSession } from "./mcf-records";
import { readiness, selectsOrder, toMcfRequest } from "./mcf-request";
import type { SalesOrderHeader } from "./model";
import type { AmazonMcf, D365Fulfillment } from "./ports";
import { replayRequest } from "./requests";
import { closeReview, mcfReviewId, openReview, type ReviewDeps } from "./review";
import { sellerFulfillmentOrderIdFor } from "./seller-fulfillment-order-id";

export interface McfDeps extends ReviewDeps {
  amazon: AmazonMcf;
  d365: D365Fulfillment;
  records: McfRecords;
  rules: FulfillmentFile;
  skus: { unmappedSku: "fail" | "identity"; items: SkuMapping[] };
  carriers: Carriers;
  clock: Clock;
  telemetry: Telemetry;
  /** How long one worker holds an order (default 2 minutes: a preview and a create may wait on the quota). */
  leaseMs?: number;
  /** The monitor's first look after a change, and the longest wait between looks (default 5 minutes, 6 hours). */
  monitor?: { firstCheckMs: number; maxIntervalMs: number };
}

export type McfOutcome =
  | { outcome: "not-eligible"; reason: string; sellerFulfillmentOrderId?: string }
  | { outcome: "waiting"; reason: string; sellerFulfillmentOrderId: string }
  | { outcome: "needs-attention"; reason: string; code: string; sellerFulfillmentOrderId: string }
  | { outcome: "sent" | "recovered" | "already-sent"; sellerFulfillmentOrderId: string };

/** Statuses in which Amazon has (or may have) the order: the follow-up takes over. */
export const WITH_AMAZON: readonly McfRecordStatus[] = ["creating", "sent", "shipping", "complete", "cancelled"];

export const DEFAULT_MONITOR = { firstCheckMs: 5 * 60_000, maxIntervalMs: 6 * 3600_000 };
const DEFAULT_LEASE_MS = 120_000;

export function ruleFor(rules: FulfillmentFile, company: string): McfLegalEntity | undefined {
  return rules.mcf.legalEntities.find((e) => e.dataAreaId.toLowerCase() === company.toLowerCase());
}

export function mcfIdFor(rules: FulfillmentFile, company: string, salesOrderNumber: string): string {
  return sellerFulfillmentOrderIdFor(company, salesOrderNumber, rules.mcf.sellerFulfillmentOrderIdPrefix);
}

export interface SendCommand {
  company: string;
  salesOrderNumber: string;
  /** Look again although a person was asked to act (a replay after the fix). */
  force?: boolean;
  /** The delivery's message id (a redelivery takes over the lease of a worker that died). */
  holder?: string;
}

export async function sendToMcf(cmd: SendCommand, header: SalesOrderHeader | undefined, deps: McfDeps): Promise<McfOutcome> {
  const known = await deps.records.getByOrder(cmd.company, cmd.salesOrderNumber);
  const id = known?.sellerFulfillmentOrderId ?? mcfIdFor(deps.rules, cmd.company, cmd.salesOrderNumber);
  if (known && WITH_AMAZON.includes(known.status) && known.status !== "creating")
    return { outcome: "already-sent", sellerFulfillmentOrderId: id };

  const rule = header ? ruleFor(deps.rules, header.company) : undefined;
  const eligibility = !header
    ? `sales order ${cmd.salesOrderNumber} does not exist in ${cmd.company}`
    : !rule
      ? `mappings/fulfillment.json has no MCF entry for legal entity ${header.company}`
      : !selectsOrder(rule, header)
        ? `neither the warehouse (${header.warehouseId ?? "none"}) nor the mode of delivery (${header.deliveryModeCode ?? "none"}) of the order is one mappings/fulfillment.json sends to MCF`
        : !deps.rules.mcf.enabled
          ? "MCF is switched off in mappings/fulfillment.json (mcf.enabled)"
          : undefined;
  if (eligibility && known?.status !== "creating") {
    // Only orders someone asked about over HTTP (or met before) get a record saying so.
    if (known && (known.status === "queued" || known.status === "waiting")) {
      const s = await deps.records.begin(id, cmd, deps.leaseMs ?? DEFAULT_LEASE_MS, cmd.holder);
      await s.finish({ status: "not-eligible", lastError: eligibility });
    }
    return { outcome: "not-eligible", reason: eligibility, sellerFulfillmentOrderId: known ? id : undefined };
  }
  if (known?.status === "needs-attention" && !cmd.force)
    return {
      outcome: "needs-attention",
      reason: known.lastError ?? "a person must act first",
      code: known.lastErrorCode ?? "",
      sellerFulfillmentOrderId: id,
    };

  const session = await deps.records.begin(id, cmd, deps.leaseMs ?? DEFAULT_LEASE_MS, cmd.holder, "waiting");
  try {
    return await send(header && rule && !eligibility ? { header, rule } : { reason: eligibility ?? "not an MCF order" }, id, session, deps);
  } catch (err) {
    await session.fail(err).catch((e) => deps.telemetry.log("warn", "mcf record: could not record the failure", { id, error: String(e) }));
    throw err;
  }
}

async function send(
  order: { header: SalesOrderHeader; rule: McfLegalEntity } | { reason: string },
  id: string,
  session: McfSession,
  deps: McfDeps,
): Promise<McfOutcome> {
  const rec = session.record;
  const now = deps.clock.now();
  const monitor = deps.monitor ?? DEFAULT_MONITOR;
  if (WITH_AMAZON.includes(rec.status) && rec.status !== "creating") {
    await session.finish({});
    return { outcome: "already-sent", sellerFulfillmentOrderId: id };
  }
  if (rec.status === "creating") {
    // The last attempt made (or may have made) the create call: Amazon's answer decides, never a second create.
    const found = await deps.amazon.get(id);
    if (found) {
      // Its status and shipments are the follow-up's to read (the monitor looks at once).
      await sent(session, deps, { sentAt: rec.sentAt ?? now.toISOString(), amazonStatus: undefined }, { firstCheckMs: 0 });
      deps.telemetry.event("mcf.recovered", { sellerFulfillmentOrderId: id, salesOrderNumber: rec.salesOrderNumber });
      return { outcome: "recovered", sellerFulfillmentOrderId: id };
    }
  }
  if ("reason" in order) {
    await session.finish({ status: "not-eligible", lastError: order.reason });
    return { outcome: "not-eligible", reason: order.reason, sellerFulfillmentOrderId: id };
  }
  const { header, rule } = order;
  const ready = readiness(rule, header);
  if (!ready.ready) {
    await session.finish({ status: "waiting", lastError: ready.reason });
    return { outcome: "waiting", reason: ready.reason, sellerFulfillmentOrderId: id };
  }

  const lines = await deps.d365.getLines(header.company, header.salesOrderNumber);
  let built: ReturnType<typeof toMcfRequest>;
  try {
    built = toMcfRequest(header, lines, rule, deps.skus, id, now);
  } catch (err) {
    if (err instanceof MappingGapError) return needsAttention(session, deps, err, "mapping-gap");
    if (err instanceof ValidationError) return needsAttention(session, deps, err, "validation");
    throw err;
  }
  if (rule.preview) {
    let preview: Awaited<ReturnType<AmazonMcf["preview"]>>;
    try {
      preview = await deps.amazon.preview(built.request, built.request.shippingSpeed);
    } catch (err) {
      if (err instanceof ValidationError) return needsAttention(session, deps, amazonRefused(rec.salesOrderNumber, err), "amazon-refused");
      throw err;
    }
    if (!preview.fulfillable) {
      const reasons = [
        ...preview.orderUnfulfillableReasons,
        ...preview.unfulfillableItems.map((i) => `${i.sku} x ${i.quantity}: ${i.reasons.join(", ") || "unfulfillable"}`),
      ];
      const err = new ValidationError(
        "mcf.previewUnfulfillable",
        `Amazon cannot fulfil sales order ${rec.salesOrderNumber} (${built.request.shippingSpeed}): ${reasons.join("; ") || "no reason given"}. ` +
          "Correct the address or the lines in D365 (or wait for FBA stock), then replay the order.",
        { where: "getFulfillmentPreview", details: { salesOrderNumber: rec.salesOrderNumber, reasons } },
      );
      return needsAttention(session, deps, err, "amazon-cannot-fulfil");
    }
  }
  await session.update({
    status: "creating",
    lines: built.lines,
    marketplaceId: rule.marketplaceId,
    lastError: undefined,
    lastErrorCode: undefined,
  });
  try {
    await deps.amazon.create(built.request);
  } catch (err) {
    if (err instanceof ConflictError && err.code === "spapi.mcfOrderExists") {
      deps.telemetry.log("info", "mcf.createdBefore", { sellerFulfillmentOrderId: id });
    } else if (err instanceof ValidationError) {
      return needsAttention(session, deps, amazonRefused(rec.salesOrderNumber, err), "amazon-refused");
    } else throw err;
  }
  await sent(session, deps, { sentAt: now.toISOString(), amazonStatus: "RECEIVED" }, monitor);
  deps.telemetry.event("mcf.sent", {
    sellerFulfillmentOrderId: id,
    company: rec.company,
    salesOrderNumber: rec.salesOrderNumber,
    items: built.request.items.length,
    shippingSpeed: built.request.shippingSpeed,
  });
  return { outcome: "sent", sellerFulfillmentOrderId: id };
}

async function sent(session: McfSession, deps: McfDeps, patch: Partial<McfRecord>, monitor: { firstCheckMs: number }): Promise<void> {
  const wasReviewed = session.record.reviewOpen;
  await session.finish({
    ...patch,
    status: "sent",
    lastError: undefined,
    lastErrorCode: undefined,
    reviewOpen: false,
    nextCheckAt: new Date(deps.clock.now().getTime() + monitor.firstCheckMs).toISOString(),
    checkIntervalMs: monitor.firstCheckMs,
  });
  if (wasReviewed) await closeReview(deps, mcfReviewId(session.record.sellerFulfillmentOrderId));
}

function amazonRefused(salesOrderNumber: string, err: ValidationError): ValidationError {
  return new ValidationError(
    "mcf.refused",
    `Amazon refused sales order ${salesOrderNumber}: ${err.message}. Correct the order in D365 (address, items), then replay it.`,
    { where: err.where ?? "createFulfillmentOrder", details: { salesOrderNumber, amazon: err.details } },
  );
}

async function needsAttention(
  session: McfSession,
  deps: McfDeps,
  err: AppError,
  reason: "validation" | "mapping-gap" | "amazon-refused" | "amazon-cannot-fulfil",
): Promise<McfOutcome> {
  const r = session.record;
  await openReview(deps, {
    id: mcfReviewId(r.sellerFulfillmentOrderId),
    replay: replayRequest(r.company, r.salesOrderNumber, "mcf"),
    reason,
    error: err,
  });
  await session.finish({ status: "needs-attention", lastError: err.message, lastErrorCode: err.code, reviewOpen: true });
  return { outcome: "needs-attention", reason: err.message, code: err.code, sellerFulfillmentOrderId: r.sellerFulfillmentOrderId };
}
