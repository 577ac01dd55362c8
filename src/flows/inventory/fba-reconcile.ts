/**
 * Use case: reconcile Amazon's FBA stock with D365.
 *
 * Per FBA marketplace of mappings/inventory.json: every FBA summary (getInventorySummaries with details, all pages)
 * and the on-hand of the D365 warehouse that stands for it; compared per item (fba-compare.ts). Items that differ
 * are kept with the date they first differed (GET /api/inventory/fba/discrepancies); Amazon's stock is kept per
 * SKU (it keeps the FBM push off FBA SKUs and feeds the cross-reference suggestions).
 *
 * Where inventory.json asks for it, the differences go into ONE unposted counting or adjustment journal per
 * marketplace for a person to review and post in D365: the app never posts it, and makes no new one while that one
 * is unposted. A journal is created header first, then lines with fixed line numbers; a run that stopped between
 * the two finds the header again by its description (the business key, kept in state before the header is
 * written) and adds only the missing lines.
 *
 * FBA_INVENTORY_AVAILABILITY_CHANGES refreshes one SKU between runs (applyFbaChange), with the quantities the
 * notification carries and one D365 read of the item.
 */
import type { FbaComponent, InventoryFile } from "../../mapping/inventory";
import { inventoryFile } from "../../mapping/inventory";
import type { Mappings } from "../../mapping/mappings";
import type { Clock } from "../../platform/clock";
import { describeError } from "../../platform/errors";
import { Dec } from "../../platform/money";
import type { StateStore } from "../../platform/ports";
import { type RunOutcome, recordRun } from "../../platform/run-records";
import type { Telemetry } from "../../platform/telemetry";
import { type AmazonQuantities, compareFba } from "./fba-compare";
import {
  type Discrepancy,
  getFbaStock,
  markJournal,
  putFbaStock,
  readReconciliation,
  type ReconciliationSummary,
  replaceFbaStock,
  storeComparison,
  writeReconciliation,
} from "./fba-records";
import type { AmazonFbaStock, D365InventoryJournals, D365OnHand, FbaStock, JournalKind, JournalLineInput } from "./ports";

export const FBA_FLOW = "inventory-fba";

export interface ReconcileDeps {
  amazon: AmazonFbaStock;
  d365: D365OnHand;
  journals: D365InventoryJournals;
  mappings: Mappings;
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
  options: { defaultCompany: string };
}

export interface FbaTarget {
  marketplaceId: string;
  company: string;
  warehouseId: string;
  /** The warehouse's site, for journal lines (the file's, else marketplaces.json's AFN site for that warehouse). */
  siteId?: string;
}

export interface FbaMarketplaceResult extends FbaTarget {
  ok: boolean;
  skus: number;
  items: number;
  discrepancies: number;
  unmappedSkus: string[];
  unmappedItems: string[];
  journal?: { kind: JournalKind; journalNumber: string; lines: number; status: "created" | "resumed" | "open" };
  error?: string;
}

export interface ReconcileResult {
  outcome: RunOutcome | "not-configured";
  startedAt: string;
  finishedAt: string;
  marketplaces: FbaMarketplaceResult[];
}

type FbaRules = NonNullable<InventoryFile["fba"]>;

/** The FBA marketplaces: the file's list, or every marketplace's AFN warehouse from marketplaces.json. */
export function fbaTargets(fba: FbaRules, mappings: Mappings, defaultCompany: string): FbaTarget[] {
  if (fba.marketplaces) {
    return fba.marketplaces.map((m) => {
      const market = mappings.marketplace(m.marketplaceId);
      const siteId = m.siteId ?? (market?.fulfillment.AFN.warehouseId === m.warehouseId ? market.fulfillment.AFN.siteId : undefined);
      return {
        marketplaceId: m.marketplaceId,
        company: (m.dataAreaId ?? market?.dataAreaId ?? defaultCompany).toLowerCase(),
        warehouseId: m.warehouseId,
        ...(siteId ? { siteId } : {}),
      };
    });
  }
  return mappings.marketplaceIds().map((id) => {
    const m = mappings.marketplace(id)!;
    return {
      marketplaceId: id,
      company: m.dataAreaId.toLowerCase(),
      warehouseId: m.fulfillment.AFN.warehouseId,
      siteId: m.fulfillment.AFN.siteId,
    };
  });
}

