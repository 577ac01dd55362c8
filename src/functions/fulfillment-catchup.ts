import { app, type InvocationContext, type Timer } from "@azure/functions";
import { catchUpFulfillment } from "../flows/fulfillment/safety-nets";
import { currentApp } from "../wiring/app";
import { safetyNetDeps } from "../wiring/fulfillment";

/** The D365-side safety net: ready MCF orders Amazon lacks, posted FBM packing slips Amazon was not told about. */
export async function fulfillmentCatchup(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = safetyNetDeps(currentApp(), context);
  const result = await catchUpFulfillment(deps);
  deps.telemetry.log("info", "fulfillment.catchUp", { result });
}

// Business events can be lost, or not be configured at all: this finds the same orders from D365's side.
app.timer("fulfillment-catchup", {
  schedule: "%FULFILLMENT_CATCHUP_SCHEDULE%",
  runOnStartup: false,
  handler: fulfillmentCatchup,
});
