import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { listSettlementRecords, publicRecord } from "../flows/settlements/settlement-records";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";

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
