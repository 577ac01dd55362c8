import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { resolveConflict } from "../flows/settlements/import-steps";
import { importSettlement } from "../flows/settlements/import-settlement";
import { publicRecord } from "../flows/settlements/settlement-records";
import { parseJsonBody, validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps, settlementStartOptions } from "../wiring/settlements";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const ResolveBody = z
  .object({
    action: z.enum(["new-journal", "accept"]),
    journalBatchNumber: z.string().min(1).max(20).optional(),
    resolvedBy: z.string().min(1).max(100).optional(),
  })
  .strict();

/**
 * A person's decision on a settlement in conflict (a journal D365 posted before the app verified it, or two
 * journals): new-journal sets the conflicting journals aside and imports the settlement again (202); accept keeps
 * the journal as it is in D365 (200).
 */
export async function settlementResolve(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = Id.safeParse(request.params.id);
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
    jsonBody: { settlementId: id.data, started: outcome.started, statusUrl: location },
  };
}

app.http("settlement-resolve", {
  methods: ["POST"],
  route: "settlements/{id}/resolve",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(settlementResolve, invocationTelemetry),
});
