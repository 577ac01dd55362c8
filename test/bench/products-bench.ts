/**
 * Products benchmark: N D365 released products (default 1,000) that Amazon's catalog does not know are
 * published to one marketplace through the real adapters (D365 simulator, SP-API simulator enforcing Amazon's
 * quotas at a time scale that keeps the run short; the counts do not depend on it), then every price is
 * changed in D365 and the sync runs again. Counts the SP-API calls per product published and per price change,
 * by operation; the price changes are measured with PRODUCTS_PREVIEW=always (the default: a preview before
 * every patch) and with new-listings (the patch alone).
 *
 *   npx tsx test/bench/products-bench.ts [--products N] [--time-scale 1000] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SharedRateLimiter, SpApiClient, overrideAgentFor } from "../../src/amazon";
import { SimulatorCredential } from "../../src/d365/auth";
import { D365Connector } from "../../src/d365/index";
import { handleProductsMessage } from "../../src/flows/products/handle-message";
import type { ProductsMessage } from "../../src/flows/products/messages";
import { CachedProductTypes } from "../../src/flows/products/product-types";
import type { PublishDeps } from "../../src/flows/products/publish";
import { syncProducts, type SyncDeps } from "../../src/flows/products/sync";
import { startD365Simulator } from "../../src/local/d365-sim";
import { barcodeRow, releasedProductRow } from "../../src/local/d365-sim/seed/products";
import { gtinCheckDigit } from "../../src/local/demo-barcodes";
import { startSpApiSimulator } from "../../src/local/spapi-sim";
import { MarketplacesFile } from "../../src/mapping/marketplaces";
import { Mappings } from "../../src/mapping/mappings";
import { resolveMappingsDir } from "../../src/mapping/mappings-dir";
import { ProductsFile, productsMapping } from "../../src/mapping/products";
import { systemClock } from "../../src/platform/clock";
import { isRetryable } from "../../src/platform/errors";
import { MemoryStateStore } from "../../src/platform/memory-state";
import { Dec } from "../../src/platform/money";
import type { MessageBus, OutgoingMessage } from "../../src/platform/ports";
import { silentTelemetry } from "../../src/platform/telemetry";
import { SpApiListings } from "../../src/wiring/adapters/amazon-listings";
import { ODataProducts } from "../../src/wiring/adapters/d365-products";

const US = "ATVPDKIKX0DER";

export interface ProductsBenchResult {
  products: number;
  timeScale: number;
  published: { calls: Record<string, number>; total: number; perProduct: number; created: number; seconds: number };
  priceChanges: { calls: Record<string, number>; total: number; perChange: number; patched: number; seconds: number };
  priceChangesPatchOnly: { calls: Record<string, number>; total: number; perChange: number; patched: number };
  unchanged: { calls: number };
}

class KeepingBus implements MessageBus {
  sent: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

const itemNumber = (i: number) => `B${String(i).padStart(5, "0")}`;
/** A UPC-A no catalog item has ("0860" + the index), so every product gets a full listing. */
const benchUpc = (i: number) => {
  const body = `0860${String(i).padStart(7, "0")}`;
  return body + gtinCheckDigit(body);
};

