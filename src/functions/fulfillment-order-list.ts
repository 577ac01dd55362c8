import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { fulfillmentOrders } from "../flows/fulfillment/status-api";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { mcfRecords } from "../wiring/fulfillment";

const Query = z
  .object({
    status: z
      .enum(["queued", "not-eligible", "waiting", "needs-attention", "creating", "sent", "shipping", "complete", "cancelled"])
      .optional(),
    company: z.string().trim().min(1).max(8).optional(),
    top: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** MCF orders, newest first, optionally of one status (?status=needs-attention) or legal entity. */
export async function fulfillmentOrderList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const q = Query.safeParse(Object.fromEntries(request.query.entries()));
  if (!q.success) throw validationFromZod(q.error, "query");
  return { status: 200, jsonBody: await fulfillmentOrders(mcfRecords(currentApp()), q.data) };
}

app.http("fulfillment-order-list", {
  methods: ["GET"],
  route: "fulfillment/orders",
  authLevel: "function",
  handler: withHttpErrors(fulfillmentOrderList, invocationTelemetry),
});
