/**
 * Use case: import one Amazon order into D365, exactly once.
 *
 * The command is only a trigger: the order's current state is always read from Amazon, so duplicate,
 * late or out-of-order messages are harmless. Idempotent and resumable:
 * - the ledger short-cuts orders already complete at the same (or a newer) Amazon update: no call at all;
 * - before creating, the order is looked up in D365 by CustomersOrderReference = AmazonOrderId, so a
 *   crash after the header was created never creates a second header;
 * - lines carry deterministic keys (OrderLineReference = OrderItemId, CustomersLineNumber), so a retry
 *   creates only the lines that are missing;
 * - a lease in the ledger keeps two workers off the same order.
 * Status rules come from mappings/order-statuses.json (Pending waits; Canceled cancels an open order and
 * flags one that shipped). Unmappable data throws MappingGapError before anything is written to D365.
 */
import type { Clock } from "../../platform/clock";
import { MappingGapError } from "../../platform/errors";
import type { Telemetry } from "../../platform/telemetry";
import type { Mappings } from "../../mapping/mappings";
import type { AmazonOrder } from "./amazon-order";
import type { LedgerSession, LedgerStatus, OrderLedger } from "./ledger";
import type { AmazonOrders, D365SalesOrderRef, D365SalesOrders } from "./ports";
import { isMcfOrder, marketplaceFor, toSalesOrder, type SalesOrderDraft } from "./transform";

export interface ImportOrderCommand {
  amazonOrderId: string;
  /** Amazon's LastUpdateDate (or the notification's change time) that caused this import, when known. */
  lastUpdate?: string;
  /** Where the command came from (notification, catch-up, sync, backfill, replay): for logs only. */
  source?: string;
  /** Re-check D365 even when the ledger says the order is complete. */
  force?: boolean;
  /**
   * The delivery's message id. A worker that dies mid-import leaves its lease behind; the redelivery of the
   * same message takes it over at once instead of waiting for it to expire.
   */
  holder?: string;
}

export type ImportOutcomeKind = "created" | "completed" | "unchanged" | "updated" | "waiting" | "canceled" | "cancel-flagged" | "skipped";

export interface ImportOutcome {
  outcome: ImportOutcomeKind;
  amazonOrderId: string;
  salesOrderNumber?: string;
  linesCreated: number;
  amazonStatus?: string;
}

export interface ImportOrderDeps {
  amazon: AmazonOrders;
  d365: D365SalesOrders;
  ledger: OrderLedger;
  mappings: Mappings;
  clock: Clock;
  telemetry: Telemetry;
  /** Read the buyer address with a restricted data token (SPAPI_USE_RDT). */
  useRdt?: boolean;
  /** How long one worker holds an order. */
  leaseMs?: number;
}

const DONE: ReadonlySet<LedgerStatus> = new Set(["complete", "canceled", "cancel-flagged", "skipped"]);
const DEFAULT_LEASE_MS = 60_000;

function notNewer(candidate: string | undefined, known: string | undefined): boolean {
  if (!candidate || !known) return false;
  const a = Date.parse(candidate);
  const b = Date.parse(known);
  return Number.isFinite(a) && Number.isFinite(b) && a <= b;
}

