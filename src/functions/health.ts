import { app, type HttpResponseInit } from "@azure/functions";
import { runHealthChecks } from "../platform/health";
import { currentApp } from "../wiring/app";
import { healthProbes } from "../wiring/operations";
import { describeRoute } from "../platform/api-docs/routes";
import { HEALTH_EXAMPLE, HealthView } from "../platform/operations-api";

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
describeRoute("health", {
  method: "GET",
  route: "health",
  operationId: "CheckHealth",
  summary: "Check the app's health",
  description: "Checks that state, secrets, D365 and SP-API answer; 200 when all do, 503 otherwise.",
  visibility: "advanced",
  anonymous: "load balancers and uptime monitors call it; it shows check names only.",
  tag: "Operations",
  responses: {
    200: { description: "Every check passed", schema: HealthView, example: HEALTH_EXAMPLE },
    503: {
      description: "A check failed (see checks)",
      schema: HealthView,
      example: { status: "unhealthy", ok: false, checks: [{ name: "d365", ok: false, ms: 10000, detail: "no answer within 10000 ms" }] },
    },
  },
});
