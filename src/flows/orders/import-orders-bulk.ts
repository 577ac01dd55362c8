/**
 * Use case: import many waiting orders at once (a bulk import message: the catch-up or backfill handed over
 * a group of orders, hand-over.ts), with as few D365 requests as the OData API allows, exactly once.
 *
 * Per order it does what importOrder does (fast path, lease, what the message knows, the status rules, the
 * re-read when Amazon changed the order meanwhile); only the D365 writes of the orders to create go
 * together, per legal entity, in rounds of three requests:
 *   1. one `$batch` of look-ups by CustomersOrderReference (`or` groups; the business key stays the Amazon
 *      order id, so an order created by an earlier attempt is found, never created again);
 *   2. one `$batch` with a header per order that is not in D365, each in its own change set;
 *   3. one `$batch` with the missing lines of every order, one change set per order (atomic per order);
 *      for orders found in step 1 their lines are read first (one more `$batch`), so only missing ones go.
 * D365 stops a `$batch` at the first failing part: parts answer orders in order, the order of the failing
 * part gets D365's own message (parked for a person when it cannot succeed as it is, e.g. an unknown item),
 * and orders whose part never ran go to the next round. A crash anywhere resumes without duplicates: the
 * redelivered bulk message takes over its leases (same holder), step 1 finds the headers already created,
 * the line look-up finds the lines. Orders of the group another worker holds are left to it (their hand-over
 * makes it re-read); orders that still fail with a retryable error fail the message, which is retried.
 */
import { AppError, MappingGapError, UnavailableError, isRetryable } from "../../platform/errors";
import type { SalesOrderDraft } from "./transform";
import {
  type Applied,
  DEFAULT_LEASE_MS,
  type ImportOrderCommand,
  type ImportOrderDeps,
  type ImportOutcome,
  type OrderHeader,
  type Seen,
  alreadyApplied,
  applyOrder,
  draftFor,
  missingLines,
  needsWrites,
  pickExisting,
  readHeader,
  resolveAction,
  seenOf,
} from "./import-order";
import { isLaterUpdate, type LedgerSession } from "./ledger";
import type { D365SalesOrderLineRef, D365SalesOrderRef } from "./ports";

export interface BulkImportCommand {
  orders: ImportOrderCommand[];
  /** The bulk message's id: it holds every lease, so its redelivery after a crash takes them over. */
  holder: string;
  source?: string;
}

export interface BulkImportDeps extends ImportOrderDeps {
  /** Parks one order of the group for a person (a review item with D365's or the mapping's reason), as its own message would be. */
  park(order: ImportOrderCommand, err: AppError): Promise<void>;
}

export interface BulkImportOutcome {
  orders: number;
  created: number;
  completed: number;
  unchanged: number;
  /** Waiting, canceled, skipped, updated: applied one by one. */
  other: number;
  parked: number;
  /** Held by another worker: left to it. */
  busy: number;
  /** Failed with a retryable error: the message is retried. */
  retry: number;
}

/** Rounds of the three requests, at most (a round ends when D365 stopped at a failing part). */
const MAX_ROUNDS = 6;
/** Orders whose state and Amazon reads run at once. */
const PARALLEL = 8;

/** Runs `fn` over `items`, at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface Work {
  cmd: ImportOrderCommand;
  session: LedgerSession;
  seen?: Seen;
  header?: OrderHeader;
  draft?: SalesOrderDraft;
  so?: D365SalesOrderRef;
  fresh?: boolean;
  /** This run created the header. */
  headerCreated?: boolean;
  existingLines?: D365SalesOrderLineRef[];
  applied?: Applied;
  error?: unknown;
  state: "open" | "done" | "finished" | "parked" | "retry";
}

