import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { lastSync, RETURNS_SYNC_INSTANCE } from "../flows/returns/sync";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { describeRoute } from "../platform/api-docs/routes";
import { RETURNS_SYNC_STATUS_EXAMPLE, ReturnsSyncStatus } from "../flows/returns/api";

const RUNNING = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

/** The returns sync's status: 202 (with Location and Retry-After) while it runs, 200 with its result when done. */
export async function returnsSyncStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const client = df.getClient(context);
  let status: df.DurableOrchestrationStatus | undefined;
  try {
    status = await client.getStatus(RETURNS_SYNC_INSTANCE);
  } catch {
    // durable-functions: getStatus throws for an unknown instance (no sync has run yet).
  }
  const runtimeStatus = status ? String(status.runtimeStatus) : undefined;
  if (runtimeStatus && RUNNING.has(runtimeStatus)) {
    return {
      status: 202,
      headers: { Location: new URL("/api/returns/sync", request.url).toString(), "Retry-After": "60" },
      jsonBody: { instanceId: RETURNS_SYNC_INSTANCE, runtimeStatus, step: status?.customStatus ?? null },
    };
  }
  const last = await lastSync(currentApp().state);
  return {
    status: 200,
    jsonBody: {
      instanceId: RETURNS_SYNC_INSTANCE,
      runtimeStatus: runtimeStatus ?? "NotStarted",
      ...(runtimeStatus === "Failed" ? { error: String(status?.output ?? "the sync failed") } : {}),
      ...(runtimeStatus === "Completed" && status?.output ? { result: status.output } : last ? { lastSync: last } : {}),
    },
  };
}

app.http("returns-sync-status", {
  methods: ["GET"],
  route: "returns/sync",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(returnsSyncStatus, invocationTelemetry),
});
describeRoute("returns-sync-status", {
  method: "GET",
  route: "returns/sync",
  operationId: "GetReturnsSync",
  summary: "Get the returns sync",
  description: "The returns sync: 202 while it runs, 200 with its result (or the last sync's) when it is done.",
  visibility: "advanced",
  tag: "Returns",
  async: {
    description: "The sync's result, or the last sync's when none runs",
    result: ReturnsSyncStatus,
    example: RETURNS_SYNC_STATUS_EXAMPLE,
    accepted: {
      schema: ReturnsSyncStatus,
      example: { instanceId: "returns-sync", runtimeStatus: "Running" },
      description: "The sync still runs",
    },
    retryAfterSeconds: 60,
  },
});
