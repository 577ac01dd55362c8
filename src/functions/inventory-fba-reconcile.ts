import { app, type InvocationContext, type Timer } from "@azure/functions";
import { reconcileFba } from "../flows/inventory/fba-reconcile";
import { currentApp } from "../wiring/app";
import { fbaReconcileDeps } from "../wiring/inventory";

/** Compares Amazon's FBA stock with the D365 warehouses that stand for FBA (and prepares journals where configured). */
export async function inventoryFbaReconcile(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = fbaReconcileDeps(currentApp(), context);
  const result = await reconcileFba({}, deps);
  deps.telemetry.log(result.outcome === "failed" ? "warn" : "info", "inventory.fbaReconcile", { outcome: result.outcome });
}

// Hourly by default; FBA_INVENTORY_AVAILABILITY_CHANGES refreshes single SKUs in between.
app.timer("inventory-fba-reconcile", {
  schedule: "%INVENTORY_FBA_SCHEDULE%",
  runOnStartup: false,
  handler: inventoryFbaReconcile,
});
