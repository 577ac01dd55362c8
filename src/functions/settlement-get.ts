import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { getSettlementRecord, publicRecord } from "../flows/settlements/settlement-records";
import { NotFoundError } from "../platform/errors";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";
import { describeRoute } from "../platform/api-docs/routes";
import { SETTLEMENT_EXAMPLE, SettlementIdParam, SettlementView } from "../flows/settlements/api";

/** One settlement's record: 202 while its import runs, 200 after. */
export async function settlementGet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = SettlementIdParam.safeParse(request.params.id);
  if (!id.success) throw validationFromZod(id.error, "settlement id");
  const record = await getSettlementRecord(settlementDeps(currentApp(), context).state, id.data);
  if (!record) throw new NotFoundError("settlement.not-found", `no settlement ${id.data}`);
  const running = record.status === "pending" || record.status === "running";
  const headers: Record<string, string> = running ? { "Retry-After": "5", Location: request.url } : {};
  return { status: running ? 202 : 200, headers, jsonBody: publicRecord(record) };
}

// The Location of POST settlements/import.
app.http("settlement-get", {
  methods: ["GET"],
  route: "settlements/{id}",
  authLevel: "function",
  handler: withHttpErrors(settlementGet, invocationTelemetry),
});
describeRoute("settlement-get", {
  method: "GET",
  route: "settlements/{id}",
  operationId: "GetSettlement",
  summary: "Get a settlement",
  description: "A settlement's import: status, reconciliation to the deposit, the journal number, anomalies and unmapped lines.",
  visibility: "important",
  tag: "Settlements",
  path: z.object({ id: SettlementIdParam }),
  async: {
    description:
      "The settlement, once its import is not running (created, posted, awaiting-approval, needs-mapping, needs-attention, conflict or failed)",
    result: SettlementView,
    example: SETTLEMENT_EXAMPLE,
    accepted: { schema: SettlementView, example: { ...SETTLEMENT_EXAMPLE, status: "running" }, description: "The import still runs" },
    retryAfterSeconds: 5,
  },
  errors: [400, 404],
});
