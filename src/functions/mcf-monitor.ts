import { app, type InvocationContext, type Timer } from "@azure/functions";
import { monitorMcfOrders } from "../flows/fulfillment/safety-nets";
import { currentApp } from "../wiring/app";
import { safetyNetDeps } from "../wiring/fulfillment";

/** Follows the MCF orders Amazon has until they are delivered and their tracking is in D365. */
export async function mcfMonitor(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = safetyNetDeps(currentApp(), context);
  const result = await monitorMcfOrders(deps);
  deps.telemetry.log("info", "mcf.monitor", { result });
}

// Notifications can be lost: one listing of changed orders per run, and each open order when it is due
// (waiting longer while nothing changes).
app.timer("mcf-monitor", {
  schedule: "%MCF_MONITOR_SCHEDULE%",
  runOnStartup: false,
  handler: mcfMonitor,
});