export async function reconcileFba(request: { marketplaceIds?: string[] }, deps: ReconcileDeps): Promise<ReconcileResult> {
  const startedAt = deps.clock.now();
  const fba = inventoryFile(deps.mappings)?.fba;
  const result: ReconcileResult = {
    outcome: "succeeded",
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    marketplaces: [],
  };
  if (!fba) {
    result.outcome = "not-configured";
    return result;
  }
  const targets = fbaTargets(fba, deps.mappings, deps.options.defaultCompany).filter(
    (t) => !request.marketplaceIds || request.marketplaceIds.includes(t.marketplaceId),
  );
  for (const t of targets) {
    const r = await reconcileMarketplace(t, fba, deps);
    result.marketplaces.push(r);
    await recordRun(deps.state, {
      flow: FBA_FLOW,
      scope: t.marketplaceId,
      startedAt,
      finishedAt: deps.clock.now(),
      outcome: r.ok ? "succeeded" : "failed",
      counts: {
        skus: r.skus,
        items: r.items,
        discrepancies: r.discrepancies,
        journalLines: r.journal?.status === "open" ? 0 : (r.journal?.lines ?? 0),
      },
      ...(r.error ? { error: r.error } : {}),
    });
  }
  const failed = result.marketplaces.filter((m) => !m.ok).length;
  result.outcome = failed === 0 ? "succeeded" : failed === result.marketplaces.length ? "failed" : "partial";
  result.finishedAt = deps.clock.now().toISOString();
  deps.telemetry.log("info", "inventory.fbaReconciled", {
    outcome: result.outcome,
    marketplaces: result.marketplaces.map((m) => ({ marketplaceId: m.marketplaceId, skus: m.skus, discrepancies: m.discrepancies })),
  });
  return result;
}

async function reconcileMarketplace(t: FbaTarget, fba: FbaRules, deps: ReconcileDeps): Promise<FbaMarketplaceResult> {
  const r: FbaMarketplaceResult = { ...t, ok: true, skus: 0, items: 0, discrepancies: 0, unmappedSkus: [], unmappedItems: [] };
  const previous = await readReconciliation(deps.state, t.marketplaceId);
  let stock: FbaStock[];
  try {
    stock = await deps.amazon.summaries(t.marketplaceId);
  } catch (err) {
    return fail(r, `Amazon's FBA inventory could not be read: ${describeError(err)}`, previous, deps);
  }
  let rows: Awaited<ReturnType<D365OnHand["read"]>>;
  try {
    rows = await deps.d365.read({ warehouses: [{ company: t.company, warehouseId: t.warehouseId }] });
  } catch (err) {
    deps.telemetry.event("inventory.d365Unavailable", { flow: FBA_FLOW, marketplaceId: t.marketplaceId, error: describeError(err) });
    return fail(r, `D365 on-hand of ${t.company}/${t.warehouseId} could not be read: ${describeError(err)}`, previous, deps);
  }
  const now = deps.clock.now();
  await replaceFbaStock(deps.state, t.marketplaceId, stock, now);
  const cmp = compareFba({ marketplaceId: t.marketplaceId, stock, rows, mappings: deps.mappings, compare: fba.compare });
  const differing = await storeComparison(deps.state, { ...t, items: cmp.items, at: now, partial: false });
  Object.assign(r, {
    skus: stock.length,
    items: cmp.items.length,
    discrepancies: differing.length,
    unmappedSkus: cmp.unmappedSkus,
    unmappedItems: cmp.unmappedItems,
  });
  const summary: ReconciliationSummary = {
    marketplaceId: t.marketplaceId,
    company: t.company,
    warehouseId: t.warehouseId,
    reconciledAt: now,
    compare: [...fba.compare],
    skus: r.skus,
    items: r.items,
    discrepancies: r.discrepancies,
    unmappedSkus: cmp.unmappedSkus,
    unmappedItems: cmp.unmappedItems,
    ...(previous?.openJournal ? { openJournal: previous.openJournal } : {}),
    ...(previous?.creatingJournal ? { creatingJournal: previous.creatingJournal } : {}),
  };
  if (fba.journal) {
    try {
      r.journal = await prepareJournal(t, fba.journal, differing, summary, deps);
    } catch (err) {
      r.ok = false;
      r.error = `the reconciliation journal could not be prepared: ${describeError(err)}`;
      summary.error = r.error;
    }
  }
  await writeReconciliation(deps.state, summary);
  if (differing.length) deps.telemetry.metric("inventory.fbaDiscrepancies", differing.length, { marketplaceId: t.marketplaceId });
  return r;
}

