import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BenchContext } from "../../bench/bench-row";
import { spapiCallsPer1000PriceChanges, spapiCallsPer1000ProductsPublished } from "../../bench/rows/products-calls";

describe("the products benchmark rows (quick)", () => {
  it("publish 100 products and change their prices in one run, counting the calls per 1,000", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "bench-products-"));
    const cache = new Map<string, Promise<unknown>>();
    try {
      const ctx: BenchContext = {
        quick: true,
        root: join(__dirname, "../../.."),
        tmpDir,
        progress: () => undefined,
        shared: <T>(name: string, run: () => Promise<T>) => {
          if (!cache.has(name)) cache.set(name, run());
          return cache.get(name) as Promise<T>;
        },
      };
      const published = await spapiCallsPer1000ProductsPublished.measure(ctx);
      // 100 products: 5 listing reads, 5 catalog searches, 1 definition, 100 previews and 100 puts.
      expect(published.value).toBe(2110);
      expect(published.details).toMatchObject({
        created: 100,
        calls: { searchListingsItems: 5, searchCatalogItems: 5, getDefinitionsProductType: 1, putListingsItem: 200 },
      });
      const prices = await spapiCallsPer1000PriceChanges.measure(ctx);
      expect(prices.value).toBe(2000);
      expect(prices.details).toMatchObject({
        patched: 100,
        calls: { patchListingsItem: 200 },
        patchOnlyPer1000: 1000,
        unchangedSyncCalls: 0,
      });
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }, 120_000);
});
