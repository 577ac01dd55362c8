import { app, type HttpResponseInit } from "@azure/functions";
import { describeRoute } from "../platform/api-docs/routes";
import { publicHealth } from "../platform/health";
import { HEALTH_SUMMARY_EXAMPLE, HealthSummaryView } from "../platform/operations-api";
import { currentApp } from "../wiring/app";
import { checkHealth } from "../wiring/operations";

/**
 * 200 when every check passes, 503 otherwise, with each check's name and outcome only: the answer comes from the
 * last run of the checks (HEALTH_CACHE_SECONDS), so an anonymous caller causes no upstream call and no write.
 */
export async function health(): Promise<HttpResponseInit> {
  const report = await checkHealth(currentApp());
  return { status: report.ok ? 200 : 503, jsonBody: { status: report.ok ? "healthy" : "unhealthy", ...publicHealth(report) } };
}

// Anonymous by design: load balancers and uptime monitors call it; it reveals no data, only check names.
// The checks' texts (which secrets are set, upstream errors) are in GET /api/health/details (function key).
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
  description:
    "Whether state, secrets, mappings, D365 and SP-API answered the last checks (run at most every 30 s); 200 when all did, " +
    "503 otherwise. Names and outcomes only: the texts are in Get the health checks' details.",
  visibility: "advanced",
  anonymous: "load balancers and uptime monitors call it; it shows check names and outcomes only.",
  tag: "Operations",
  responses: {
    200: { description: "Every check passed", schema: HealthSummaryView, example: HEALTH_SUMMARY_EXAMPLE },
    503: {
      description: "A check failed (see checks)",
      schema: HealthSummaryView,
      example: { ...HEALTH_SUMMARY_EXAMPLE, status: "unhealthy", ok: false, checks: [{ name: "d365", ok: false }] },
    },
  },
});
