import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { AmazonOrderIdSchema } from "../flows/orders/amazon-order";
import { IMPORT_OUTCOME_EXAMPLE, ImportOutcomeView } from "../flows/orders/api";
import { describeRoute } from "../platform/api-docs/routes";
import { JOB_RETRY_AFTER_SECONDS, startJob } from "../platform/jobs";
import { JobViewOf, jobExample } from "../platform/jobs-api";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { ORDER_SYNC_JOB, OrderSyncInput, jobDeps } from "../wiring/jobs";

/**
 * Imports (or re-checks) one order now, as a job: 200 with the outcome when it finishes within
 * HTTP_JOB_WAIT_SECONDS (the usual case), else 202 with the job's status URL (SP-API quotas can make it wait).
 */
export async function orderImportNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const input = OrderSyncInput.safeParse({ amazonOrderId: request.params.amazonOrderId });
  if (!input.success) throw validationFromZod(input.error, "Amazon order id");
  const deps = jobDeps(currentApp(), context);
  return startJob(request.url, deps, ORDER_SYNC_JOB, input.data, deps.waitMs);
}

// For admins and Power Automate. The function keeps its name "order-sync" (its function keys and the
// monitoring queries that name it stay valid).
app.http("order-sync", {
  methods: ["POST"],
  route: "orders/{amazonOrderId}/sync",
  authLevel: "function",
  handler: withHttpErrors(orderImportNow, invocationTelemetry),
});
const example = jobExample(ORDER_SYNC_JOB, IMPORT_OUTCOME_EXAMPLE);
describeRoute("order-sync", {
  method: "POST",
  route: "orders/{amazonOrderId}/sync",
  operationId: "SyncOrder",
  summary: "Import or re-check one order",
  description:
    "Reads the order from Amazon and creates or completes its D365 sales order now (never twice); answers what became of " +
    "it, usually at once, or 202 and its job's URL when Amazon's quota makes it wait.",
  visibility: "important",
  tag: "Orders",
  path: z.object({ amazonOrderId: AmazonOrderIdSchema.meta({ title: "Amazon Order ID", description: "e.g. 113-1234567-1234567" }) }),
  async: {
    description: "The import's job once it ran: what became of the order in result",
    result: JobViewOf(ImportOutcomeView),
    example: example.done,
    accepted: { schema: JobViewOf(ImportOutcomeView), example: example.accepted, description: "The import still runs" },
    retryAfterSeconds: JOB_RETRY_AFTER_SECONDS,
  },
  errors: [400, 404, 409, 422, 500],
});
