/**
 * Use case: one Amazon return becomes one D365 return order (RMA), exactly once.
 *
 * The message names the return; what it is comes from the return record the sync wrote, so duplicate, late
 * and replayed messages are harmless:
 * - an imported return is not touched again (no D365 call at all);
 * - a lease on the record keeps two workers off the same return;
 * - the return order is found again by CustomersOrderReference (the Amazon order id) and
 *   CustomerRequisitionNumber (the Amazon return) whenever a previous attempt may have created it, so a crash
 *   between the header and its lines never gives a second return order: the next attempt adds the lines;
 * - lines are keyed by item and Amazon SKU, so a retry creates only what is missing.
 * The sales order comes first: without it there is nothing to return against. While the orders flow may still
 * import it, the message comes back later (a scheduled message); after ORDER_WAIT it is parked for a person
 * with the Amazon order id and what to do. Unknown reasons, dispositions or SKUs stop before anything is
 * written, as *needs mapping* with the entries to add; the replay after the fix imports the return.
 */
import { z } from "zod";
import { MappingGapError, NotFoundError } from "../../platform/errors";
import { listParked, removeParked } from "../../platform/parked-messages";
import { shortHash } from "./model";
import type { D365ReturnOrders, ImportReturnDeps, ReturnOrderRef, SalesOrderForReturn } from "./ports";
import { ReturnStore, type ReturnRecord } from "./records";
import { toReturnOrder } from "./transform";

export const ReturnImportMessage = z
  .object({
    amazonOrderId: z.string().min(1).max(64),
    key: z.string().min(1).max(300),
    /** Where the message came from (sync, wait, replay): for logs only. */
    source: z.string().max(40).optional(),
  })
  .strict();
export type ReturnImportMessage = z.infer<typeof ReturnImportMessage>;

/** The message id of a return's import: stable, so parked records and duplicates line up. */
export function returnMessageId(key: string): string {
  return `return-${shortHash(key, 32)}`;
}

export type ReturnImportOutcome = "created" | "completed" | "unchanged" | "waiting-for-order";

export interface ReturnImportResult {
  outcome: ReturnImportOutcome;
  key: string;
  returnOrderNumber?: string;
  linesCreated: number;
}

const DEFAULT_LEASE_MS = 60_000;
const MINUTE = 60_000;

export async function importReturn(cmd: ReturnImportMessage & { holder?: string }, deps: ImportReturnDeps): Promise<ReturnImportResult> {
  const store = new ReturnStore(deps.state, () => deps.clock.now());
  const known = await store.get(cmd.amazonOrderId, cmd.key);
  if (known?.status === "imported") {
    return { outcome: "unchanged", key: cmd.key, returnOrderNumber: known.returnOrderNumber, linesCreated: 0 };
  }
  const session = await store.begin(cmd.amazonOrderId, cmd.key, deps.leaseMs ?? DEFAULT_LEASE_MS, cmd.holder);
  const record = session.record;
  try {
    const companies = companiesFor(record, deps);
    const so = await findSalesOrder(deps.d365, record, companies);
    if (!so) return await orderMissing(record, session, deps);

    const draft = toReturnOrder(record, so, deps.mappings, deps.returnMappings());
    let ro: ReturnOrderRef | undefined = record.returnOrderNumber
      ? { dataAreaId: record.dataAreaId ?? so.dataAreaId, returnOrderNumber: record.returnOrderNumber, rmaNumber: record.rmaNumber }
      : undefined;
    // Only an earlier attempt can have created the return order (and died before recording it): look then.
    const mayExist = !ro && (record.attempts > 1 || record.status === "header-created");
    if (mayExist) {
      const h = draft.header;
      ro = await deps.d365.findReturnOrder(so.dataAreaId, h.CustomersOrderReference, h.CustomerRequisitionNumber);
    }
    const base: Partial<ReturnRecord> = {
      dataAreaId: so.dataAreaId,
      salesOrderNumber: so.salesOrderNumber,
      customerAccount: so.customerAccount,
      reasonCode: draft.header.CustomerReturnReasonCode,
      warehouseId: draft.header.DefaultReturnWarehouseId,
      ...(draft.marketplaceId ? { marketplaceId: draft.marketplaceId } : {}),
      orderMissingSince: undefined,
      nextAttemptAt: undefined,
      review: undefined,
    };
    let created = false;
    if (!ro) {
      ro = await deps.d365.createReturnOrder(draft.header);
      created = true;
      await session.update({ ...base, status: "header-created", returnOrderNumber: ro.returnOrderNumber, rmaNumber: ro.rmaNumber });
    }
    const existing = created ? [] : await deps.d365.returnOrderLines(ro.dataAreaId, ro.returnOrderNumber);
    const missing = draft.lines.filter(
      (l) =>
        !existing.some(
          (e) =>
            e.itemNumber.toLowerCase() === l.ItemNumber.toLowerCase() &&
            (e.externalItemNumber ?? l.ExternalItemNumber) === l.ExternalItemNumber,
        ),
    );
    const made = missing.length ? await deps.d365.createReturnLines(ro.dataAreaId, ro.returnOrderNumber, missing) : [];
    const lots = [...existing, ...made];
    const lines = draft.recordLines.map((l) => {
      const lot = lots.find((e) => e.itemNumber.toLowerCase() === l.itemNumber.toLowerCase() && (e.externalItemNumber ?? l.sku) === l.sku);
      return lot ? { ...l, inventoryLotId: lot.inventoryLotId } : l;
    });
    const hadReview = record.review !== undefined;
    await session.finish({ ...base, status: "imported", returnOrderNumber: ro.returnOrderNumber, rmaNumber: ro.rmaNumber, lines });
    if (hadReview) await clearReview(deps, cmd.key);
    const outcome: ReturnImportOutcome = created ? "created" : "completed";
    deps.log.event("return.imported", {
      returnKey: cmd.key,
      outcome,
      returnOrderNumber: ro.returnOrderNumber,
      linesCreated: made.length,
      source: cmd.source,
    });
    return { outcome, key: cmd.key, returnOrderNumber: ro.returnOrderNumber, linesCreated: made.length };
  } catch (err) {
    const review =
      err instanceof MappingGapError
        ? {
            review: {
              reason: "needs-mapping",
              description: err.message,
              ...(err.suggestion !== undefined ? { suggestion: err.suggestion } : {}),
            },
          }
        : err instanceof NotFoundError && err.code === "returns.noSalesOrder"
          ? { status: "needs-order" as const, review: { reason: "needs-order", description: err.message } }
          : {};
    await session
      .fail(err, review)
      .catch((e) => deps.log.log("warn", "returns: could not record the failure", { returnKey: cmd.key, error: String(e) }));
    if (err instanceof MappingGapError)
      deps.log.event("return.needsMapping", { returnKey: cmd.key, code: err.code, suggestion: err.suggestion });
    throw err;
  }
}

