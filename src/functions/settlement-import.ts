import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { publicRecord, isBooked } from "../flows/settlements/settlement-records";
import { importSettlement, type ImportRequest } from "../flows/settlements/import-settlement";
import { requestReportImport } from "../flows/settlements/report-import";
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
const Replace = z.enum(["true", "false"], { error: 'replace is "true" or "false"' }).optional();

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

/**
 * Keeps the file (or fetches the report) and starts the settlement's import; 202 with its status URL. An upload
 * is read whole first (400 naming the line it cannot read); a different file for a known settlement needs
 * ?replace=true (409 otherwise). A report id answers at once: 202 with the report's status URL while the report
 * is downloaded in the background (SP-API quotas may make that take longer than an HTTP call may last).
 */
export async function settlementImport(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const starter = durableStarter(df.getClient(context));
  const deps = settlementDeps(a, context);
  const replace = Replace.safeParse(request.query.get("replace") ?? undefined);
  if (!replace.success) throw new ValidationError("http.query", `replace: ${replace.error.issues[0]?.message}`, { where: "replace" });
  const input = await readRequest(request);
  const settlementUrl = (id: string) => new URL(`/api/settlements/${encodeURIComponent(id)}`, request.url).toString();
  if (input.kind === "report") {
    const r = await requestReportImport(input.reportId, starter, deps);
    if ("settlementId" in r) {
      const location = settlementUrl(r.settlementId);
      if (r.record && isBooked(r.record.status)) return { status: 200, headers: { Location: location }, jsonBody: publicRecord(r.record) };
      return {
        status: 202,
        headers: { Location: location, "Retry-After": "5" },
        jsonBody: { reportId: input.reportId, settlementId: r.settlementId, started: false, statusUrl: location },
      };
    }
    const location = new URL(`/api/settlements/reports/${encodeURIComponent(input.reportId)}`, request.url).toString();
    return {
      status: 202,
      headers: { Location: location, "Retry-After": "5" },
      jsonBody: { reportId: input.reportId, status: "fetching", statusUrl: location },
    };
  }
  const outcome = await importSettlement(input, starter, deps, settlementStartOptions(a), { replace: replace.data === "true" });
  const location = settlementUrl(outcome.settlementId);
  // Power Automate's async pattern: a 200 (here, or from the Location when polling ends) carries the settlement.
  if (!outcome.started && outcome.record && isBooked(outcome.record.status)) {
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
    "the deposit, maps every line to an account, and creates the journal on hold, verifies it and releases it to the " +
    "posting job (or stops at needs-mapping, awaiting-approval, needs-attention or conflict).",
  visibility: "important",
  tag: "Settlements",
  body: { schema: ImportBody, example: { settlementId: "24000042001" } },
  alsoAccepts: [
    {
      contentType: "text/tab-separated-values",
      description: "the settlement flat file itself (the connector sends JSON); read whole first, 400 naming a line it cannot read.",
    },
  ],
  query: z.object({
    replace: z.enum(["true", "false"]).optional().meta({
      title: "Replace the file",
      description: "true: a different file replaces the one of a settlement not created yet (else 409)",
    }),
  }),
  async: {
    description:
      "The settlement once its import is not running (created, posted, awaiting-approval, needs-mapping, needs-attention, conflict or failed)",
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
