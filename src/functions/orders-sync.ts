import { app } from "@azure/functions";
import { z } from "zod";
import { SpApiOrders } from "../flows/orders/adapters";
import { catchUpOrders } from "../flows/orders/catch-up";
import { StateOrderLedger } from "../flows/orders/ledger";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

const SyncRequest = z
  .object({
    /** Read orders changed since this time (ISO 8601); default: the catch-up watermark. */
    since: z.iso.datetime({ offset: true }).optional(),
    marketplaceIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

// Runs the catch-up now (optionally from `since`): enqueues imports and answers 202 with the counts.
app.http("orders-sync", {
  methods: ["POST"],
  route: "orders/sync",
  authLevel: "function",
  handler: withHttpErrors(async (request, context) => {
    const rt = runtime();
    const raw = await request.text();
    const body = raw.trim() ? await parseJsonBody({ text: async () => raw }, SyncRequest) : {};
    const results = await catchUpOrders(
      {
        marketplaceIds: body.marketplaceIds ?? rt.config.SPAPI_MARKETPLACE_IDS,
        overlapMinutes: rt.config.ORDERS_CATCHUP_OVERLAP_MINUTES,
        initialLookbackDays: rt.config.ORDERS_INITIAL_LOOKBACK_DAYS,
        ordersApi: rt.config.SPAPI_ORDERS_API,
        ...(body.since ? { since: new Date(body.since) } : {}),
      },
      {
        amazon: new SpApiOrders(rt.amazon, rt.config.SPAPI_ORDERS_API),
        ledger: new StateOrderLedger(rt.state),
        bus: rt.bus,
        queue: rt.config.QUEUE_ORDER_IMPORT,
        state: rt.state,
        clock: rt.clock,
        telemetry: rt.telemetry(context),
      },
    );
    return { status: 202, jsonBody: { results } };
  }),
});