/** The companies to look in: the report marketplace's first, then every other company the marketplaces use. */
function companiesFor(record: ReturnRecord, deps: ImportReturnDeps): string[] {
  const hint = record.dataAreaId ?? (record.marketplaceId ? deps.mappings.marketplace(record.marketplaceId)?.dataAreaId : undefined);
  const all = deps.mappings.marketplacesFile.marketplaces.map((m) => m.dataAreaId.toLowerCase());
  return [...new Set([...(hint ? [hint.toLowerCase()] : []), ...all])];
}

function findSalesOrder(d365: D365ReturnOrders, record: ReturnRecord, companies: string[]): Promise<SalesOrderForReturn | undefined> {
  return record.channel === "MCF"
    ? d365.findMcfSalesOrder(companies, record.amazonOrderId)
    : d365.findSalesOrder(companies, record.amazonOrderId);
}

/**
 * No sales order in D365 (yet). Within the wait the message comes back later (a scheduled message: Service
 * Bus redelivers an abandoned message at once, so a retry that must wait is sent again for later), the
 * delays doubling from 5 s up to 15 minutes; after the wait the return is parked for a person.
 */
async function orderMissing(
  record: ReturnRecord,
  session: Awaited<ReturnType<ReturnStore["begin"]>>,
  deps: ImportReturnDeps,
): Promise<ReturnImportResult> {
  const now = deps.clock.now();
  const since = record.orderMissingSince ? Date.parse(record.orderMissingSince) : now.getTime();
  const waited = now.getTime() - since;
  if (waited < deps.orderWaitMinutes * MINUTE) {
    const delay = Math.min(15 * MINUTE, Math.max(5_000, waited), deps.orderWaitMinutes * MINUTE - waited + 1_000);
    const at = new Date(now.getTime() + delay);
    await deps.bus.send(deps.queue, {
      messageId: `${returnMessageId(record.key)}-wait-${at.getTime()}`,
      body: { amazonOrderId: record.amazonOrderId, key: record.key, source: "wait-for-order" } satisfies ReturnImportMessage,
      scheduledEnqueueTime: at,
    });
    await session.finish({
      status: "waiting-for-order",
      orderMissingSince: new Date(since).toISOString(),
      nextAttemptAt: at.toISOString(),
    });
    deps.log.event("return.waitingForOrder", { returnKey: record.key, amazonOrderId: record.amazonOrderId, retryAt: at.toISOString() });
    return { outcome: "waiting-for-order", key: record.key, linesCreated: 0 };
  }
  const what =
    record.channel === "MCF"
      ? `D365 has no sales order for MCF order ${record.amazonOrderId} (CustomerRequisitionNumber or SalesOrderNumber)`
      : `D365 has no sales order with CustomersOrderReference ${record.amazonOrderId}`;
  throw new NotFoundError(
    "returns.noSalesOrder",
    `Return ${record.key}: ${what}. If the orders flow parked the order, fix that first; if the order predates the app, ` +
      `import it (POST /api/orders/${record.amazonOrderId}/sync) or set CustomersOrderReference = ${record.amazonOrderId} ` +
      "on the sales order keyed by hand; then replay this return.",
    { where: "SalesOrderHeadersV4.CustomersOrderReference", details: { amazonOrderId: record.amazonOrderId, returnKey: record.key } },
  );
}

/** A return that is done no longer needs a person: its parked messages (the original and its replays) go. */
async function clearReview(deps: ImportReturnDeps, key: string): Promise<void> {
  const prefix = returnMessageId(key);
  for (const p of await listParked(deps.state, { queue: deps.queue })) {
    if (p.messageId.startsWith(prefix)) await removeParked(deps.state, deps.queue, p.messageId);
  }
}
