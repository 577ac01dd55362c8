import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { backfillInstanceId, backfillOrchestration } from "../flows/orders/backfill";
import { tracedInput } from "../platform/durable";
import { ValidationError } from "../platform/errors";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { backfillInput } from "../wiring/orders";
import { describeRoute } from "../platform/api-docs/routes";
import { BackfillOutputView } from "../flows/orders/api";
import { DURABLE_CHECK_STATUS_EXAMPLE, DurableCheckStatus, durableStatus } from "../platform/api-docs/durable";

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
  if (!exists) await client.startNew(backfillOrchestration.name, { instanceId, input: tracedInput(input) });
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
describeRoute("order-backfill", {
  method: "POST",
  route: "orders/backfill",
  operationId: "BackfillOrders",
  summary: "Backfill orders of a period",
  description:
    "Requests Amazon's order report for a period and imports every order in it (orders already imported at the same " +
    "update are skipped). The same period again answers with the run that exists.",
  visibility: "advanced",
  tag: "Orders",
  body: {
    schema: BackfillRequest,
    example: { from: "2025-03-01T00:00:00Z", to: "2025-03-08T00:00:00Z", marketplaceIds: ["ATVPDKIKX0DER"] },
  },
  async: {
    description: "The backfill finished: the orchestration's status with the report's counts in output",
    result: durableStatus(BackfillOutputView),
    example: {
      name: "orderBackfillOrchestrator",
      instanceId: "backfill-2025-03-01-2025-03-08-ATVPDKIKX0DER",
      runtimeStatus: "Completed",
      createdTime: "2025-03-17T06:00:00Z",
      lastUpdatedTime: "2025-03-17T06:09:00Z",
      output: { reportId: "50001019555", status: "done", orders: 420, enqueued: 35, skipped: 385 },
    },
    accepted: {
      schema: DurableCheckStatus,
      example: DURABLE_CHECK_STATUS_EXAMPLE,
      description: "Started (or found running); poll Location",
    },
    retryAfterSeconds: 10,
  },
  errors: [400],
});
