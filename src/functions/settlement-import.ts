import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { publicRecord } from "../flows/settlements/settlement-records";
import { importSettlement, type ImportRequest } from "../flows/settlements/import-settlement";
import { ValidationError } from "../platform/errors";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps, settlementStartOptions } from "../wiring/settlements";
import { describeRoute } from "../platform/api-docs/routes";
import { ImportAccepted, SETTLEMENT_EXAMPLE, SettlementView } from "../flows/settlements/api";

const ImportBody = z.union([
  z.object({ reportId: z.string().min(1).max(64) }).strict(),
  z.object({ settlementId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "a settlement id (digits)" }) }).strict(),
]);

const FILE_TYPES = /^(text\/tab-separated-values|text\/plain|application\/octet-stream)\b/i;

async function readRequest(request: HttpRequest): Promise<ImportRequest> {
  const type = request.headers.get("content-type") ?? "";
  if (FILE_TYPES.test(type)) {
    const content = new Uint8Array(await request.arrayBuffer());
    if (content.length === 0) throw new ValidationError("http.emptyBody", "The request body is empty; send the settlement flat file");
    return { kind: "file", content };
  }
  if (!/^application\/json\b/i.test(type)) {
    throw new ValidationError(
      "http.contentType",
      `Content-Type ${type || "(none)"}: send JSON {"reportId"} or {"settlementId"}, or the flat file as text/tab-separated-values`,
    );
  }
  const body = await parseJsonBody(request, ImportBody);
  return "reportId" in body ? { kind: "report", reportId: body.reportId } : { kind: "settlement", settlementId: body.settlementId };
}

/** Keeps the file (or fetches the report) and starts the settlement's import; 202 with its status URL. */
export async function settlementImport(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const outcome = await importSettlement(
    await readRequest(request),
    durableStarter(df.getClient(context)),
    settlementDeps(a, context),
    settlementStartOptions(a),
  );
  const location = new URL(`/api/settlements/${encodeURIComponent(outcome.settlementId)}`, request.url).toString();
  // Power Automate's async pattern: a 200 (here, or from the Location when polling ends) carries the settlement.
  if (!outcome.started && outcome.record?.status === "posted") {
    return { status: 200, headers: { Location: location }, jsonBody: publicRecord(outcome.record) };
  }
  return {
    status: 202,
    headers: { Location: location, "Retry-After": "5" },
    jsonBody: {
      settlementId: outcome.settlementId,
      instanceId: outcome.instanceId,
      started: outcome.started,
      statusUrl: location,
      ...(outcome.record ? { record: publicRecord(outcome.record) } : {}),
    },
  };
}

// Finance and Power Automate: import a settlement by report id, settlement id or uploaded flat file.
app.http("settlement-import", {
  methods: ["POST"],
  route: "settlements/import",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(settlementImport, invocationTelemetry),
});
describeRoute("settlement-import", {
  method: "POST",
  route: "settlements/import",
  operationId: "ImportSettlement",
  summary: "Import a settlement",
  description:
    "Imports an Amazon settlement into a D365 general journal, by report id or settlement id: checks that it adds up to " +
    "the deposit, maps every line to an account, and creates the journal (or stops at needs-mapping / awaiting-approval).",
  visibility: "important",
  tag: "Settlements",
  body: { schema: ImportBody, example: { settlementId: "24000042001" } },
  alsoAccepts: [{ contentType: "text/tab-separated-values", description: "the settlement flat file itself (the connector sends JSON)." }],
  async: {
    description: "The settlement once its import is not running (posted, awaiting-approval, needs-mapping or failed)",
    result: SettlementView,
    example: SETTLEMENT_EXAMPLE,
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