export async function importOrdersInBulk(cmd: BulkImportCommand, deps: BulkImportDeps): Promise<BulkImportOutcome> {
  const out: BulkImportOutcome = {
    orders: cmd.orders.length,
    created: 0,
    completed: 0,
    unchanged: 0,
    other: 0,
    parked: 0,
    busy: 0,
    retry: 0,
  };
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const work: Work[] = [];
  const stops: (() => void)[] = [];
  try {
    // 1. The fast path and the leases (a few orders at a time: each is a handful of state reads and writes).
    await eachLimited(cmd.orders, PARALLEL, async (c) => {
      const update = c.lastUpdate ?? c.known?.order.lastUpdate;
      const entry = await deps.ledger.get(c.amazonOrderId);
      if (!c.force && alreadyApplied(entry, update)) {
        await deps.ledger.closeHandOver(c.amazonOrderId, entry);
        out.unchanged++;
        return;
      }
      let session: LedgerSession;
      try {
        session = await deps.ledger.begin(c.amazonOrderId, deps.clock.now(), leaseMs, cmd.holder, {
          ...(update ? { lastUpdate: update } : {}),
          ...((c.marketplaceId ?? c.known?.order.marketplaceId) ? { marketplaceId: c.marketplaceId ?? c.known?.order.marketplaceId } : {}),
          source: c.source ?? cmd.source ?? "bulk",
        });
      } catch (err) {
        // Another worker imports it; begin recorded this update, so that worker applies it before it finishes.
        if (err instanceof AppError && err.code === "order.busy") {
          out.busy++;
          return;
        }
        throw err;
      }
      work.push({ cmd: c, session, state: "open" });
      stops.push(session.keepAlive(Math.max(50, Math.floor(leaseMs / 3))));
    });
    // The group's own order, whatever order the leases were taken in.
    const position = new Map(cmd.orders.map((c, i) => [c.amazonOrderId, i]));
    work.sort((a, b) => position.get(a.cmd.amazonOrderId)! - position.get(b.cmd.amazonOrderId)!);

    // 2. Amazon: what each order's message does not know, then the draft of the orders to create. (The SP-API
    //    client's shared rate limiter paces the calls; a few run at once so that state round trips overlap.)
    await eachLimited(work, PARALLEL, async (w) => {
      try {
        const handOver = await deps.ledger.handOverOf(w.cmd.amazonOrderId);
        const read = await readHeader(w.cmd, w.session.entry, handOver?.lastUpdate, deps);
        w.seen = seenOf(read.order);
        const { header, action } = await resolveAction(w.cmd, read, w.session, deps);
        w.header = header;
        w.seen = seenOf(header.order);
        if (action === "create" && needsWrites(w.cmd, w.session)) w.draft = await draftFor(header, deps);
        else {
          w.applied = await applyOrder(w.cmd, header, w.session, deps);
          w.state = "done";
        }
      } catch (err) {
        await failOne(w, err, deps, out);
      }
    });

    // 3. D365: the orders to create, per legal entity, in rounds of three requests.
    const byCompany = new Map<string, Work[]>();
    for (const w of work.filter((x) => x.state === "open" && x.draft)) {
      byCompany.set(w.draft!.dataAreaId, [...(byCompany.get(w.draft!.dataAreaId) ?? []), w]);
    }
    for (const [company, group] of byCompany) await writeGroup(company, group, deps, out);

    // 4. Amazon changed an order meanwhile: apply the newer state to it alone; then record each result.
    await eachLimited(
      work.filter((x) => x.state === "done" && x.applied),
      PARALLEL,
      async (w) => {
        try {
          const moved = await deps.ledger.handOverOf(w.cmd.amazonOrderId);
          if (moved?.lastUpdate && isLaterUpdate(moved.lastUpdate, w.applied!.patch.amazonLastUpdate)) {
            deps.telemetry.event("order.reread", { amazonOrderId: w.cmd.amazonOrderId, handedOver: moved.lastUpdate });
            await w.session.update(w.applied!.patch);
            const fresh = await deps.amazon.getOrder(w.cmd.amazonOrderId);
            w.seen = seenOf(fresh);
            w.applied = await applyOrder({ ...w.cmd, force: false }, { order: fresh, from: "amazon" }, w.session, deps);
          }
          await w.session.finish(w.applied!.patch);
          w.state = "finished";
          count(out, w.applied!.result);
          deps.telemetry.event("order.imported", {
            amazonOrderId: w.cmd.amazonOrderId,
            outcome: w.applied!.result.outcome,
            salesOrderNumber: w.applied!.result.salesOrderNumber,
            linesCreated: w.applied!.result.linesCreated,
            source: w.cmd.source ?? cmd.source ?? "bulk",
            bulk: true,
          });
        } catch (err) {
          await failOne(w, err, deps, out);
        }
      },
    );
  } catch (err) {
    // Something beyond one order failed (state, the bulk look-up): release every lease and let the message retry.
    for (const w of work.filter((x) => x.state === "open" || x.state === "done")) {
      w.state = "retry";
      await w.session.fail(err, w.seen).catch(() => undefined);
    }
    throw err;
  } finally {
    for (const stop of stops) stop();
  }

  deps.telemetry.event("orders.bulkImported", { ...out, source: cmd.source });
  const retry = work.filter((w) => w.state === "retry");
  if (retry.length) {
    const first = retry[0]!.error;
    const message = `${retry.length} of ${cmd.orders.length} orders of the bulk import could not be written yet (${
      first instanceof Error ? first.message : String(first)
    }); the message is retried.`;
    // A retryable error keeps its kind (a throttled one its wait); one that is not parks the bulk message for a person.
    throw first instanceof AppError ? first : new UnavailableError("orders.bulkRetry", message, { cause: first });
  }
  return out;
}

