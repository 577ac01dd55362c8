import { app } from "@azure/functions";
import { SpApiOrders } from "../flows/orders/adapters";
import { catchUpOrders } from "../flows/orders/catch-up";
import { StateOrderLedger } from "../flows/orders/ledger";
import { runtime } from "../runtime";

// Enqueues an import for every order Amazon changed since the last run, per marketplace (lost notifications);
// SPAPI_ORDERS_API=2026-01-01 lists all marketplaces with one searchOrders call sequence (its quota: catch-up.ts).
app.timer("order-catchup", {
  schedule: "%ORDERS_CATCHUP_SCHEDULE%",
  runOnStartup: false,
  handler: async (_timer, context) => {
    const rt = runtime();
    const telemetry = rt.telemetry(context);
    const results = await catchUpOrders(
      {
        marketplaceIds: rt.config.SPAPI_MARKETPLACE_IDS,
        overlapMinutes: rt.config.ORDERS_CATCHUP_OVERLAP_MINUTES,
        initialLookbackDays: rt.config.ORDERS_INITIAL_LOOKBACK_DAYS,
        ordersApi: rt.config.SPAPI_ORDERS_API,
      },
      {
        amazon: new SpApiOrders(rt.amazon, rt.config.SPAPI_ORDERS_API),
        ledger: new StateOrderLedger(rt.state),
        bus: rt.bus,
        queue: rt.config.QUEUE_ORDER_IMPORT,
        state: rt.state,
        clock: rt.clock,
        telemetry,
      },
    );
    telemetry.log("info", "orders.catchUp", { results });
  },
});
