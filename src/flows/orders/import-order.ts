/**
 * Use case: import one Amazon order into D365, exactly once.
 *
 * Amazon's latest state of the order decides, never the message: a message is a trigger that may carry what
 * its sender knew (`known`: a listing row or a notification summary). Idempotent and resumable:
 * - the ledger short-cuts orders already applied at the same (or a newer) Amazon update: no call at all;
 * - what the message knows is used only when it is not older than what the ledger applied or what was
 *   handed over since (a stale message never overwrites a newer status); the import then reads from
 *   Amazon only what is missing: the items (v0 getOrderItems; nothing when a 2026 listing row carried
 *   them), or the whole order when the message knows nothing, knows too little to create it (a
 *   notification has no sales channel and no ship-to country) or is stale;
 * - before it finishes, the holder looks at the order's hand-over (ledger.ts): when a later Amazon update was
 *   handed over meanwhile (a notification that met this lease, the catch-up), it reads the order again and
 *   applies that, so a cancellation that arrives mid-import is not lost;
 * - before creating, the order is looked up in D365 by CustomersOrderReference = AmazonOrderId, so a
 *   crash after the header was created never creates a second header;
 * - lines carry deterministic keys (OrderLineReference = OrderItemId, CustomersLineNumber), so a retry
 *   creates only the lines that are missing;
 * - a lease in the ledger keeps two workers off the same order; the holder renews it while it waits.
 * Status rules come from mappings/order-statuses.json (Pending waits; Canceled cancels an open order and
 * flags one that D365 has started to deliver or invoice). Unmappable data throws MappingGapError before
 * anything is written to D365.
 */
import type { Clock } from "../../platform/clock";
import { MappingGapError } from "../../platform/errors";
import type { Telemetry } from "../../platform/telemetry";
import type { Mappings } from "../../mapping/mappings";
import type { AmazonOrder, AmazonOrderItem, KnownOrder, ShippingAddress } from "./amazon-order";
import { toIso3Country } from "./address";
import { type LedgerSession, type OrderLedger, type OrderLedgerEntry, SETTLED_STATUSES, isLaterUpdate } from "./ledger";
import type { AmazonOrders, D365SalesOrderRef, D365SalesOrders } from "./ports";
import { isMcfOrder, marketplaceFor, toSalesOrder, type SalesOrderDraft } from "./transform";

