import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { listSettlementRecords, pendingReports, publicRecord } from "../flows/settlements/settlement-records";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";
import { describeRoute } from "../platform/api-docs/routes";
import { SETTLEMENT_EXAMPLE, SettlementList } from "../flows/settlements/api";

/** Known settlements and their state, newest first; and reports seen but not started (being fetched, or failed with the reason). */
export async function settlementList(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const state = settlementDeps(currentApp(), context).state;
  const [records, reports] = await Promise.all([listSettlementRecords(state), pendingReports(state)]);
  return {
    jsonBody: {
      settlements: records.map(publicRecord),
      reports: reports.map((r) => ({
        reportId: r.reportId,
        status: r.lastError && !r.claim ? "failed" : "fetching",
        seenAt: r.seenAt,
        attempts: r.attempts,
        ...(r.lastError ? { error: r.lastError, failedAt: r.failedAt, retry: "tried again by the next settlement poll" } : {}),
      })),
    },
  };
}

app.http("settlement-list", {
  methods: ["GET"],
  route: "settlements",
  authLevel: "function",
  handler: withHttpErrors(settlementList, invocationTelemetry),
});
describeRoute("settlement-list", {
  method: "GET",
  route: "settlements",
  operationId: "ListSettlements",
  summary: "List settlements",
  description:
    "Every settlement the app knows, newest first, with its status, totals and journal; and the settlement reports that " +
    "could not be downloaded or started yet, with the reason.",
  visibility: "important",
  tag: "Settlements",
  responses: {
    200: { description: "The settlements", schema: SettlementList, example: { settlements: [SETTLEMENT_EXAMPLE], reports: [] } },
  },
});
