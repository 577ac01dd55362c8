import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { deadLettersHandler } from "../platform/operations";
import { currentApp } from "../wiring/app";
import { operationsDeps } from "../wiring/operations";

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