function count(out: BulkImportOutcome, r: ImportOutcome): void {
  if (r.outcome === "created") out.created++;
  else if (r.outcome === "completed") out.completed++;
  else if (r.outcome === "unchanged") out.unchanged++;
  else out.other++;
}

/** Records one order's failure: parked for a person when it cannot succeed as it is, else retried with the message. */
async function failOne(w: Work, err: unknown, deps: BulkImportDeps, out: BulkImportOutcome): Promise<void> {
  w.error = err;
  await w.session
    .fail(err, w.seen)
    .catch((e) =>
      deps.telemetry.log("warn", "order ledger: could not record the failure", { amazonOrderId: w.cmd.amazonOrderId, error: String(e) }),
    );
  if (err instanceof MappingGapError)
    deps.telemetry.event("order.needsMapping", {
      amazonOrderId: w.cmd.amazonOrderId,
      code: err.code,
      where: err.where,
      suggestion: err.suggestion,
    });
  if (
    err instanceof AppError &&
    !isRetryable(err) &&
    err.kind !== "configuration" &&
    err.kind !== "unauthorized" &&
    err.kind !== "internal"
  ) {
    await deps.park(
      { amazonOrderId: w.cmd.amazonOrderId, lastUpdate: w.cmd.lastUpdate ?? w.cmd.known?.order.lastUpdate, source: w.cmd.source },
      err,
    );
    w.state = "parked";
    out.parked++;
    return;
  }
  w.state = "retry";
  out.retry++;
}

