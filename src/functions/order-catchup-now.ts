import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { startJob } from "../platform/jobs";
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
