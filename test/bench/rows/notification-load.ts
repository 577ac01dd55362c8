/**
 * 2,000 notifications over 50 connections at once on the local host (test/bench/lib/notification-load.ts): the
 * endpoint's throughput and the p99 of its answers, while the same process imports the 250 orders behind them.
 * Both rows come from one run (ctx.shared); the details say what reached D365 and that nothing was dead-lettered.
 */
import type { BenchContext, BenchRow, Measured } from "../bench-row";
import { startAzurite } from "../../../src/local/azurite";
import { runNotificationLoad, type NotificationLoadResult } from "../lib/notification-load";

async function load(ctx: BenchContext): Promise<NotificationLoadResult> {
  return ctx.shared("notificationLoad", async () => {
    ctx.progress("notification load: starting Azurite");
    const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      return await runNotificationLoad({
        notifications: ctx.quick ? 400 : 2000,
        connections: 50,
        perOrder: 8,
        storageConnectionString: azurite.connectionString,
        tmpDir: ctx.tmpDir,
        progress: ctx.progress,
      });
    } finally {
      await azurite.stop();
    }
  });
}

function details(r: NotificationLoadResult): Measured["details"] {
  return { ...r, wrongOrders: r.wrongOrders.length };
}

function sound(r: NotificationLoadResult): boolean {
  return r.accepted === r.notifications && r.deadLettered === 0 && r.parked === 0 && r.wrongOrders.length === 0 && !r.timedOut;
}

function note(r: NotificationLoadResult): string {
  return (
    `${r.notifications} notifications (${r.orders} orders) over ${r.connections} connections in ${r.sendSeconds} s; ` +
    `p50 ${r.p50Ms} ms, max ${r.maxMs} ms; all orders in D365 after ${r.endToEndSeconds} s; ` +
    `${r.deadLettered} dead-lettered, ${r.parked} parked, ${r.wrongOrders.length} orders wrong`
  );
}

export const notificationLoadThroughput: BenchRow = {
  key: "notificationLoadPerSecond",
  title: "notifications accepted per second, 2,000 over 50 connections (nothing dead-lettered)",
  unit: "/s",
  decimals: 0,
  target: { op: ">=", value: 100 },
  targetText: "≥ 100 /s, nothing dead-lettered",
  async measure(ctx) {
    const r = await load(ctx);
    return { value: r.throughputPerSecond, met: r.throughputPerSecond >= 100 && sound(r), details: details(r), note: note(r) };
  },
};

export const notificationLoadP99: BenchRow = {
  key: "notificationLoadP99Ms",
  title: "p99 of those notifications' answers",
  unit: "ms",
  decimals: 0,
  // An EventBridge API destination gives the endpoint 5 s to answer, then retries the event (a harmless duplicate).
  target: { op: "<", value: 2500 },
  targetText: "< 2500 ms (half of EventBridge's 5 s timeout)",
  async measure(ctx) {
    const r = await load(ctx);
    return {
      value: r.p99Ms,
      details: { p50Ms: r.p50Ms, p99Ms: r.p99Ms, maxMs: r.maxMs },
      note: `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms`,
    };
  },
};