export interface ImportOrderCommand {
  amazonOrderId: string;
  /** Amazon's LastUpdateDate (or the notification's change time) that caused this import, when known. */
  lastUpdate?: string;
  /** Where the command came from (notification, catch-up, sync, backfill, replay, sweep): for logs. */
  source?: string;
  /** Re-check Amazon and D365 even when the ledger says the order is complete. */
  force?: boolean;
  /**
   * The delivery's message id. A worker that dies mid-import leaves its lease behind; the redelivery of the
   * same message takes it over at once instead of waiting for it to expire.
   */
  holder?: string;
  /** The order's marketplace, when the sender knew it. */
  marketplaceId?: string;
  /** What the sender knew of the order (messages.ts, KnownOrder). */
  known?: KnownOrder;
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
  /** How long one worker holds an order without renewing it (default 60 s; renewed every third of it). */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 60_000;
/** How often a holder reads the order again because Amazon changed it meanwhile, at most. */
const MAX_REREADS = 3;

/** The header the import works from, and where it came from. */
export interface OrderHeader {
  order: AmazonOrder;
  /** listing / notification: from the message; amazon: read now. */
  from: KnownOrder["from"] | "amazon";
  items?: AmazonOrderItem[];
}

/** One application of Amazon's state: the outcome and what the ledger records. */
export interface Applied {
  result: ImportOutcome;
  patch: Partial<OrderLedgerEntry>;
}

export type Seen = Pick<OrderLedgerEntry, "amazonStatus" | "amazonLastUpdate" | "marketplaceId">;

export const seenOf = (order: AmazonOrder): Seen => ({
  amazonStatus: order.status,
  amazonLastUpdate: order.lastUpdate,
  ...(order.marketplaceId ? { marketplaceId: order.marketplaceId } : {}),
});

/** The fast path: the ledger has applied this update (or a later one) in a settled state. */
export function alreadyApplied(entry: OrderLedgerEntry | undefined, update: string | undefined): boolean {
  return !!(
    entry &&
    SETTLED_STATUSES.has(entry.status) &&
    update &&
    entry.amazonLastUpdate &&
    !isLaterUpdate(update, entry.amazonLastUpdate)
  );
}

export async function importOrder(cmd: ImportOrderCommand, deps: ImportOrderDeps): Promise<ImportOutcome> {
  const id = cmd.amazonOrderId;
  const log = deps.telemetry;
  const update = cmd.lastUpdate ?? cmd.known?.order.lastUpdate;

  // Fast path for duplicates and replays: nothing newer than what was applied, nothing to do, no calls.
  const known = await deps.ledger.get(id);
  if (!cmd.force && alreadyApplied(known, update)) {
    await deps.ledger.closeHandOver(id, known);
    return {
      outcome: "unchanged",
      amazonOrderId: id,
      salesOrderNumber: known!.salesOrderNumber,
      linesCreated: 0,
      amazonStatus: known!.amazonStatus,
    };
  }

  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const session = await deps.ledger.begin(id, deps.clock.now(), leaseMs, cmd.holder, {
    ...(update ? { lastUpdate: update } : {}),
    ...((cmd.marketplaceId ?? cmd.known?.order.marketplaceId)
      ? { marketplaceId: cmd.marketplaceId ?? cmd.known?.order.marketplaceId }
      : {}),
    ...(cmd.source ? { source: cmd.source } : {}),
  });
  const stopRenewing = session.keepAlive(Math.max(50, Math.floor(leaseMs / 3)));
  let seen: Seen | undefined;
  try {
    const handOver = await deps.ledger.handOverOf(id);
    const header = await readHeader(cmd, session.entry, handOver?.lastUpdate, deps);
    seen = seenOf(header.order);
    let applied = await applyOrder(cmd, header, session, deps);
    seen = applied.patch;
    for (let n = 0; n < MAX_REREADS; n++) {
      const moved = await deps.ledger.handOverOf(id);
      if (!moved?.lastUpdate || !isLaterUpdate(moved.lastUpdate, applied.patch.amazonLastUpdate)) break;
      // Amazon changed the order while this worker held it (a notification met the lease): apply the newer state.
      log.event("order.reread", { amazonOrderId: id, applied: applied.patch.amazonLastUpdate, handedOver: moved.lastUpdate });
      await session.update(applied.patch);
      const fresh = await deps.amazon.getOrder(id);
      seen = seenOf(fresh);
      applied = await applyOrder({ ...cmd, force: false }, { order: fresh, from: "amazon" }, session, deps);
    }
    await session.finish(applied.patch);
    log.event("order.imported", {
      amazonOrderId: id,
      outcome: applied.result.outcome,
      salesOrderNumber: applied.result.salesOrderNumber,
      linesCreated: applied.result.linesCreated,
      source: cmd.source,
    });
    return applied.result;
  } catch (err) {
    await session
      .fail(err, seen ? { amazonStatus: seen.amazonStatus, amazonLastUpdate: seen.amazonLastUpdate } : undefined)
      .catch((e) => log.log("warn", "order ledger: could not record the failure", { amazonOrderId: id, error: String(e) }));
    if (err instanceof MappingGapError)
      log.event("order.needsMapping", { amazonOrderId: id, code: err.code, where: err.where, suggestion: err.suggestion });
    throw err;
  } finally {
    stopRenewing();
  }
}

/**
 * The header to work from: the message's own, unless it is older than what the ledger applied or than a
 * hand-over recorded since (then Amazon is read), or the command forces a fresh read.
 */
export async function readHeader(
  cmd: ImportOrderCommand,
  entry: OrderLedgerEntry,
  handedOver: string | undefined,
  deps: Pick<ImportOrderDeps, "amazon">,
): Promise<OrderHeader> {
  const k = cmd.known;
  const stale = k && (isLaterUpdate(entry.amazonLastUpdate, k.order.lastUpdate) || isLaterUpdate(handedOver, k.order.lastUpdate));
  if (k && !cmd.force && !stale) return { order: k.order, from: k.from, ...(k.items ? { items: k.items } : {}) };
  return { order: await deps.amazon.getOrder(cmd.amazonOrderId), from: "amazon" };
}

/** What the order's status asks for, from this header (an MCF order that is not imported: skip). */
function actionFor(order: AmazonOrder, deps: Pick<ImportOrderDeps, "mappings">): "skip" | ReturnType<Mappings["statusAction"]> {
  if (isMcfOrder(order) && !deps.mappings.importMcfOrders()) return "skip";
  return deps.mappings.statusAction(order.status, order.fulfillmentChannel);
}

/**
 * The header to apply and what its status asks for. A notification's summary has neither the sales channel
 * (MCF orders must not come back) nor the ship-to country: when it would create the order, the order is read.
 */
export async function resolveAction(
  cmd: ImportOrderCommand,
  header: OrderHeader,
  session: LedgerSession,
  deps: Pick<ImportOrderDeps, "amazon" | "mappings">,
): Promise<{ header: OrderHeader; action: "skip" | ReturnType<Mappings["statusAction"]> }> {
  const action = actionFor(header.order, deps);
  const complete = session.entry.status === "complete" && !!session.entry.salesOrderNumber;
  if (action === "create" && header.from === "notification" && (cmd.force || !complete)) {
    const fresh: OrderHeader = { order: await deps.amazon.getOrder(cmd.amazonOrderId), from: "amazon" };
    return { header: fresh, action: actionFor(fresh.order, deps) };
  }
  return { header, action };
}

/** The order needs D365 writes to be created or completed (not merely recorded as updated). */
export function needsWrites(cmd: ImportOrderCommand, session: LedgerSession): boolean {
  return cmd.force === true || !(session.entry.status === "complete" && session.entry.salesOrderNumber);
}

/** Applies Amazon's state of the order (one header) to D365 and says what the ledger should record. */
export async function applyOrder(
  cmd: ImportOrderCommand,
  header: OrderHeader,
  session: LedgerSession,
  deps: ImportOrderDeps,
): Promise<Applied> {
  const id = cmd.amazonOrderId;
  const { header: h, action } = await resolveAction(cmd, header, session, deps);
  const order = h.order;
  const seen = seenOf(order);
  const at = (outcome: ImportOutcome["outcome"], salesOrderNumber?: string): ImportOutcome => ({
    outcome,
    amazonOrderId: id,
    salesOrderNumber,
    linesCreated: 0,
    amazonStatus: order.status,
  });
  switch (action) {
    case "skip":
      return { result: at("skipped"), patch: { ...seen, status: "skipped" } };
    case "wait":
      return {
        result: at("waiting", session.entry.salesOrderNumber),
        patch: { ...seen, status: session.entry.salesOrderNumber ? session.entry.status : "waiting" },
      };
    case "ignore":
      return {
        result: at("skipped", session.entry.salesOrderNumber),
        patch: { ...seen, status: session.entry.salesOrderNumber ? session.entry.status : "skipped" },
      };
    case "cancel":
      return cancelOrder(order, marketplaceFor(order, deps.mappings).dataAreaId, session, deps, seen);
    case "create":
      return createOrComplete(cmd, h, session, deps, seen);
  }
}

async function findExisting(
  deps: Pick<ImportOrderDeps, "d365" | "telemetry">,
  draftOrCompany: { dataAreaId: string },
  id: string,
): Promise<D365SalesOrderRef | undefined> {
  const found = await deps.d365.findByCustomersOrderReference(draftOrCompany.dataAreaId, id);
  return pickExisting(found, id, deps);
}

/** The order among D365's matches (the lowest number); a second match is reported, never merged. */
export function pickExisting(
  found: D365SalesOrderRef[],
  id: string,
  deps: Pick<ImportOrderDeps, "telemetry">,
): D365SalesOrderRef | undefined {
  if (found.length > 1) {
    // Should never happen with this app; someone may have keyed the order by hand as well.
    deps.telemetry.event("order.duplicateInD365", { amazonOrderId: id, salesOrderNumbers: found.map((f) => f.SalesOrderNumber) });
  }
  return [...found].sort((a, b) => a.SalesOrderNumber.localeCompare(b.SalesOrderNumber))[0];
}

/**
 * The draft of the D365 order: reads what is missing (items, RDT address), resolves the ship-to state
 * against D365's address states outside the US and Canada, and transforms. Throws before any D365 write.
 */
export async function draftFor(header: OrderHeader, deps: ImportOrderDeps): Promise<SalesOrderDraft> {
  const id = header.order.amazonOrderId;
  const items = header.items ?? (await deps.amazon.getOrderItems(id));
  const address = deps.useRdt && deps.amazon.getOrderAddress ? await deps.amazon.getOrderAddress(id) : undefined;
  const knownStates = await statesFor(address ?? header.order.shippingAddress, deps);
  const draft = toSalesOrder(header.order, items, deps.mappings, address, { knownStates });
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
  return draft;
}

/** The state codes D365 knows for the ship-to country (read once per country by the adapter); none for the US and Canada. */
async function statesFor(address: ShippingAddress | undefined, deps: Pick<ImportOrderDeps, "d365" | "telemetry">) {
  const country = toIso3Country(address?.countryCode);
  if (!address?.stateOrRegion || !country || country === "USA" || country === "CAN" || !deps.d365.addressStates) return undefined;
  try {
    return await deps.d365.addressStates(country);
  } catch (err) {
    // Without the list the state is left out (D365 takes a blank state; a wrong one is refused).
    deps.telemetry.log("warn", "order.addressStatesUnavailable", { country, error: String(err) });
    return new Set<string>();
  }
}

async function createOrComplete(
  cmd: ImportOrderCommand,
  header: OrderHeader,
  session: LedgerSession,
  deps: ImportOrderDeps,
  seen: Seen,
): Promise<Applied> {
  const id = header.order.amazonOrderId;
  const entry = session.entry;
  if (!cmd.force && entry.status === "complete" && entry.salesOrderNumber) {
    // Already in D365 in full; later Amazon changes (shipped, partially shipped) need no OData write:
    // D365's own processes post packing slips and invoices.
    return {
      result: {
        outcome: "updated",
        amazonOrderId: id,
        salesOrderNumber: entry.salesOrderNumber,
        linesCreated: 0,
        amazonStatus: header.order.status,
      },
      patch: { ...seen, status: "complete" },
    };
  }

  const draft = await draftFor(header, deps);
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
  const missing = missingLines(draft, existing);
  if (missing.length) {
    await deps.d365.createLines(draft.dataAreaId, so.SalesOrderNumber, missing);
    linesCreated = missing.length;
  }
  if (draft.charges.length && deps.d365.createCharges) {
    const have = new Set(fresh || !deps.d365.listChargeKeys ? [] : await deps.d365.listChargeKeys(draft.dataAreaId, so.SalesOrderNumber));
    const newCharges = draft.charges.filter((c) => !have.has(c.Description));
    if (newCharges.length) await deps.d365.createCharges(draft.dataAreaId, so.SalesOrderNumber, newCharges);
  }

  const outcome: ImportOutcome["outcome"] = fresh ? "created" : linesCreated > 0 ? "completed" : "unchanged";
  return {
    result: { outcome, amazonOrderId: id, salesOrderNumber: so.SalesOrderNumber, linesCreated, amazonStatus: header.order.status },
    patch: {
      ...seen,
      status: "complete",
      dataAreaId: draft.dataAreaId,
      salesOrderNumber: so.SalesOrderNumber,
      linesCreated: (session.entry.linesCreated ?? 0) + linesCreated,
    },
  };
}

/** The draft's lines D365 does not have yet (by OrderLineReference or CustomersLineNumber). */
export function missingLines(
  draft: Pick<SalesOrderDraft, "lines">,
  existing: { OrderLineReference?: string; CustomersLineNumber?: number }[],
): SalesOrderDraft["lines"] {
  const haveKeys = new Set(existing.map((l) => l.OrderLineReference).filter(Boolean));
  const haveNumbers = new Set(existing.map((l) => l.CustomersLineNumber).filter((n) => n !== undefined && n !== null));
  return draft.lines.filter((l) => !haveKeys.has(l.key) && !haveNumbers.has(l.CustomersLineNumber));
}

async function cancelOrder(
  order: AmazonOrder,
  dataAreaId: string,
  session: LedgerSession,
  deps: ImportOrderDeps,
  seen: Seen,
): Promise<Applied> {
  const id = order.amazonOrderId;
  const entry = session.entry;
  const result = (outcome: ImportOutcome["outcome"], salesOrderNumber?: string): ImportOutcome => ({
    outcome,
    amazonOrderId: id,
    salesOrderNumber,
    linesCreated: 0,
    amazonStatus: order.status,
  });
  if (entry.status === "canceled" || entry.status === "cancel-flagged") {
    return { result: result("unchanged", entry.salesOrderNumber), patch: { ...seen, status: entry.status } };
  }
  const so = entry.salesOrderNumber
    ? { dataAreaId: entry.dataAreaId ?? dataAreaId, SalesOrderNumber: entry.salesOrderNumber }
    : await findExisting(deps, { dataAreaId }, id);
  if (!so) {
    // Canceled before it was ever imported (typically while Pending): nothing in D365 to undo.
    return { result: result("canceled"), patch: { ...seen, status: "canceled" } };
  }
  const cancel = await deps.d365.cancel(so.dataAreaId, so.SalesOrderNumber, deps.mappings.cancelOpenOrderMode());
  const where = { dataAreaId: so.dataAreaId, salesOrderNumber: so.SalesOrderNumber };
  if (cancel.outcome === "canceled") {
    deps.telemetry.event("order.canceled", { amazonOrderId: id, salesOrderNumber: so.SalesOrderNumber });
    return { result: result("canceled", so.SalesOrderNumber), patch: { ...seen, status: "canceled", ...where } };
  }
  // D365 has started to deliver or invoice it (or refused the delete): a person decides (return order, credit note).
  deps.telemetry.event("order.cancelAfterShipment", {
    amazonOrderId: id,
    salesOrderNumber: so.SalesOrderNumber,
    dataAreaId: so.dataAreaId,
    reason: cancel.reason,
  });
  return {
    result: result("cancel-flagged", so.SalesOrderNumber),
    patch: { ...seen, status: "cancel-flagged", ...where, ...(cancel.reason ? { lastError: cancel.reason.slice(0, 1000) } : {}) },
  };
}
