import { app, type InvocationContext, type Timer } from "@azure/functions";
import { syncProducts } from "../flows/products/sync";
import { currentApp } from "../wiring/app";
import { syncDeps, syncOptions } from "../wiring/products";

/** Compares D365's released products with the listings and enqueues publish batches for what changed. */
export async function productSync(_timer: Timer, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const deps = syncDeps(a, context);
  if (!deps.mapping) {
    deps.telemetry.log("info", "products.sync.skipped", { reason: "no mappings/products.json" });
    return;
  }
  const plan = await syncProducts(syncOptions(a, { source: "timer" }), deps);
  deps.telemetry.log("info", "products.sync", { syncId: plan.syncId, items: plan.items, batches: plan.batches, counts: plan.counts });
}

// Prices and names kept in step with D365; listings not read for PRODUCTS_REFRESH_HOURS are read again.
app.timer("product-sync", {
  schedule: "%PRODUCTS_SYNC_SCHEDULE%",
  runOnStartup: false,
  handler: productSync,
});
