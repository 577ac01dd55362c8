import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { reportImportStatus } from "../flows/settlements/report-import";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";

const ReportId = z.string().min(1).max(64);

/** A report imported by id: 202 while it is fetched or its settlement imports, 200 with the outcome once it stops. */
export async function settlementReportGet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = ReportId.safeParse(request.params.reportId);
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
