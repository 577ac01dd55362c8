import { app, type HttpResponseInit } from "@azure/functions";
import { runHealthChecks } from "../platform/health";
import { currentApp } from "../wiring/app";
import { healthProbes } from "../wiring/operations";

/** Runs every probe; 200 when all answer, 503 otherwise. */
export async function health(): Promise<HttpResponseInit> {
  const result = await runHealthChecks(healthProbes(currentApp()));
  return { status: result.ok ? 200 : 503, jsonBody: { status: result.ok ? "healthy" : "unhealthy", ...result } };
}

// Anonymous by design: load balancers and uptime monitors call it; it reveals no data, only check names.
app.http("health", {
  methods: ["GET"],
  route: "health",
  authLevel: "anonymous",
  handler: health,
});