export async function runProductsBench(opts: { products: number; timeScale: number; concurrency?: number }): Promise<ProductsBenchResult> {
  const d365Sim = await startD365Simulator({ port: 0, seed: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), "products-bench-"));
  const spapi = await startSpApiSimulator({ port: 0, seed: 1, timeScale: opts.timeScale, dataDir });
  try {
    const rows = Array.from({ length: opts.products }, (_, k) => {
      const i = k + 1;
      return releasedProductRow("usmf", {
        itemNumber: itemNumber(i),
        name: `Bench product ${i}`,
        description: `Bench product ${i}, made for the products benchmark.`,
        prices: { USD: `${10 + (i % 90)}.99`, GBP: "0", EUR: "0" },
      });
    });
    d365Sim.seedRows(
      "ReleasedProductsV2",
      rows.map((r) => ({ ...r, ProductGroupId: "Bench" })),
    );
    d365Sim.seedRows(
      "ProductBarcodesV3",
      rows.map((r, k) => barcodeRow("usmf", String(r.ItemNumber), "UPC", benchUpc(k + 1), String(r.ProductName))),
    );
    const repo = Mappings.load(resolveMappingsDir("mappings", __dirname));
    const demo = productsMapping(repo)!;
    const mapping = ProductsFile.parse({
      ...demo,
      $schema: undefined,
      sellerSku: { template: "BENCH-{ItemNumber}" },
      marketplaces: [{ marketplaceId: US, products: { itemGroups: ["Bench"] }, price: { source: "salesPrice" } }],
      itemGroups: [{ itemGroup: "*", productType: "PRODUCT", template: "standard" }],
    });
    const marketplaces = MarketplacesFile.parse(repo.marketplacesFile);
    const state = new MemoryStateStore();
    const client = new SpApiClient({
      region: "na",
      sellerId: "A2DEMOSELLER01",
      credentials: async () => ({
        clientId: "amzn1.application-oa2-client.demo",
        clientSecret: "fake-secret",
        refreshToken: "Atzr|fake-refresh-token",
      }),
      limiter: new SharedRateLimiter({ state, clock: systemClock }),
      clock: systemClock,
      agent: overrideAgentFor(spapi.url, spapi.caFile),
      maxRetries: 3,
      useRdt: false,
      timeoutMs: 30_000,
    });
    const d365 = new D365Connector({
      baseUrl: d365Sim.url,
      credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "bench", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 3,
      timeoutMs: 30_000,
    });
    const amazon = new SpApiListings(client);
    const bus = new KeepingBus();
    const common = {
      d365: new ODataProducts(d365),
      mapping,
      crossref: [],
      marketplace: (id: string) => marketplaces.marketplaces.find((m) => m.marketplaceId === id),
      state,
      clock: systemClock,
      telemetry: silentTelemetry,
    };
    const sync: SyncDeps = { ...common, bus, queue: "product-publish" };
    const publish = (preview: "always" | "new-listings"): PublishDeps => ({
      ...common,
      amazon,
      definitions: new CachedProductTypes(amazon, state, systemClock, 24),
      queue: "product-publish",
      preview,
    });

    /** One sync and every batch it sent, as the products queue would run them (retrying what is retryable). */
    const round = async (preview: "always" | "new-listings") => {
      spapi.sim.reset();
      const started = Date.now();
      await syncProducts({ source: "timer", batchSize: 20, refreshHours: 24 }, sync);
      const messages = bus.sent.splice(0);
      const counts: Record<string, number> = {};
      let next = 0;
      const deps = publish(preview);
      const worker = async () => {
        while (next < messages.length) {
          const m = messages[next++]!;
          for (let attempt = 1; ; attempt++) {
            try {
              const r = await handleProductsMessage(m.body as ProductsMessage, deps as never);
              if (r.kind === "publish") for (const [k, v] of Object.entries(r.outcome.counts)) counts[k] = (counts[k] ?? 0) + v;
              break;
            } catch (err) {
              if (!isRetryable(err) || attempt >= 10) throw err;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
      const calls = Object.fromEntries(Object.entries(spapi.sim.requestCounts().counts).filter(([k]) => k !== "lwa"));
      return { calls, total: Object.values(calls).reduce((a, b) => a + b, 0), counts, seconds: (Date.now() - started) / 1000 };
    };

    const setPrices = async (price: (i: number) => string) => {
      const ops = rows.map((r, k) => ({
        method: "PATCH" as const,
        entitySet: "ReleasedProductsV2",
        key: { dataAreaId: "usmf", ItemNumber: String(r.ItemNumber) },
        body: { SalesPrice: new Dec(price(k + 1)) },
      }));
      await d365.batch(ops);
    };

    const first = await round("always");
    const unchanged = await round("always");
    await setPrices((i) => `${10 + (i % 90)}.49`);
    const changed = await round("always");
    await setPrices((i) => `${10 + (i % 90)}.79`);
    const patchOnly = await round("new-listings");
    return {
      products: opts.products,
      timeScale: opts.timeScale,
      published: {
        calls: first.calls,
        total: first.total,
        perProduct: first.total / opts.products,
        created: first.counts.created ?? 0,
        seconds: first.seconds,
      },
      priceChanges: {
        calls: changed.calls,
        total: changed.total,
        perChange: changed.total / opts.products,
        patched: changed.counts.patched ?? 0,
        seconds: changed.seconds,
      },
      priceChangesPatchOnly: {
        calls: patchOnly.calls,
        total: patchOnly.total,
        perChange: patchOnly.total / opts.products,
        patched: patchOnly.counts.patched ?? 0,
      },
      unchanged: { calls: unchanged.total },
    };
  } finally {
    await spapi.stop();
    await d365Sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  runProductsBench({ products: arg(argv, "--products", 1000), timeScale: arg(argv, "--time-scale", 1000) }).then(
    (r) => console.log(argv.includes("--json") ? JSON.stringify(r, null, 2) : r),
    (err: Error) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
