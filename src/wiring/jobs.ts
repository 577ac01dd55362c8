/**
 * The jobs HTTP calls start (src/platform/jobs.ts): one entry per kind, with the input it takes and the use case
 * it runs. A flow whose HTTP call may wait (on SP-API quotas, a report, a large write) adds its kind here and
 * calls `startJob` from its function file; the job runner and GET /api/jobs/{id} need nothing else. Never rename
 * a kind while jobs of it may wait in the queue.
 */
import { z } from "zod";
import { AmazonOrderIdSchema } from "../flows/orders/amazon-order";
import { catchUpOrders } from "../flows/orders/catch-up";
import { importOrder } from "../flows/orders/import-order";
import { jobHandler, type JobDeps, type JobHandlers } from "../platform/jobs";
import type { InvocationLogger } from "../platform/telemetry";
import type { App } from "./app";
import { catchUpDeps, catchUpOptions, importOrderDeps } from "./orders";

/** POST /api/orders/sync: the catch-up now, optionally from `since` and for some marketplaces. */
export const ORDERS_SYNC_JOB = "orders.sync";
export const OrdersSyncInput = z
  .object({
    /** Read orders changed since this time (ISO 8601); default: the catch-up watermark. */
    since: z.iso.datetime({ offset: true }).optional(),
    marketplaceIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** POST /api/orders/{amazonOrderId}/sync: one order imported (or checked again) now. */
export const ORDER_SYNC_JOB = "orders.syncOne";
export const OrderSyncInput = z.object({ amazonOrderId: AmazonOrderIdSchema }).strict();

export function jobHandlers(app: App, context?: InvocationLogger): JobHandlers {
  return {
    [ORDERS_SYNC_JOB]: jobHandler(OrdersSyncInput, async (input) => ({
      results: await catchUpOrders(
        catchUpOptions(app, { ...(input.since ? { since: new Date(input.since) } : {}), marketplaceIds: input.marketplaceIds }),
        catchUpDeps(app, context),
      ),
    })),
    [ORDER_SYNC_JOB]: jobHandler(OrderSyncInput, (input) =>
      importOrder({ amazonOrderId: input.amazonOrderId, source: "sync", force: true }, importOrderDeps(app, context)),
    ),
  };
}

/** The job store, the jobs queue and how long an HTTP call waits before it answers 202. */
export function jobDeps(app: App, context?: InvocationLogger): JobDeps & { waitMs: number } {
  return {
    state: app.state,
    get bus() {
      return app.bus;
    },
    queue: app.config.QUEUE_JOBS,
    clock: app.clock,
    telemetry: app.telemetry(context),
    waitMs: app.config.HTTP_JOB_WAIT_SECONDS * 1000,
  };
}
