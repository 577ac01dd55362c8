/**
 * Two rows from one returns run (test/bench/returns-bench.ts): 1,000 Amazon returns (200 with --quick), half
 * FBA and half FBM, each with its refund, read by the returns sync's own steps (both reports for three
 * marketplaces, the MCF listing, refunds of the window) and imported through the real adapters into the D365
 * simulator, with the SP-API simulator enforcing Amazon's quotas at time scale 1000 (the counts do not depend
 * on it).
 *
 * - SP-API calls per 1,000 returns: everything the sync asks Amazon (createReport, getReport polls,
 *   getReportDocument, listTransactions pages, the MCF listing), scaled to 1,000 returns.
 * - D365 requests per return: every HTTP request to D365 during the imports (sales order and its lines, the
 *   return order header, one `$batch` of lines); the token request is per process, not counted.
 */
import type { BenchContext, BenchRow } from "../bench-row";
import { round } from "../bench-row";
import { runReturnsBench, type ReturnsBenchResult } from "../returns-bench";

function returnsRun(ctx: BenchContext): Promise<ReturnsBenchResult> {
  return ctx.shared("returns", () => {
    const returns = ctx.quick ? 200 : 1000;
    ctx.progress(`returns: syncing and importing ${returns} returns through the simulators`);
    return runReturnsBench({ returns, timeScale: 1000 });
  });
}

const list = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");

export const spapiCallsPer1000Returns: BenchRow = {
  key: "spapiCallsPer1000Returns",
  title: "SP-API calls per 1,000 returns (sync: reports, refunds, MCF)",
  unit: "calls",
  decimals: 1,
  target: { op: "<=", value: 100 },
  async measure(ctx) {
    const r = await returnsRun(ctx);
    return {
      value: round(r.spapiCallsPer1000Returns, 1),
      met: r.spapiCallsPer1000Returns <= 100 && r.returnOrders === r.returns && r.duplicatePass.returnOrdersCreated === 0,
      details: {
        returns: r.returns,
        returnOrders: r.returnOrders,
        refunded: r.refunded,
        calls: r.spapiCalls,
        throttled: r.spapiThrottled,
        duplicatePass: r.duplicatePass,
        seconds: round(r.seconds, 1),
      },
      note: `${list(r.spapiCalls)} for ${r.returns} returns (2 reports x 3 marketplaces; getReport polls depend on Amazon's processing time, one a minute while waiting)`,
    };
  },
};

export const d365RequestsPerReturn: BenchRow = {
  key: "d365RequestsPerReturn",
  title: "D365 requests per return (1,000 returns)",
  unit: "requests/return",
  decimals: 2,
  target: { op: "<=", value: 4 },
  async measure(ctx) {
    const r = await returnsRun(ctx);
    return {
      value: round(r.d365RequestsPerReturn, 3),
      details: { returns: r.returns, requests: r.d365Requests, duplicatePassRequests: r.duplicatePass.d365Requests },
      note: `${list(r.d365Requests)}; a second sync over the same window: ${r.duplicatePass.d365Requests} D365 requests, ${r.duplicatePass.returnOrdersCreated} return orders`,
    };
  },
};