export async function importOrder(cmd: ImportOrderCommand, deps: ImportOrderDeps): Promise<ImportOutcome> {
  const id = cmd.amazonOrderId;
  const log = deps.telemetry;

  // Fast path for duplicates and replays: nothing newer than what was applied, nothing to do, no calls.
  const known = await deps.ledger.get(id);
  if (!cmd.force && known && DONE.has(known.status) && notNewer(cmd.lastUpdate, known.amazonLastUpdate)) {
    return {
      outcome: "unchanged",
      amazonOrderId: id,
      salesOrderNumber: known.salesOrderNumber,
      linesCreated: 0,
      amazonStatus: known.amazonStatus,
    };
  }

  const session = await deps.ledger.begin(id, deps.clock.now(), deps.leaseMs ?? DEFAULT_LEASE_MS, cmd.holder);
  try {
    const order = await deps.amazon.getOrder(id);
    const seen = { amazonStatus: order.status, amazonLastUpdate: order.lastUpdate, marketplaceId: order.marketplaceId };

    if (isMcfOrder(order) && !deps.mappings.importMcfOrders()) {
      await session.finish({ ...seen, status: "skipped" });
      return { outcome: "skipped", amazonOrderId: id, linesCreated: 0, amazonStatus: order.status };
    }
    const marketplace = marketplaceFor(order, deps.mappings);
    const action = deps.mappings.statusAction(order.status, order.fulfillmentChannel);
    let result: ImportOutcome;
    switch (action) {
      case "wait":
        await session.finish({ ...seen, status: session.entry.salesOrderNumber ? session.entry.status : "waiting" });
        result = {
          outcome: "waiting",
          amazonOrderId: id,
          salesOrderNumber: session.entry.salesOrderNumber,
          linesCreated: 0,
          amazonStatus: order.status,
        };
        break;
      case "ignore":
        await session.finish({ ...seen, status: session.entry.salesOrderNumber ? session.entry.status : "skipped" });
        result = {
          outcome: "skipped",
          amazonOrderId: id,
          salesOrderNumber: session.entry.salesOrderNumber,
          linesCreated: 0,
          amazonStatus: order.status,
        };
        break;
      case "cancel":
        result = await cancelOrder(order, marketplace.dataAreaId, session, deps, seen);
        break;
      case "create":
        result = await createOrComplete(cmd, order, session, deps, seen);
        break;
    }
    log.event("order.imported", {
      amazonOrderId: id,
      outcome: result.outcome,
      salesOrderNumber: result.salesOrderNumber,
      linesCreated: result.linesCreated,
      source: cmd.source,
    });
    return result;
  } catch (err) {
    await session
      .fail(err)
      .catch((e) => log.log("warn", "order ledger: could not record the failure", { amazonOrderId: id, error: String(e) }));
    if (err instanceof MappingGapError)
      log.event("order.needsMapping", { amazonOrderId: id, code: err.code, where: err.where, suggestion: err.suggestion });
    throw err;
  }
}

type Seen = { amazonStatus: string; amazonLastUpdate: string; marketplaceId?: string };

async function findExisting(
  deps: ImportOrderDeps,
  draftOrCompany: { dataAreaId: string },
  id: string,
): Promise<D365SalesOrderRef | undefined> {
  const found = await deps.d365.findByCustomersOrderReference(draftOrCompany.dataAreaId, id);
  if (found.length > 1) {
    // Should never happen with this app; someone may have keyed the order by hand as well.
    deps.telemetry.event("order.duplicateInD365", { amazonOrderId: id, salesOrderNumbers: found.map((f) => f.SalesOrderNumber) });
  }
  return [...found].sort((a, b) => a.SalesOrderNumber.localeCompare(b.SalesOrderNumber))[0];
}

