import { app, type InvocationContext, type Timer } from "@azure/functions";
import { pushInventory } from "../flows/inventory/push";
import { currentApp } from "../wiring/app";
import { inventoryPushDeps } from "../wiring/inventory";

/** Pushes every changed FBM quantity from D365 to Amazon. */
export async function inventoryPush(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = inventoryPushDeps(currentApp(), context);
  const result = await pushInventory({ trigger: "timer" }, deps);
  // A failed push (D365 unreadable) is recorded and alerted by the flow; the timer itself does not fail.
  deps.telemetry.log(result.outcome === "failed" ? "warn" : "info", "inventory.push", { outcome: result.outcome, error: result.error });
}

// Every 15 minutes by default; only changed quantities cost SP-API calls.
app.timer("inventory-push", {
  schedule: "%INVENTORY_PUSH_SCHEDULE%",
  runOnStartup: false,
  handler: inventoryPush,
});
