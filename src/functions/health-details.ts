import { app, type HttpResponseInit } from "@azure/functions";
import { describeRoute } from "../platform/api-docs/routes";
import { HEALTH_EXAMPLE, HealthView } from "../platform/operations-api";
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
describeRoute("health-details", {
  method: "GET",
  route: "health/details",
  operationId: "GetHealthDetails",
  summary: "Get the health checks' details",
  description:
    "The last health checks with what each one found: which secrets are set (names only), the mappings, what D365 and " +
    "Amazon answered, and how long each took; 200 when all passed, 503 otherwise.",
  visibility: "advanced",
  tag: "Operations",
  responses: {
    200: { description: "Every check passed", schema: HealthView, example: HEALTH_EXAMPLE },
    503: {
      description: "A check failed (see its detail)",
      schema: HealthView,
      example: {
        ...HEALTH_EXAMPLE,
        status: "unhealthy",
        ok: false,
        checks: [{ name: "d365", ok: false, ms: 10000, detail: "no answer within 10000 ms" }],
      },
    },
  },
});
