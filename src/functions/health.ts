import { app, type HttpResponseInit } from "@azure/functions";
import { publicHealth } from "../platform/health";
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
