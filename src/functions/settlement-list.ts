import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { listSettlementRecords, publicRecord } from "../flows/settlements/settlement-records";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";
import { describeRoute } from "../platform/api-docs/routes";
import { SETTLEMENT_EXAMPLE, SettlementList } from "../flows/settlements/api";

/** Known settlements and their state, newest first. */
export async function settlementList(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const records = await listSettlementRecords(settlementDeps(currentApp(), context).state);
  return { jsonBody: { settlements: records.map(publicRecord) } };
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
  description: "Every settlement the app knows, newest first, with its status, totals and journal.",
  visibility: "important",
  tag: "Settlements",
  responses: { 200: { description: "The settlements", schema: SettlementList, example: { settlements: [SETTLEMENT_EXAMPLE] } } },
});
