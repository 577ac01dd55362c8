import { app, type HttpResponseInit } from "@azure/functions";
import { redact } from "../platform/telemetry";
import { currentApp } from "../wiring/app";
import { checkHealth } from "../wiring/operations";

/** The health checks with their texts and timings (which secrets are set, what an upstream answered), for admins. */
export async function healthDetails(): Promise<HttpResponseInit> {
  const report = await checkHealth(currentApp());
  const checks = report.checks.map((c) => (c.detail === undefined ? c : { ...c, detail: String(redact(c.detail)) }));
  return { status: report.ok ? 200 : 503, jsonBody: { status: report.ok ? "healthy" : "unhealthy", ...report, checks } };
}

// Function key required (x-functions-key header or ?code=): the details say what is set up and what failed.
app.http("health-details", {
  methods: ["GET"],
  route: "health/details",
  authLevel: "function",
  handler: healthDetails,
});
