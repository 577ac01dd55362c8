import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { deadLettersHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";
import { z } from "zod";
import { describeRoute } from "../platform/api-docs/routes";
import { DEAD_LETTERS_EXAMPLE, DeadLetterListingView } from "../platform/operations-api";

export function deadlettersList(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return deadLettersHandler(request, context, () => operationsDeps(currentApp(), context));
}

// Parked messages and dead-lettered messages of every queue (?queue=<name> for one, ?max=<n> per queue).
app.http("deadletters-list", {
  methods: ["GET"],
  route: "deadletters",
  authLevel: "function",
  handler: deadlettersList,
});
describeRoute("deadletters-list", {
  method: "GET",
  route: "deadletters",
  operationId: "ListDeadLetters",
  summary: "List messages that need a person",
  description: "Parked messages (with their reason and a suggested fix) and dead-lettered messages of every queue, or of one.",
  visibility: "important",
  tag: "Operations",
  query: z.object({
    queue: z.string().optional().meta({ description: "Only this queue (e.g. order-import)" }),
    max: z
      .string()
      .regex(/^\d+$/)
      .optional()
      .meta({ title: "Max per Queue", description: "Dead-lettered messages per queue, 1 to 1000 (default 100)" }),
  }),
  responses: { 200: { description: "The messages", schema: DeadLetterListingView, example: DEAD_LETTERS_EXAMPLE } },
  errors: [404],
});
