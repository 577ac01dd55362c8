import { app, type InvocationContext, type Timer } from "@azure/functions";
import { catchUpOrders } from "../flows/orders/catch-up";
import { currentApp } from "../wiring/app";
import { catchUpDeps, catchUpOptions } from "../wiring/orders";

/** Enqueues an import for every order Amazon changed since the last run. */
export async function orderCatchup(_timer: Timer, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const deps = catchUpDeps(a, context);
  const results = await catchUpOrders(catchUpOptions(a), deps);
  deps.telemetry.log("info", "orders.catchUp", { results });
}

// Per marketplace (notifications can be lost); SPAPI_ORDERS_API=2026-01-01 lists all marketplaces with one
// searchOrders call sequence (its quota: flows/orders/catch-up.ts).
app.timer("order-catchup", {
  schedule: "%ORDERS_CATCHUP_SCHEDULE%",
  runOnStartup: false,
  handler: orderCatchup,
});
