import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { CATCH_UP_EXAMPLE, CatchUpAnswer } from "../flows/orders/api";
import { describeRoute } from "../platform/api-docs/routes";
import { JOB_RETRY_AFTER_SECONDS, startJob } from "../platform/jobs";
import { JobViewOf, jobExample } from "../platform/jobs-api";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { ORDERS_SYNC_JOB, OrdersSyncInput, jobDeps } from "../wiring/jobs";

/**
 * Runs the catch-up now (optionally from `since`) as a job: 200 with the counts when it finishes within
 * HTTP_JOB_WAIT_SECONDS, else 202 with the job's status URL (listing orders may wait on SP-API quotas for minutes).
 */
export async function orderCatchupNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const raw = await request.text();
  const input = raw.trim() ? await parseJsonBody({ text: async () => raw }, OrdersSyncInput) : {};
  const deps = jobDeps(currentApp(), context);
  return startJob(request.url, deps, ORDERS_SYNC_JOB, input, deps.waitMs);
}

// The function keeps its name "orders-sync" (its function keys and the monitoring queries that name it stay valid).
app.http("orders-sync", {
  methods: ["POST"],
  route: "orders/sync",
  authLevel: "function",
  handler: withHttpErrors(orderCatchupNow, invocationTelemetry),
});
const example = jobExample(ORDERS_SYNC_JOB, CATCH_UP_EXAMPLE);
describeRoute("orders-sync", {
  method: "POST",
  route: "orders/sync",
  operationId: "SyncOrders",
  summary: "Sync orders changed since a time",
  description:
    "Runs the order catch-up now: lists the orders Amazon changed (since the watermark, or since `since`) and queues an " +
    "import for each one not yet imported at that update. Listing may wait on Amazon's quota: 202 and its job's URL then.",
  visibility: "advanced",
  tag: "Orders",
  body: {
    schema: OrdersSyncInput,
    example: { since: "2025-03-17T00:00:00Z", marketplaceIds: ["ATVPDKIKX0DER"] },
    required: false,
    description: "Empty for the watermark and every marketplace",
  },
  async: {
    description: "The sync's job once it ran: the counts per marketplace in result",
    result: JobViewOf(CatchUpAnswer),
    example: example.done,
    accepted: { schema: JobViewOf(CatchUpAnswer), example: example.accepted, description: "The sync still runs" },
    retryAfterSeconds: JOB_RETRY_AFTER_SECONDS,
  },
  errors: [400, 500],
});
