/**
 * Read side of the FBA reconciliation: the discrepancy report (JSON or CSV) and the SKU cross-reference
 * suggestions learned from Amazon's FBA summaries. Both read state only (the last reconciliation and the
 * notifications since), so they answer at once and cost no SP-API or D365 call.
 */
import type { Mappings } from "../../mapping/mappings";
import type { StateStore } from "../../platform/ports";
import { toCsv } from "./fba-compare";
import { allFbaStock, type Discrepancy, listReconciliations, readDiscrepancies } from "./fba-records";

export interface DiscrepancyReport {
  /** Per FBA marketplace: when it was last reconciled, what was compared, and the journal waiting for review. */
  marketplaces: {
    marketplaceId: string;
    warehouseId: string;
    reconciledAt: string;
    compare: string[];
    discrepancies: number;
    unmappedSkus: string[];
    unmappedItems: string[];
    openJournal?: { kind: string; journalNumber: string; lines: number };
    error?: string;
  }[];
  discrepancies: DiscrepancyLine[];
}

/** One item that differs, as finance and operations read it. */
export interface DiscrepancyLine {
  marketplaceId: string;
  sellerSku: string;
  itemNumber: string;
  warehouseId: string;
  fulfillable: number;
  inbound: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  reserved: number;
  unfulfillable: number;
  researching: number;
  /** The Amazon quantities the comparison counts, in D365 units. */
  amazonCompared: string;
  d365OnHand: string;
  /** D365 − Amazon: positive when D365 shows more than Amazon holds. */
  difference: string;
  /** First seen differing (unbroken since). */
  since: string;
  lastSeenAt: string;
  journalNumber?: string;
}

function line(d: Discrepancy): DiscrepancyLine {
  const a = d.amazon;
  return {
    marketplaceId: d.marketplaceId,
    sellerSku: d.sellerSkus.join(" "),
    itemNumber: d.itemNumber,
    warehouseId: d.warehouseId,
    fulfillable: a.fulfillable,
    inbound: a.inboundWorking + a.inboundShipped + a.inboundReceiving,
    inboundWorking: a.inboundWorking,
    inboundShipped: a.inboundShipped,
    inboundReceiving: a.inboundReceiving,
    reserved: a.reserved,
    unfulfillable: a.unfulfillable,
    researching: a.researching,
    amazonCompared: d.amazonCompared,
    d365OnHand: d.d365OnHand,
    difference: d.difference,
    since: d.since.toISOString(),
    lastSeenAt: d.lastSeenAt.toISOString(),
    ...(d.journal ? { journalNumber: d.journal.journalNumber } : {}),
  };
}

export async function discrepancyReport(state: StateStore, marketplaceId?: string): Promise<DiscrepancyReport> {
  const runs = (await listReconciliations(state)).filter((r) => !marketplaceId || r.marketplaceId === marketplaceId);
  const rows = (await readDiscrepancies(state, marketplaceId)).map(line);
  rows.sort((a, b) => a.marketplaceId.localeCompare(b.marketplaceId) || a.itemNumber.localeCompare(b.itemNumber));
  return {
    marketplaces: runs.map((r) => ({
      marketplaceId: r.marketplaceId,
      warehouseId: r.warehouseId,
      reconciledAt: r.reconciledAt.toISOString(),
      compare: r.compare,
      discrepancies: rows.filter((d) => d.marketplaceId === r.marketplaceId).length,
      unmappedSkus: r.unmappedSkus,
      unmappedItems: r.unmappedItems,
      ...(r.openJournal
        ? { openJournal: { kind: r.openJournal.kind, journalNumber: r.openJournal.journalNumber, lines: r.openJournal.lines } }
        : {}),
      ...(r.error ? { error: r.error } : {}),
    })),
    discrepancies: rows,
  };
}

export const DISCREPANCY_CSV_COLUMNS = [
  "marketplaceId",
  "sellerSku",
  "itemNumber",
  "warehouseId",
  "fulfillable",
  "inbound",
  "reserved",
  "unfulfillable",
  "researching",
  "amazonCompared",
  "d365OnHand",
  "difference",
  "since",
  "journalNumber",
] as const;

/** The report's lines as CSV (one header row; CRLF). */
export function discrepancyCsv(report: DiscrepancyReport): string {
  return toCsv(
    DISCREPANCY_CSV_COLUMNS,
    report.discrepancies.map((d) => DISCREPANCY_CSV_COLUMNS.map((c) => d[c])),
  );
}

export interface SkuSuggestion {
  sellerSku: string;
  marketplaceIds: string[];
  /** What Amazon's FBA summaries say. */
  asin?: string;
  fnsku?: string;
  /** The cross-reference entry's item, when the SKU is in it. */
  itemNumber?: string;
  /** What the cross-reference has now (absent when the SKU is not in it). */
  current?: { asin?: string; fnsku?: string };
  reason: "not-in-crossref" | "asin-or-fnsku-missing" | "asin-or-fnsku-differs";
  /** The entry to put into mappings/sku-crossref.json (itemNumber to fill in when the SKU is new). */
  entry: { sellerSku: string; itemNumber: string; asin?: string; fnsku?: string; marketplaceIds?: string[] };
}

/**
 * ASIN and FNSKU Amazon reported for FBA SKUs, where the cross-reference lacks them, has other values, or does not
 * know the SKU. A suggestion for a person: the app never rewrites the admin's file.
 */
export async function skuSuggestions(state: StateStore, mappings: Mappings): Promise<SkuSuggestion[]> {
  const seen = new Map<string, SkuSuggestion>();
  const listed = new Set(mappings.skuFile.items.map((i) => i.sellerSku));
  for await (const s of allFbaStock(state)) {
    if (!s.asin && !s.fnSku) continue;
    const m = listed.has(s.sellerSku) ? mappings.sku(s.sellerSku, s.marketplaceId) : undefined;
    const key = `${s.sellerSku}\u0000${s.asin ?? ""}\u0000${s.fnSku ?? ""}`;
    const existing = seen.get(key);
    if (existing) {
      if (!existing.marketplaceIds.includes(s.marketplaceId)) existing.marketplaceIds.push(s.marketplaceId);
      continue;
    }
    let reason: SkuSuggestion["reason"] | undefined;
    if (!m) reason = "not-in-crossref";
    else if ((s.asin && !m.asin) || (s.fnSku && !m.fnsku)) reason = "asin-or-fnsku-missing";
    else if ((s.asin && m.asin !== s.asin) || (s.fnSku && m.fnsku !== s.fnSku)) reason = "asin-or-fnsku-differs";
    if (!reason) continue;
    seen.set(key, {
      sellerSku: s.sellerSku,
      marketplaceIds: [s.marketplaceId],
      ...(s.asin ? { asin: s.asin } : {}),
      ...(s.fnSku ? { fnsku: s.fnSku } : {}),
      ...(m ? { itemNumber: m.itemNumber, current: { ...(m.asin ? { asin: m.asin } : {}), ...(m.fnsku ? { fnsku: m.fnsku } : {}) } } : {}),
      reason,
      entry: {
        sellerSku: s.sellerSku,
        itemNumber: m?.itemNumber ?? "",
        ...(s.asin ? { asin: s.asin } : {}),
        ...(s.fnSku ? { fnsku: s.fnSku } : {}),
        ...(m?.marketplaceIds ? { marketplaceIds: m.marketplaceIds } : {}),
      },
    });
  }
  return [...seen.values()].sort((a, b) => a.sellerSku.localeCompare(b.sellerSku));
}
