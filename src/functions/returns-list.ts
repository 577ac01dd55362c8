import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { listReturns, ReturnListQuery } from "../flows/returns/list-returns";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

/** The returns (and refunds without a return) with their D365 return order, status, reason, disposition and refund. */
export async function returnsList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = ReturnListQuery.safeParse(Object.fromEntries(request.query.entries()));
  if (!parsed.success) throw validationFromZod(parsed.error, "query");
  const result = await listReturns(currentApp().state, parsed.data);
  return { status: 200, jsonBody: { status: parsed.data.status ?? null, ...result } };
}

app.http("returns-list", {
  methods: ["GET"],
  route: "returns",
  authLevel: "function",
  handler: withHttpErrors(returnsList, invocationTelemetry),
});
