import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { catchUpOrders } from "../flows/orders/catch-up";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { catchUpDeps, catchUpOptions } from "../wiring/orders";
import { describeRoute } from "../platform/api-docs/routes";
import { CATCH_UP_EXAMPLE, CatchUpAnswer } from "../flows/orders/api";

const SyncRequest = z
  .object({
    /** Read orders changed since this time (ISO 8601); default: the catch-up watermark. */
    since: z.iso.datetime({ offset: true }).optional(),
    marketplaceIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Runs the catch-up now (optionally from `since`): enqueues imports and answers 202 with the counts. */
export async function orderCatchupNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const raw = await request.text();
  const body = raw.trim() ? await parseJsonBody({ text: async () => raw }, SyncRequest) : {};
  const a = currentApp();
  const results = await catchUpOrders(
    catchUpOptions(a, { ...(body.since ? { since: new Date(body.since) } : {}), marketplaceIds: body.marketplaceIds }),
    catchUpDeps(a, context),
  );
  return { status: 202, jsonBody: { results } };
}

// The function keeps its name "orders-sync" (its function keys and the monitoring queries that name it stay valid).
app.http("orders-sync", {
  methods: ["POST"],
  route: "orders/sync",
  authLevel: "function",
  handler: withHttpErrors(orderCatchupNow, invocationTelemetry),
});
describeRoute("orders-sync", {
  method: "POST",
  route: "orders/sync",
  operationId: "SyncOrders",
  summary: "Sync orders changed since a time",
  description:
    "Runs the order catch-up now: lists the orders Amazon changed (since the watermark, or since `since`) and queues an " +
    "import for each one not yet imported at that update.",
  visibility: "advanced",
  tag: "Orders",
  body: {
    schema: SyncRequest,
    example: { since: "2025-03-17T00:00:00Z", marketplaceIds: ["ATVPDKIKX0DER"] },
    required: false,
    description: "Empty for the watermark and every marketplace",
  },
  responses: {
    202: { description: "The imports are queued; the counts per marketplace", schema: CatchUpAnswer, example: CATCH_UP_EXAMPLE },
  },
  errors: [400, 429],
});
