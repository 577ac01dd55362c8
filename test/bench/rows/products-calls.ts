/**
 * Two rows from one products run (test/bench/products-bench.ts): 1,000 D365 released products the catalog
 * does not know (100 with --quick) are published to one marketplace through the real adapters, then every
 * price changes in D365 and the sync runs again; the SP-API simulator counts the calls (it enforces Amazon's
 * quotas at time scale 1000, which does not change the counts).
 *
 * - SP-API calls per 1,000 products published: listings read 20 SKUs a call, the catalog searched 20
 *   barcodes a call, one definition per product type, and per product a VALIDATION_PREVIEW and the put.
 * - SP-API calls per 1,000 price changes: a preview and the patch per listing (PRODUCTS_PREVIEW=always, the
 *   default); the details give the same with new-listings (the patch alone) and the calls of a sync with
 *   nothing changed (none).
 */
import type { BenchContext, BenchRow } from "../bench-row";
import { round } from "../bench-row";
import { runProductsBench, type ProductsBenchResult } from "../products-bench";

function productsRun(ctx: BenchContext): Promise<ProductsBenchResult> {
  return ctx.shared("products", () => {
    const products = ctx.quick ? 100 : 1000;
    ctx.progress(`products: publishing ${products} D365 products, then changing every price`);
    return runProductsBench({ products, timeScale: 1000 });
  });
}

const per1000 = (calls: number, n: number) => round((calls * 1000) / n, 1);
const byOperation = (calls: Record<string, number>) =>
  Object.entries(calls)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");

export const spapiCallsPer1000ProductsPublished: BenchRow = {
  key: "spapiCallsPer1000ProductsPublished",
  title: "SP-API calls per 1,000 products published (new listings)",
  unit: "calls",
  decimals: 0,
  target: { op: "<=", value: 2200 },
  async measure(ctx) {
    const r = await productsRun(ctx);
    return {
      value: per1000(r.published.total, r.products),
      details: { products: r.products, created: r.published.created, calls: r.published.calls, seconds: r.published.seconds },
      note: `${byOperation(r.published.calls)} for ${r.products} products (${r.published.created} listings created)`,
    };
  },
};

export const spapiCallsPer1000PriceChanges: BenchRow = {
  key: "spapiCallsPer1000PriceChanges",
  title: "SP-API calls per 1,000 price changes",
  unit: "calls",
  decimals: 0,
  target: { op: "<=", value: 2000 },
  async measure(ctx) {
    const r = await productsRun(ctx);
    return {
      value: per1000(r.priceChanges.total, r.products),
      details: {
        products: r.products,
        patched: r.priceChanges.patched,
        calls: r.priceChanges.calls,
        patchOnlyPer1000: per1000(r.priceChangesPatchOnly.total, r.products),
        patchOnlyCalls: r.priceChangesPatchOnly.calls,
        unchangedSyncCalls: r.unchanged.calls,
      },
      note: `${byOperation(r.priceChanges.calls)} with PRODUCTS_PREVIEW=always (preview + patch); new-listings: ${byOperation(
        r.priceChangesPatchOnly.calls,
      )}; a sync with nothing changed: ${r.unchanged.calls} calls`,
    };
  },
};
