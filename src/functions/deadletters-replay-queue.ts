import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { replayQueueHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";
import { z } from "zod";
import { describeRoute } from "../platform/api-docs/routes";
import { REPLAY_EXAMPLE, ReplayReportView } from "../platform/operations-api";

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
describeRoute("deadletters-replay-queue", {
  method: "POST",
  route: "deadletters/{queue}/replay",
  operationId: "ReplayQueue",
  summary: "Replay every message of a queue",
  description: "Sends every parked and dead-lettered message of one queue again and removes the originals.",
  visibility: "advanced",
  tag: "Operations",
  path: z.object({ queue: z.string().meta({ description: "The queue, e.g. order-import" }) }),
  responses: {
    200: { description: "Replayed (or nothing to replay)", schema: ReplayReportView, example: REPLAY_EXAMPLE },
    207: { description: "Some were replayed, others failed", schema: ReplayReportView, example: REPLAY_EXAMPLE },
  },
  errors: [404, 502],
});
