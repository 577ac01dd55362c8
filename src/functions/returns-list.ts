import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { listReturns, ReturnListQuery } from "../flows/returns/list-returns";
import { queryParams, validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { z } from "zod";
import { describeRoute } from "../platform/api-docs/routes";
import { RETURN_LIST_EXAMPLE, ReturnList } from "../flows/returns/api";

/** The returns (and refunds without a return) with their D365 return order, status, reason, disposition and refund. */
export async function returnsList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = ReturnListQuery.safeParse(queryParams(request.query));
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
describeRoute("returns-list", {
  method: "GET",
  route: "returns",
  operationId: "ListReturns",
  summary: "List returns and refunds",
  description:
    "Amazon returns with their D365 return order, status, reason, disposition and refund, and refunds; status=review lists what needs a person.",
  visibility: "important",
  tag: "Returns",
  query: z.object({
    status: ReturnListQuery.shape.status,
    amazonOrderId: ReturnListQuery.shape.amazonOrderId,
    top: z
      .string()
      .regex(/^[0-9]+$/)
      .optional()
      .meta({ description: "At most this many returns and refunds (1-5000, default 500)" }),
  }),
  responses: { 200: { description: "The returns and refunds", schema: ReturnList, example: RETURN_LIST_EXAMPLE } },
  errors: [400],
});
