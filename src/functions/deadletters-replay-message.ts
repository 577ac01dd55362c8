import { app } from "@azure/functions";
import { operationsDeps, replayMessageHandler } from "../platform/operations";

// Resends one parked or dead-lettered message (new messageId <original>:replay:<n>) and removes the original.
app.http("deadletters-replay-message", {
  methods: ["POST"],
  route: "deadletters/{queue}/{messageId}/replay",
  authLevel: "function",
  handler: (request, context) => replayMessageHandler(request, context, () => operationsDeps(context)),
});
