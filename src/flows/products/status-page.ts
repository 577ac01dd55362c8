/**
 * The products section of `GET /api/status`: listings per state (published, review, needs-mapping, pending)
 * in total and per marketplace, how many carry Amazon errors, and the sku-crossref.json entries the app
 * suggests (ASIN and FNSKU Amazon knows that the file lacks).
 */
import type { StateStore } from "../../platform/ports";
import { allListingRecords, type CrossrefSuggestion, type ListingState } from "./listing-records";

export const PRODUCTS_STATUS_SCAN_LIMIT = 50_000;
const MAX_SUGGESTIONS = 50;

export interface ProductsStatus {
  total: number;
  byStatus: Partial<Record<ListingState, number>>;
  byMarketplace: Record<string, { total: number; byStatus: Partial<Record<ListingState, number>> }>;
  /** Listings whose live Amazon listing has ERROR issues. */
  withErrors: number;
  crossrefSuggestions: CrossrefSuggestion[];
  /** More suggestions than listed. */
  moreSuggestions?: number;
  partial: boolean;
}

export async function summarizeProducts(state: StateStore, limit = PRODUCTS_STATUS_SCAN_LIMIT): Promise<ProductsStatus> {
  const out: ProductsStatus = { total: 0, byStatus: {}, byMarketplace: {}, withErrors: 0, crossrefSuggestions: [], partial: false };
  let more = 0;
  for await (const r of allListingRecords(state)) {
    if (out.total >= limit) {
      out.partial = true;
      break;
    }
    out.total++;
    out.byStatus[r.state] = (out.byStatus[r.state] ?? 0) + 1;
    const m = (out.byMarketplace[r.marketplaceId] ??= { total: 0, byStatus: {} });
    m.total++;
    m.byStatus[r.state] = (m.byStatus[r.state] ?? 0) + 1;
    if (r.issues.some((i) => i.severity === "ERROR" && i.source === "amazon")) out.withErrors++;
    if (r.crossrefSuggestion) {
      const s = r.crossrefSuggestion;
      const dup = out.crossrefSuggestions.find((x) => x.sellerSku === s.sellerSku && x.asin === s.asin && x.fnsku === s.fnsku);
      if (dup) continue;
      if (out.crossrefSuggestions.length < MAX_SUGGESTIONS) out.crossrefSuggestions.push(s);
      else more++;
    }
  }
  if (more) out.moreSuggestions = more;
  return out;
}
