import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { statusHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";
import { describeRoute } from "../platform/api-docs/routes";
import { STATUS_EXAMPLE, StatusView } from "../platform/operations-api";

export function status(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return statusHandler(request, context, () => operationsDeps(currentApp(), context));
}

// Per flow: last run, watermark, counters; per queue: parked messages and dead-letter depth.
app.http("status", {
  methods: ["GET"],
  route: "status",
  authLevel: "function",
  handler: status,
});
describeRoute("status", {
  method: "GET",
  route: "status",
  operationId: "GetStatus",
  summary: "Get the status of every flow",
  description: "Per flow the last run, its counts and watermark; per queue the parked and dead-lettered messages; a section per flow.",
  visibility: "important",
  tag: "Operations",
  responses: { 200: { description: "The status", schema: StatusView, example: STATUS_EXAMPLE } },
});
