/**
 * Two rows from one MCF run (test/bench/fulfillment-bench.ts): sales orders (10; 4 with --quick) of two lines
 * are created and confirmed in the D365 simulator and followed by the fulfillment flow — business events,
 * MCF notifications, D365's deliver-now packing slip job, the monitor — until Amazon delivered every package
 * and D365 has every tracking number. Simulated time moves in 15 s steps, so the counts do not depend on the
 * machine. The details give the same run with Fulfillment Outbound 2026-07-04 (SPAPI_MCF_API).
 *
 * - SP-API calls per MCF order, from creation to delivered: preview, create, one read per shipment, the
 *   tracking of each package (2020-07-01 asks getPackageTrackingDetails; 2026-07-04 reads it with the order),
 *   and the monitor's listing shared by every order.
 * - D365 requests per MCF order: reading the order when its events arrive, its lines once, the packing slips
 *   (one `$batch` of three reads), the deliver-now quantities (one `$batch`) and one tracking row per package.
 */
import type { BenchContext, BenchRow } from "../bench-row";
import { round } from "../bench-row";
import { type FulfillmentBenchResult, runFulfillmentBench } from "../fulfillment-bench";

function mcfRuns(ctx: BenchContext): Promise<{ v2020: FulfillmentBenchResult; v2026: FulfillmentBenchResult }> {
  return ctx.shared("mcf orders", async () => {
    const orders = ctx.quick ? 4 : 10;
    ctx.progress(`fulfillment: ${orders} MCF orders from D365 to delivered (2020-07-01, then 2026-07-04)`);
    return { v2020: await runFulfillmentBench({ orders }), v2026: await runFulfillmentBench({ orders, mcfApi: "2026-07-04" }) };
  });
}

const list = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");

export const spapiCallsPerMcfOrder: BenchRow = {
  key: "spapiCallsPerMcfOrder",
  title: "SP-API calls per MCF order, from creation to delivered",
  unit: "calls/order",
  decimals: 2,
  target: { op: "<=", value: 10 },
  async measure(ctx) {
    const { v2020, v2026 } = await mcfRuns(ctx);
    return {
      value: round(v2020.spapiCallsPerOrder, 3),
      details: { ...v2020, mcf2026: { spapiCallsPerOrder: round(v2026.spapiCallsPerOrder, 3), spapiCalls: v2026.spapiCalls } },
      note: `${list(v2020.spapiCalls)} for ${v2020.orders} orders (${v2020.packages} packages); 2026-07-04: ${round(v2026.spapiCallsPerOrder, 2)} (${list(v2026.spapiCalls)})`,
    };
  },
};

export const d365RequestsPerMcfOrder: BenchRow = {
  key: "d365RequestsPerMcfOrder",
  title: "D365 requests per MCF order, from creation to tracking on the packing slips",
  unit: "requests/order",
  decimals: 2,
  target: { op: "<=", value: 15 },
  async measure(ctx) {
    const { v2020 } = await mcfRuns(ctx);
    return {
      value: round(v2020.d365RequestsPerOrder, 3),
      details: { orders: v2020.orders, packages: v2020.packages, requests: v2020.d365Requests, businessEvents: v2020.businessEvents },
      note: `${list(v2020.d365Requests)} for ${v2020.orders} orders, two packing slips each (one per Amazon shipment)`,
    };
  },
};
