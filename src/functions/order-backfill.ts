import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { backfillInstanceId, backfillOrchestration } from "../flows/orders/backfill";
import { ValidationError } from "../platform/errors";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { backfillInput } from "../wiring/orders";

const BackfillRequest = z
  .object({
    /** Start of the period (orders last updated from then on), ISO 8601. */
    from: z.iso.datetime({ offset: true }),
    /** End of the period; default: now. */
    to: z.iso.datetime({ offset: true }).optional(),
    marketplaceIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Starts (or finds) the durable backfill of a period and answers with its status URLs. */
export async function orderBackfill(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const body = await parseJsonBody(request, BackfillRequest);
  const to = body.to ?? a.clock.now().toISOString();
  if (Date.parse(body.from) >= Date.parse(to))
    throw new ValidationError("backfill.period", "`from` must be before `to`", { where: "from" });
  const input = backfillInput(a, { from: body.from, to, marketplaceIds: body.marketplaceIds });
  const client = df.getClient(context);
  const instanceId = backfillInstanceId(input);
  // The same period again answers with the existing run (running or done); a failed one starts over.
  let exists = false;
  try {
    const status = await client.getStatus(instanceId);
    exists = status !== undefined && !["Failed", "Terminated", "Canceled"].includes(String(status.runtimeStatus));
  } catch {
    // durable-functions: getStatus throws for an unknown instance.
  }
  if (!exists) await client.startNew(backfillOrchestration.name, { instanceId, input });
  return client.createCheckStatusResponse(request, instanceId);
}

// One order report for the period, then import messages for every order in it.
app.http("order-backfill", {
  methods: ["POST"],
  route: "orders/backfill",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(orderBackfill, invocationTelemetry),
});