/** The D365 writes of one legal entity's orders (see the header). */
async function writeGroup(company: string, group: Work[], deps: BulkImportDeps, out: BulkImportOutcome): Promise<void> {
  for (const w of group) {
    const e = w.session.entry;
    if (e.salesOrderNumber && e.dataAreaId === company) {
      w.so = { dataAreaId: company, SalesOrderNumber: e.salesOrderNumber };
      w.fresh = false;
    }
  }
  let todo = group.filter((w) => w.state === "open");
  for (let round = 0; round < MAX_ROUNDS && todo.length; round++) {
    let progress = false;
    try {
      // (1) look-ups of the orders without a known D365 number
      const unknown = todo.filter((w) => !w.so);
      if (unknown.length) {
        const found = await deps.d365.findByCustomersOrderReferences(
          company,
          unknown.map((w) => w.cmd.amazonOrderId),
        );
        for (const w of unknown) {
          const existing = pickExisting(found.get(w.cmd.amazonOrderId) ?? [], w.cmd.amazonOrderId, deps);
          if (existing) {
            w.so = existing;
            w.fresh = false;
          }
        }
      }
      // (2) the headers of the orders D365 does not have
      const create = todo.filter((w) => !w.so);
      if (create.length) {
        const results = await deps.d365.createHeaders(create.map((w) => w.draft!.header));
        for (const [i, w] of create.entries()) {
          const r = results[i];
          if (r?.ok) {
            w.so = r.value;
            w.fresh = true;
            w.headerCreated = true;
            progress = true;
            await w.session.update({
              ...w.seen,
              status: "header-created",
              dataAreaId: company,
              salesOrderNumber: r.value.SalesOrderNumber,
            });
          } else if (r && !r.notExecuted) {
            await partFailed(w, r.error, deps, out);
          }
        }
      }
      // (3) the lines: what orders found in D365 already have, then the missing ones of every order
      const lookLines = todo.filter((w) => w.so && !w.fresh && !w.existingLines && w.state === "open");
      if (lookLines.length) {
        const lines = await deps.d365.listLinesOfOrders(
          company,
          lookLines.map((w) => w.so!.SalesOrderNumber),
        );
        for (const w of lookLines) w.existingLines = lines.get(w.so!.SalesOrderNumber) ?? [];
      }
      const ready = todo.filter((w) => w.so && w.state === "open");
      const units = ready.map((w) => ({
        dataAreaId: company,
        salesOrderNumber: w.so!.SalesOrderNumber,
        lines: missingLines(w.draft!, w.fresh ? [] : (w.existingLines ?? [])),
      }));
      const results = units.some((u) => u.lines.length)
        ? await deps.d365.createLinesOfOrders(units)
        : units.map(() => ({ ok: true as const, value: undefined }));
      for (const [i, w] of ready.entries()) {
        const r = results[i];
        if (r?.ok) {
          progress = true;
          await completeOne(w, units[i]!.lines.length, deps);
        } else if (r && !r.notExecuted) {
          // Its change set was undone as a whole: none of its lines exist; parked, or tried again next round.
          await partFailed(w, r.error, deps, out);
        }
      }
    } catch (err) {
      // The request itself failed (D365 unreachable, throttled beyond the client's retries, the answer lost):
      // what was written is found by the next attempt's look-ups.
      for (const w of todo.filter((x) => x.state === "open")) {
        w.error = err;
        w.state = "retry";
        out.retry++;
        await w.session.fail(err, w.seen).catch(() => undefined);
      }
      return;
    }
    todo = todo.filter((w) => w.state === "open");
    if (!progress) break;
  }
  for (const w of todo.filter((x) => x.state === "open")) {
    await failOne(w, w.error ?? new UnavailableError("orders.bulkNotExecuted", "D365 did not run this order's writes"), deps, out);
  }
}

/** A part D365 refused: parked when it cannot succeed as it is; a retryable one is tried again next round. */
async function partFailed(w: Work, err: Error, deps: BulkImportDeps, out: BulkImportOutcome): Promise<void> {
  w.error = err;
  if (!isRetryable(err)) await failOne(w, err, deps, out);
}

/** The order is in D365 with all its lines (and its charges, written one by one: rare). */
async function completeOne(w: Work, linesCreated: number, deps: BulkImportDeps): Promise<void> {
  const d = w.draft!;
  const so = w.so!;
  if (d.charges.length && deps.d365.createCharges) {
    const have = new Set(w.fresh || !deps.d365.listChargeKeys ? [] : await deps.d365.listChargeKeys(d.dataAreaId, so.SalesOrderNumber));
    const newCharges = d.charges.filter((c) => !have.has(c.Description));
    if (newCharges.length) await deps.d365.createCharges(d.dataAreaId, so.SalesOrderNumber, newCharges);
  }
  const outcome: ImportOutcome["outcome"] = w.headerCreated ? "created" : linesCreated > 0 ? "completed" : "unchanged";
  w.applied = {
    result: {
      outcome,
      amazonOrderId: w.cmd.amazonOrderId,
      salesOrderNumber: so.SalesOrderNumber,
      linesCreated,
      amazonStatus: w.header?.order.status,
    },
    patch: {
      ...w.seen,
      status: "complete",
      dataAreaId: d.dataAreaId,
      salesOrderNumber: so.SalesOrderNumber,
      linesCreated: (w.session.entry.linesCreated ?? 0) + linesCreated,
    },
  };
  w.state = "done";
}
