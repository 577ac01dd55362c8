/**
 * Two rows from one orders run (test/bench/orders-bench.ts): a backlog of orders (200; 40 with --quick) is
 * listed by the catch-up (getOrders), handed over in bulk groups and imported through the real adapters into
 * the D365 simulator, with the SP-API simulator enforcing Amazon's quotas at a time scale that keeps the run
 * short (the counts do not depend on it).
 *
 * - SP-API calls per imported order, steady state: the calls the import makes per order when the header is
 *   known from the catch-up's row (Orders v0: the items); the catch-up's listing (shared by up to 100 orders a
 *   page) and the other ways in (a notification, Orders 2026-01-01) are in the details.
 * - D365 requests per order when ≥ 100 orders wait: every HTTP request to D365 during the import of the
 *   backlog (look-ups, headers and lines, each one `$batch` per group, and the one read of the address
 *   states), divided by the orders; the token request is per process, not counted.
 */
import type { BenchContext, BenchRow } from "../bench-row";
import { round } from "../bench-row";
import { runOrdersBench, type OrdersBenchResult } from "../orders-bench";

function ordersRun(ctx: BenchContext): Promise<OrdersBenchResult> {
  return ctx.shared("orders backlog", () => {
    const orders = ctx.quick ? 40 : 200;
    ctx.progress(`orders: importing a backlog of ${orders} orders through the simulators`);
    return runOrdersBench({ orders, timeScale: 1000, concurrency: 8, d365LatencyMs: 0 });
  });
}

export const spapiCallsPerOrder: BenchRow = {
  key: "spapiCallsPerOrder",
  title: "SP-API calls per imported order, steady state",
  unit: "calls/order",
  decimals: 2,
  target: { op: "<=", value: 1.05 },
  async measure(ctx) {
    const r = await ordersRun(ctx);
    return {
      value: round(r.spapiCallsPerOrder, 3),
      details: {
        orders: r.orders,
        calls: r.spapiCalls,
        throttled: r.spapiThrottled,
        catchUpGetOrdersCallsPerOrder: round(r.catchUpGetOrdersCalls / r.orders, 4),
        duplicatePassCalls: r.duplicatePass.spapiCalls,
        otherPaths: Object.fromEntries(
          Object.entries(r.otherPaths).map(([k, v]) => [k, { ...v, callsPerOrder: round(v.callsPerOrder, 3) }]),
        ),
      },
      note: [
        `${Object.entries(r.spapiCalls)
          .map(([op, n]) => `${op} ${n}`)
          .join(", ")} for ${r.orders} orders (header from the catch-up's rows)`,
        `the catch-up listed them with ${r.catchUpGetOrdersCalls} getOrders call(s)`,
        `${Object.entries(r.otherPaths)
          .map(([k, v]) => `${k} ${round(v.callsPerOrder, 2)}`)
          .join(", ")} per order`,
      ].join("; "),
    };
  },
};

export const d365RequestsPerOrderBacklog: BenchRow = {
  key: "d365RequestsPerOrderBacklog",
  title: "D365 requests per order when ≥ 100 orders wait",
  unit: "requests/order",
  decimals: 2,
  target: { op: "<=", value: 0.05 },
  async measure(ctx) {
    const r = await ordersRun(ctx);
    return {
      value: round(r.d365RequestsPerOrder, 3),
      details: { orders: r.orders, linesPerOrder: round(r.linesPerOrder, 2), bulkGroups: r.bulkGroups, requests: r.d365Requests },
      note: `${Object.entries(r.d365Requests)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")} for ${r.orders} waiting orders (${round(r.linesPerOrder, 2)} lines each) in ${r.bulkGroups} bulk group(s)`,
    };
  },
};