async function createOrComplete(
  cmd: ImportOrderCommand,
  order: AmazonOrder,
  session: LedgerSession,
  deps: ImportOrderDeps,
  seen: Seen,
): Promise<ImportOutcome> {
  const id = order.amazonOrderId;
  const entry = session.entry;
  if (!cmd.force && entry.status === "complete" && entry.salesOrderNumber) {
    // Already in D365 in full; later Amazon changes (shipped, partially shipped) need no OData write:
    // D365's own processes post packing slips and invoices.
    await session.finish({ ...seen, status: "complete" });
    return {
      outcome: "updated",
      amazonOrderId: id,
      salesOrderNumber: entry.salesOrderNumber,
      linesCreated: 0,
      amazonStatus: order.status,
    };
  }

  const items = await deps.amazon.getOrderItems(id);
  const address = deps.useRdt && deps.amazon.getOrderAddress ? await deps.amazon.getOrderAddress(id) : undefined;
  const draft: SalesOrderDraft = toSalesOrder(order, items, deps.mappings, address);
  if (draft.charges.length && !deps.d365.createCharges) {
    // Refuse before writing anything rather than create the order without its charges.
    throw new MappingGapError(
      "mapping.chargesUnsupported",
      `Order ${id}: the marketplace books shipping or gift wrap as header charges, which this D365 connection cannot write; use "as": "item-line".`,
      {
        where: "marketplaces.json shipping/giftWrap",
        details: { amazonOrderId: id },
        suggestion: { file: "marketplaces.json", set: { shipping: { as: "item-line", itemNumber: "<non-stock item>" } } },
      },
    );
  }

  let so: D365SalesOrderRef | undefined =
    entry.salesOrderNumber && entry.dataAreaId === draft.dataAreaId
      ? { dataAreaId: draft.dataAreaId, SalesOrderNumber: entry.salesOrderNumber }
      : undefined;
  so ??= await findExisting(deps, draft, id);
  let fresh = false;
  if (!so) {
    so = await deps.d365.createHeader(draft.header);
    fresh = true;
    await session.update({ ...seen, status: "header-created", dataAreaId: draft.dataAreaId, salesOrderNumber: so.SalesOrderNumber });
  }

  let linesCreated = 0;
  const existing = fresh ? [] : await deps.d365.listLines(draft.dataAreaId, so.SalesOrderNumber);
  const haveKeys = new Set(existing.map((l) => l.OrderLineReference).filter(Boolean));
  const haveNumbers = new Set(existing.map((l) => l.CustomersLineNumber).filter((n) => n !== undefined && n !== null));
  const missing = draft.lines.filter((l) => !haveKeys.has(l.key) && !haveNumbers.has(l.CustomersLineNumber));
  if (missing.length) {
    await deps.d365.createLines(draft.dataAreaId, so.SalesOrderNumber, missing);
    linesCreated = missing.length;
  }
  if (draft.charges.length && deps.d365.createCharges) {
    const have = new Set(fresh || !deps.d365.listChargeKeys ? [] : await deps.d365.listChargeKeys(draft.dataAreaId, so.SalesOrderNumber));
    const newCharges = draft.charges.filter((c) => !have.has(c.Description));
    if (newCharges.length) await deps.d365.createCharges(draft.dataAreaId, so.SalesOrderNumber, newCharges);
  }

  await session.finish({
    ...seen,
    status: "complete",
    dataAreaId: draft.dataAreaId,
    salesOrderNumber: so.SalesOrderNumber,
    linesCreated: (entry.linesCreated ?? 0) + linesCreated,
  });
  const outcome: ImportOutcomeKind = fresh ? "created" : linesCreated > 0 ? "completed" : "unchanged";
  return { outcome, amazonOrderId: id, salesOrderNumber: so.SalesOrderNumber, linesCreated, amazonStatus: order.status };
}

async function cancelOrder(
  order: AmazonOrder,
  dataAreaId: string,
  session: LedgerSession,
  deps: ImportOrderDeps,
  seen: Seen,
): Promise<ImportOutcome> {
  const id = order.amazonOrderId;
  const entry = session.entry;
  if (entry.status === "canceled" || entry.status === "cancel-flagged") {
    await session.finish({ ...seen, status: entry.status });
    return {
      outcome: "unchanged",
      amazonOrderId: id,
      salesOrderNumber: entry.salesOrderNumber,
      linesCreated: 0,
      amazonStatus: order.status,
    };
  }
  const so = entry.salesOrderNumber
    ? { dataAreaId: entry.dataAreaId ?? dataAreaId, SalesOrderNumber: entry.salesOrderNumber }
    : await findExisting(deps, { dataAreaId }, id);
  if (!so) {
    // Canceled before it was ever imported (typically while Pending): nothing in D365 to undo.
    await session.finish({ ...seen, status: "canceled" });
    return { outcome: "canceled", amazonOrderId: id, linesCreated: 0, amazonStatus: order.status };
  }
  const result = await deps.d365.cancel(so.dataAreaId, so.SalesOrderNumber, deps.mappings.cancelOpenOrderMode());
  if (result === "canceled") {
    await session.finish({ ...seen, status: "canceled", dataAreaId: so.dataAreaId, salesOrderNumber: so.SalesOrderNumber });
    deps.telemetry.event("order.canceled", { amazonOrderId: id, salesOrderNumber: so.SalesOrderNumber });
    return {
      outcome: "canceled",
      amazonOrderId: id,
      salesOrderNumber: so.SalesOrderNumber,
      linesCreated: 0,
      amazonStatus: order.status,
    };
  }
  // Shipped or invoiced in D365 but canceled on Amazon: a person must decide (return order, credit note).
  await session.finish({ ...seen, status: "cancel-flagged", dataAreaId: so.dataAreaId, salesOrderNumber: so.SalesOrderNumber });
  deps.telemetry.event("order.cancelAfterShipment", {
    amazonOrderId: id,
    salesOrderNumber: so.SalesOrderNumber,
    dataAreaId: so.dataAreaId,
  });
  return {
    outcome: "cancel-flagged",
    amazonOrderId: id,
    salesOrderNumber: so.SalesOrderNumber,
    linesCreated: 0,
    amazonStatus: order.status,
  };
}
