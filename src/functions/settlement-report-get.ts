import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { REPORT_IMPORT_EXAMPLE, ReportIdParam, ReportImportView } from "../flows/settlements/api";
import { reportImportStatus } from "../flows/settlements/report-import";
import { describeRoute } from "../platform/api-docs/routes";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";

/** A report imported by id: 202 while it is fetched or its settlement imports, 200 with the outcome once it stops. */
export async function settlementReportGet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = ReportIdParam.safeParse(request.params.reportId);
  if (!id.success) throw validationFromZod(id.error, "report id");
  const r = await reportImportStatus(id.data, durableStarter(df.getClient(context)), settlementDeps(currentApp(), context));
  const settlementId = typeof r.body.settlementId === "string" ? r.body.settlementId : undefined;
  const headers: Record<string, string> =
    r.status === 202
      ? {
          "Retry-After": "5",
          Location: settlementId ? new URL(`/api/settlements/${encodeURIComponent(settlementId)}`, request.url).toString() : request.url,
        }
      : {};
  return { status: r.status, headers, jsonBody: r.body };
}

// The Location of POST settlements/import {reportId}.
app.http("settlement-report-get", {
  methods: ["GET"],
  route: "settlements/reports/{reportId}",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(settlementReportGet, invocationTelemetry),
});
describeRoute("settlement-report-get", {
  method: "GET",
  route: "settlements/reports/{reportId}",
  operationId: "GetSettlementReportImport",
  summary: "Get a settlement report's import",
  description:
    "A settlement report imported by its report id: 202 while it is downloaded or its settlement imports, then the " +
    "settlement (or the download's error; the next poll tries it again).",
  visibility: "advanced",
  tag: "Settlements",
  path: z.object({ reportId: ReportIdParam }),
  async: {
    description: "The report's settlement once its import is not running, or the download's error",
    result: ReportImportView,
    example: REPORT_IMPORT_EXAMPLE,
    accepted: {
      schema: ReportImportView,
      example: { reportId: "50001019123", status: "fetching" },
      description: "The report is being downloaded, or its settlement imports",
    },
    retryAfterSeconds: 5,
  },
  errors: [400, 404],
});
