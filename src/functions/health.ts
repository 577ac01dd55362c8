import { app } from "@azure/functions";
import { runHealthChecks } from "../platform/health";
import { runtime } from "../runtime";

// Anonymous by design: load balancers and uptime monitors call it; it reveals no data, only check names.
app.http("health", {
  methods: ["GET"],
  route: "health",
  authLevel: "anonymous",
  handler: async () => {
    const result = await runHealthChecks(runtime());
    return { status: result.ok ? 200 : 503, jsonBody: { status: result.ok ? "healthy" : "unhealthy", ...result } };
  },
});
