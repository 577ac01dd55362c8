import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { ImportAccepted, ResolveBody, SETTLEMENT_EXAMPLE, SettlementIdParam, SettlementView } from "../flows/settlements/api";
import { resolveConflict } from "../flows/settlements/import-steps";
import { importSettlement } from "../flows/settlements/import-settlement";
import { publicRecord } from "../flows/settlements/settlement-records";
import { describeRoute } from "../platform/api-docs/routes";
import { parseJsonBody, validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps, settlementStartOptions } from "../wiring/settlements";

/**
 * A person's decision on a settlement in conflict (a journal D365 posted before the app verified it, or two
 * journals): new-journal sets the conflicting journals aside and imports the settlement again (202); accept keeps
 * the journal as it is in D365 (200).
 */
export async function settlementResolve(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = SettlementIdParam.safeParse(request.params.id);
  if (!id.success) throw validationFromZod(id.error, "settlement id");
  const body = await parseJsonBody(request, ResolveBody);
  const a = currentApp();
  const deps = settlementDeps(a, context);
  const record = await resolveConflict(id.data, body.action, body, deps);
  const location = new URL(`/api/settlements/${encodeURIComponent(id.data)}`, request.url).toString();
  if (body.action === "accept") return { status: 200, headers: { Location: location }, jsonBody: publicRecord(record) };
  const outcome = await importSettlement(
    { kind: "settlement", settlementId: id.data },
    durableStarter(df.getClient(context)),
    deps,
    settlementStartOptions(a),
  );
  return {
    status: 202,
    headers: { Location: location, "Retry-After": "5" },
    jsonBody: { settlementId: id.data, instanceId: outcome.instanceId, started: outcome.started, statusUrl: location },
  };
}

app.http("settlement-resolve", {
  methods: ["POST"],
  route: "settlements/{id}/resolve",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(settlementResolve, invocationTelemetry),
});
describeRoute("settlement-resolve", {
  method: "POST",
  route: "settlements/{id}/resolve",
  operationId: "ResolveSettlementConflict",
  summary: "Resolve a settlement conflict",
  description:
    "A person's decision on a settlement in conflict (a journal D365 posted before the app verified it, or two journals): " +
    "new-journal sets them aside and imports the settlement again; accept keeps the journal as it is in D365.",
  visibility: "advanced",
  tag: "Settlements",
  path: z.object({ id: SettlementIdParam }),
  body: { schema: ResolveBody, example: { action: "new-journal", resolvedBy: "finance@contoso.example" } },
  async: {
    description: "The settlement once it is booked again (accept answers it at once)",
    result: SettlementView,
    example: { ...SETTLEMENT_EXAMPLE, resolvedBy: "finance@contoso.example" },
    accepted: {
      schema: ImportAccepted,
      example: {
        settlementId: "24000042001",
        instanceId: "settlement-24000042001",
        started: true,
        statusUrl: "https://my-app.azurewebsites.net/api/settlements/24000042001",
      },
    },
    retryAfterSeconds: 5,
  },
  errors: [400, 404, 409],
});
