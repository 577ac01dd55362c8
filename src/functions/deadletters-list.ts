import { app } from "@azure/functions";
import { deadLettersHandler, operationsDeps } from "../platform/operations";

// Parked review records and dead-lettered messages of every queue (?queue=<name> for one, ?max=<n> per queue).
app.http("deadletters-list", {
  methods: ["GET"],
  route: "deadletters",
  authLevel: "function",
  handler: (request, context) => deadLettersHandler(request, context, () => operationsDeps(context)),
});
