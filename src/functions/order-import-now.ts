import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { startJob } from "../platform/jobs";
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