async function fail(
  r: FbaMarketplaceResult,
  error: string,
  previous: ReconciliationSummary | undefined,
  deps: ReconcileDeps,
): Promise<FbaMarketplaceResult> {
  r.ok = false;
  r.error = error;
  deps.telemetry.log("warn", "inventory.fbaReconcile.failed", { marketplaceId: r.marketplaceId, error });
  // The last good comparison stays; the summary says this run failed.
  if (previous) await writeReconciliation(deps.state, { ...previous, error });
  return r;
}

async function prepareJournal(
  t: FbaTarget,
  cfg: NonNullable<FbaRules["journal"]>,
  differing: Discrepancy[],
  summary: ReconciliationSummary,
  deps: ReconcileDeps,
): Promise<FbaMarketplaceResult["journal"]> {
  const kind = cfg.type;
  const eligible = differing.filter((d) => new Dec(d.difference).abs().gte(String(cfg.minDifference)));
  if (summary.openJournal && !summary.creatingJournal) {
    const open = await deps.journals.get(summary.openJournal.kind, t.company, summary.openJournal.journalNumber);
    if (open && !open.posted) {
      return { kind: open.kind, journalNumber: open.journalNumber, lines: summary.openJournal.lines, status: "open" };
    }
    // Posted (or deleted) by a person: the next journal may be made.
    delete summary.openJournal;
  }
  if (!eligible.length && !summary.creatingJournal) return undefined;
  const resuming = summary.creatingJournal?.kind === kind ? summary.creatingJournal : undefined;
  const description =
    resuming?.description ?? `Amazon FBA reconciliation ${t.marketplaceId} ${deps.clock.now().toISOString().slice(0, 16)}Z`;
  if (!resuming) {
    summary.creatingJournal = { kind, description };
    await writeReconciliation(deps.state, summary);
  }
  const header =
    (await deps.journals.findByDescription(kind, t.company, description)) ??
    (await deps.journals.createHeader(kind, {
      company: t.company,
      description,
      warehouseId: t.warehouseId,
      ...(cfg.journalNameId ? { journalNameId: cfg.journalNameId } : {}),
    }));
  const date = `${deps.clock.now().toISOString().slice(0, 10)}T12:00:00Z`;
  const lines: JournalLineInput[] = eligible.map((d, i) => ({
    lineNumber: i + 1,
    itemNumber: d.itemNumber,
    warehouseId: t.warehouseId,
    ...(t.siteId ? { siteId: t.siteId } : {}),
    countedQuantity: d.amazonCompared,
    adjustmentQuantity: new Dec(d.difference).negated().toFixed(),
    date,
  }));
  const existing = await deps.journals.lineNumbers(kind, t.company, header.journalNumber);
  const missing = lines.filter((l) => !existing.has(l.lineNumber));
  if (missing.length) await deps.journals.addLines(kind, t.company, header.journalNumber, missing);
  await markJournal(deps.state, eligible, { kind, journalNumber: header.journalNumber });
  delete summary.creatingJournal;
  summary.openJournal = { kind, journalNumber: header.journalNumber, description, lines: lines.length, createdAt: deps.clock.now() };
  deps.telemetry.event("inventory.fbaJournalPrepared", {
    marketplaceId: t.marketplaceId,
    kind,
    journalNumber: header.journalNumber,
    lines: lines.length,
  });
  return { kind, journalNumber: header.journalNumber, lines: lines.length, status: resuming ? "resumed" : "created" };
}

