import { app } from "@azure/functions";
import { operationsDeps, statusHandler } from "../platform/operations";

// Per flow: last run, watermark, counters; per queue: parked review records and dead-letter depth.
app.http("status", {
  methods: ["GET"],
  route: "status",
  authLevel: "function",
  handler: (request, context) => statusHandler(request, context, () => operationsDeps(context)),
});
