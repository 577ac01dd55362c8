/**
 * Four rows from one inventory run (10,000 SKUs; 2,000 with --quick): the FBM push as production runs it, in its
 * own Node process built from the environment (createApp(loadConfig())), against the D365 and SP-API simulators
 * and Azurite started here. The catalogue: 10,000 FBM listings in the US (the simulator's bulk listings), their
 * 10,000 items on hand in D365 warehouse 11 beside the demo company's, a cross-reference of the 10,000 SKUs and an
 * inventory.json with one channel (US, warehouse 11, all of the stock).
 *
 * Three pushes: the first sends all 10,000 quantities (a JSON_LISTINGS_FEED of 10,000 messages); then 1,000 items
 * change on hand in D365 and the second push sends those 1,000 (again one feed: above INVENTORY_FEED_THRESHOLD);
 * the third finds nothing changed.
 *
 * - SP-API calls per 1,000 SKUs pushed: the calls of the second push (exactly 1,000 changed), counted by the
 *   simulator (the LWA token is not counted); the first push's calls for 10,000 and the third's (0) are in the details.
 * - D365 requests per 1,000 SKUs read: the WarehousesOnHandV2 requests of the first push (F&O pages at 10,000 rows)
 *   per 1,000 rows read.
 * - Wall time and peak RSS of the first push's process (start-up included) for 10,000 SKUs. The SP-API simulator
 *   runs at time scale 30, so a feed is processed in a third of a second instead of Amazon's minutes: the time is
 *   the app's own work (read, allocate, compare, write state, build and upload the feed, apply its report).
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, BenchRow } from "../bench-row";
import { round } from "../bench-row";
import { startAzurite } from "../../../src/local/azurite";
import { startD365Simulator } from "../../../src/local/d365-sim";
import { onHandRow } from "../../../src/local/d365-sim/demo-company";
import { startSpApiSimulator } from "../../../src/local/spapi-sim";
import { runNode } from "../lib/processes";

const US = "ATVPDKIKX0DER";
const TIME_SCALE = 30;

interface PushOutput {
  outcome: string;
  error?: string;
  d365Rows: number;
  d365Requests: Record<string, number>;
  marketplaces: { changed: number; path: string; accepted: number; refused: number; feed?: { status: string; messages: number } }[];
}

export interface InventoryBenchResult {
  skus: number;
  first: { seconds: number; peakRssMb?: number; spapiCalls: Record<string, number>; out: PushOutput };
  second: { changed: number; spapiCalls: Record<string, number>; out: PushOutput };
  third: { spapiCalls: Record<string, number>; out: PushOutput };
}

const sku = (i: number) => `BULK-${String(i + 1).padStart(5, "0")}`;
const item = (i: number) => `B${String(i + 1).padStart(5, "0")}`;
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

export async function runInventoryBench(ctx: BenchContext, skus: number): Promise<InventoryBenchResult> {
  const dir = mkdtempSync(join(ctx.tmpDir, "inventory-"));
  const stops: (() => Promise<void>)[] = [];
  try {
    const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    stops.push(() => azurite.stop());
    const d365 = await startD365Simulator({ port: 0, seed: 1 });
    stops.push(() => d365.stop());
    const spapi = await startSpApiSimulator({ port: 0, seed: 1, timeScale: TIME_SCALE, dataDir: dir });
    stops.push(() => spapi.stop());

    spapi.sim.listings.bulk({ count: skus, prefix: "BULK-", marketplaceIds: [US], quantity: 0 });
    d365.seedRows(
      "WarehousesOnHandV2",
      Array.from({ length: skus }, (_, i) => onHandRow("usmf", item(i), `Bulk item ${i + 1}`, "1", "11", 5 + (i % 90), 0)),
    );
    const mappingsDir = join(dir, "mappings");
    cpSync(join(ctx.root, "mappings"), mappingsDir, { recursive: true });
    writeFileSync(
      join(mappingsDir, "sku-crossref.json"),
      JSON.stringify({ items: Array.from({ length: skus }, (_, i) => ({ sellerSku: sku(i), itemNumber: item(i), marketplaceIds: [US] })) }),
    );
    writeFileSync(join(mappingsDir, "inventory.json"), JSON.stringify({ fbm: { channels: [{ marketplaceId: US, warehouses: ["11"] }] } }));

    const env = {
      STORAGE_CONNECTION_STRING: azurite.connectionString,
      STATE_TABLE_PREFIX: `bench${Date.now().toString(36)}`,
      MAPPINGS_DIR: mappingsDir,
      D365_BASE_URL: d365.url,
      D365_AUTH_MODE: "simulator",
      SPAPI_ENDPOINT_OVERRIDE: spapi.url,
      SPAPI_OVERRIDE_CA_FILE: spapi.caFile ?? "",
      SPAPI_LWA_CLIENT_SECRET: "fake-secret",
      SPAPI_REFRESH_TOKEN: "Atzr|fake-refresh-token",
      D365_CLIENT_SECRET: "fake-secret",
      INVENTORY_FEED_POLL_SECONDS: "1",
      INVENTORY_FEED_WAIT_SECONDS: "600",
      NODE_OPTIONS: "",
    };
    const child = join(ctx.root, "dist", "test", "bench", "lib", "inventory-push-child.js");
    const push = async (rss: boolean) => {
      const before = spapi.sim.requestCounts().counts;
      const run = await runNode([child], { env, keepStdout: true, timeoutMs: 600_000, ...(rss ? { rssDir: dir } : {}) });
      if (run.exitCode !== 0) throw new Error(`the inventory push failed (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
      const after = spapi.sim.requestCounts().counts;
      const calls: Record<string, number> = {};
      for (const [op, n] of Object.entries(after)) {
        const d = n - (before[op] ?? 0);
        if (d > 0 && op !== "lwa") calls[op] = d;
      }
      return { run, calls, out: JSON.parse(run.stdout.trim().split("\n").at(-1)!) as PushOutput };
    };

    ctx.progress(`inventory: pushing ${skus} SKUs (first push: every quantity)`);
    const first = await push(true);
    const changed = Math.min(1000, skus);
    const moved = Array.from({ length: changed }, (_, i) => item(i * Math.floor(skus / changed)));
    // On-hand changes through F&O's own posting (the simulator's setOnHand), which needs the released product.
    d365.seedRows(
      "ReleasedProductsV2",
      moved.map((itemNumber) => ({ dataAreaId: "usmf", ItemNumber: itemNumber, ProductNumber: itemNumber, SearchName: itemNumber })),
    );
    moved.forEach((itemNumber, i) => d365.setOnHand(itemNumber, "11", 200 + i));
    ctx.progress(`inventory: ${changed} SKUs changed in D365, second push`);
    const second = await push(false);
    ctx.progress("inventory: nothing changed, third push");
    const third = await push(false);
    return {
      skus,
      first: { seconds: first.run.seconds, peakRssMb: first.run.peakRssMb, spapiCalls: first.calls, out: first.out },
      second: { changed, spapiCalls: second.calls, out: second.out },
      third: { spapiCalls: third.calls, out: third.out },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

function inventoryRun(ctx: BenchContext): Promise<InventoryBenchResult> {
  return ctx.shared("inventory 10k", () => runInventoryBench(ctx, ctx.quick ? 2_000 : 10_000));
}

const callsText = (calls: Record<string, number>) =>
  Object.entries(calls)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ") || "none";

export const inventorySpapiCallsPer1000: BenchRow = {
  key: "inventorySpapiCallsPer1000Pushed",
  title: "SP-API calls per 1,000 SKUs pushed (feed path)",
  unit: "calls/1,000 SKUs",
  decimals: 1,
  target: { op: "<=", value: 10 },
  async measure(ctx) {
    const r = await inventoryRun(ctx);
    const calls = total(r.second.spapiCalls);
    return {
      value: round((calls * 1000) / r.second.changed, 2),
      details: {
        changed: r.second.changed,
        calls: r.second.spapiCalls,
        path: r.second.out.marketplaces[0]?.path,
        firstPush: { skus: r.skus, calls: r.first.spapiCalls },
        quietPushCalls: total(r.third.spapiCalls),
      },
      note:
        `${callsText(r.second.spapiCalls)} for ${r.second.changed} changed SKUs; all ${r.skus}: ${callsText(r.first.spapiCalls)}; ` +
        `nothing changed: ${total(r.third.spapiCalls)} calls`,
    };
  },
};

export const inventoryD365RequestsPer1000: BenchRow = {
  key: "inventoryD365RequestsPer1000Read",
  title: "D365 requests per 1,000 SKUs read (on-hand)",
  unit: "requests/1,000 SKUs",
  decimals: 2,
  target: { op: "<=", value: 1 },
  async measure(ctx) {
    const r = await inventoryRun(ctx);
    const requests = r.first.out.d365Requests["WarehousesOnHandV2 GET"] ?? 0;
    return {
      value: round((requests * 1000) / r.first.out.d365Rows, 3),
      details: { rows: r.first.out.d365Rows, requests: r.first.out.d365Requests },
      note: `${requests} WarehousesOnHandV2 request(s) for ${r.first.out.d365Rows} rows (F&O pages at 10,000)`,
    };
  },
};

export const inventoryPushSeconds: BenchRow = {
  key: "inventoryPush10kSeconds",
  title: "FBM push of 10,000 SKUs against the simulators, wall time",
  unit: "s",
  decimals: 1,
  target: { op: "<=", value: 30 },
  async measure(ctx) {
    const r = await inventoryRun(ctx);
    const mp = r.first.out.marketplaces[0];
    return {
      value: round(r.first.seconds, 2),
      met: r.first.seconds <= 30 && mp?.accepted === r.skus,
      details: { skus: r.skus, outcome: r.first.out.outcome, path: mp?.path, accepted: mp?.accepted, feed: mp?.feed },
      note: `one process from start to exit: read ${r.first.out.d365Rows} rows, ${mp?.path} of ${mp?.changed}, ${mp?.accepted} taken by Amazon`,
    };
  },
};

export const inventoryPushPeakRss: BenchRow = {
  key: "inventoryPush10kPeakRssMb",
  title: "peak RSS of that push",
  unit: "MB",
  decimals: 0,
  target: { op: "<=", value: 250 },
  async measure(ctx) {
    const r = await inventoryRun(ctx);
    return {
      value: r.first.peakRssMb === undefined ? null : round(r.first.peakRssMb, 1),
      details: { skus: r.skus },
      note: "the push's own Node process (the simulators and Azurite run in the bench process)",
    };
  },
};