/** What FBA_INVENTORY_AVAILABILITY_CHANGES says about one SKU in one marketplace. */
export interface FbaChange {
  marketplaceId: string;
  sellerSku: string;
  asin?: string;
  fnSku?: string;
  quantities: AmazonQuantities;
  eventTime?: string;
}

export type FbaChangeOutcome =
  | { status: "updated"; marketplaceId: string; sellerSku: string; itemNumber: string; difference: string }
  | { status: "ignored"; marketplaceId: string; sellerSku: string; reason: string };

/** Refreshes one SKU between reconciliations (the timer run catches up whatever this misses). */
export async function applyFbaChange(change: FbaChange, deps: ReconcileDeps): Promise<FbaChangeOutcome> {
  const { marketplaceId, sellerSku } = change;
  const fba = inventoryFile(deps.mappings)?.fba;
  const target = fba
    ? fbaTargets(fba, deps.mappings, deps.options.defaultCompany).find((t) => t.marketplaceId === marketplaceId)
    : undefined;
  if (!fba || !target) return { status: "ignored", marketplaceId, sellerSku, reason: "not an FBA marketplace of inventory.json" };
  const now = deps.clock.now();
  const stock: FbaStock = {
    marketplaceId,
    sellerSku,
    ...(change.asin ? { asin: change.asin } : {}),
    ...(change.fnSku ? { fnSku: change.fnSku } : {}),
    ...change.quantities,
    ...(change.eventTime ? { lastUpdatedTime: change.eventTime } : {}),
  };
  await putFbaStock(deps.state, stock, now);
  const listed = deps.mappings.skuFile.items.some((i) => i.sellerSku === sellerSku);
  const m = listed ? deps.mappings.sku(sellerSku, marketplaceId) : undefined;
  if (!m) return { status: "ignored", marketplaceId, sellerSku, reason: "SKU not in sku-crossref.json (offered as a suggestion)" };
  const siblings = deps.mappings.skuFile.items
    .filter((i) => i.itemNumber === m.itemNumber && i.sellerSku !== sellerSku)
    .map((i) => i.sellerSku);
  const all: FbaStock[] = [stock];
  for (const s of siblings) {
    const other = await getFbaStock(deps.state, marketplaceId, s);
    if (other) all.push(other);
  }
  let rows: Awaited<ReturnType<D365OnHand["read"]>>;
  try {
    rows = await deps.d365.read({
      warehouses: [{ company: target.company, warehouseId: target.warehouseId }],
      itemNumbers: [m.itemNumber],
    });
  } catch (err) {
    // The hourly reconciliation catches up; a notification is not worth redelivering for this.
    deps.telemetry.log("warn", "inventory.fbaChange.d365Unavailable", { marketplaceId, sellerSku, error: describeError(err) });
    return { status: "ignored", marketplaceId, sellerSku, reason: `D365 could not be read: ${describeError(err)}` };
  }
  const cmp = compareFba({ marketplaceId, stock: all, rows, mappings: deps.mappings, compare: fba.compare as FbaComponent[] });
  const item = cmp.items.find((i) => i.itemNumber === m.itemNumber);
  if (!item) return { status: "ignored", marketplaceId, sellerSku, reason: "nothing to compare" };
  await storeComparison(deps.state, { ...target, items: [item], at: now, partial: true });
  return { status: "updated", marketplaceId, sellerSku, itemNumber: m.itemNumber, difference: item.difference };
}
