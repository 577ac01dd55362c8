import { app } from "@azure/functions";
import { operationsDeps, replayQueueHandler } from "../platform/operations";

// Resends every parked and dead-lettered message of one queue (new messageId <original>:replay:<n>).
app.http("deadletters-replay-queue", {
  methods: ["POST"],
  route: "deadletters/{queue}/replay",
  authLevel: "function",
  handler: (request, context) => replayQueueHandler(request, context, () => operationsDeps(context)),
});
