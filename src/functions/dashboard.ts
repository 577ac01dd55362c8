import { app, type HttpResponseInit } from "@azure/functions";
import { describeRoute } from "../platform/api-docs/routes";
import { dashboardPage } from "../platform/dashboard/page";

/** The operations dashboard: one HTML page that reads GET /api/status and the other JSON routes by itself. */
export async function dashboard(): Promise<HttpResponseInit> {
  const page = dashboardPage();
  return { status: 200, headers: page.headers, body: page.html };
}

// Open it in a browser: /api/dashboard?code=<function key> in Azure (the page passes the key on), no key locally.
app.http("dashboard", {
  methods: ["GET"],
  route: "dashboard",
  authLevel: "function",
  handler: dashboard,
});
describeRoute("dashboard", {
  method: "GET",
  route: "dashboard",
  operationId: "GetDashboard",
  summary: "Open the dashboard",
  description:
    "An HTML page for a browser: per flow the last run and lag, queues with parked messages and Replay, settlements with " +
    "Approve, a section per flow; it refreshes itself every 15 s from the JSON routes.",
  visibility: "internal",
  tag: "Operations",
  produces: ["text/html"],
  responses: { 200: { description: "The dashboard page (an HTML document, for a browser)" } },
});
