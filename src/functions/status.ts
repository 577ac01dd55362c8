import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { statusHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";

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
