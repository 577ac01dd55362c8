import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { replayMessageHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";
import { z } from "zod";
import { describeRoute } from "../platform/api-docs/routes";
import { REPLAY_EXAMPLE, ReplayReportView } from "../platform/operations-api";

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
describeRoute("deadletters-replay-message", {
  method: "POST",
  route: "deadletters/{queue}/{messageId}/replay",
  operationId: "ReplayMessage",
  summary: "Replay one message",
  description:
    "Sends one parked or dead-lettered message to its queue again (after its cause was fixed, e.g. a mapping) and " +
    "removes the original. Replaying twice sends it once.",
  visibility: "important",
  tag: "Operations",
  path: z.object({
    queue: z.string().meta({ description: "The queue, e.g. order-import" }),
    messageId: z.string().meta({ title: "Message ID", description: "As listed by List messages that need a person" }),
  }),
  responses: {
    200: { description: "Replayed", schema: ReplayReportView, example: REPLAY_EXAMPLE },
    207: { description: "Some copies were replayed, others failed", schema: ReplayReportView, example: REPLAY_EXAMPLE },
  },
  errors: [404, 502],
});
