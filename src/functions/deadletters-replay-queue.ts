import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { replayQueueHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";

export function deadlettersReplayQueue(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return replayQueueHandler(request, context, () => operationsDeps(currentApp(), context));
}

// Resends every parked and dead-lettered message of one queue (new messageId <original>:replay:<n>).
app.http("deadletters-replay-queue", {
  methods: ["POST"],
  route: "deadletters/{queue}/replay",
  authLevel: "function",
  handler: deadlettersReplayQueue,
});
