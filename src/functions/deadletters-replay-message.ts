import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { replayMessageHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";

export function deadlettersReplayMessage(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return replayMessageHandler(request, context, () => operationsDeps(currentApp(), context));
}

// Resends one parked or dead-lettered message (new messageId <original>:replay:<n>) and removes the original.
app.http("deadletters-replay-message", {
  methods: ["POST"],
  route: "deadletters/{queue}/{messageId}/replay",
  authLevel: "function",
  handler: deadlettersReplayMessage,
});
