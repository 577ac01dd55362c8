import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { DISCREPANCY_REPORT_EXAMPLE, DiscrepancyReportView } from "../flows/inventory/api";
import { DISCREPANCY_CSV_COLUMNS, discrepancyCsv, discrepancyReport } from "../flows/inventory/report";
import { describeRoute } from "../platform/api-docs/routes";
import { queryParams, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

const Query = z
  .object({
    marketplaceId: z
      .string()
      .regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id")
      .optional()
      .meta({ title: "Marketplace ID", description: "Only this FBA marketplace" }),
    format: z
      .enum(["json", "csv"])
      .default("json")
      .meta({ description: "json (default), or csv for a spreadsheet: the discrepancy lines as a text/csv attachment" }),
  })
  // Other query parameters (the function key in `code`) are not ours.
  .strip();

/**
 * The FBA discrepancy report of the last reconciliation: per item, Amazon's fulfillable, inbound, reserved,
 * unfulfillable and researching units, D365 on-hand, the difference and since when it differs (`?format=csv`).
 */
export async function inventoryFbaDiscrepancies(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const q = Query.parse(queryParams(request.query));
  const report = await discrepancyReport(currentApp().state, q.marketplaceId);
  if (q.format === "csv") {
    return {
      status: 200,
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="fba-discrepancies.csv"' },
      body: discrepancyCsv(report),
    };
  }
  return { status: 200, jsonBody: report };
}

app.http("inventory-fba-discrepancies", {
  methods: ["GET"],
  route: "inventory/fba/discrepancies",
  authLevel: "function",
  handler: withHttpErrors(inventoryFbaDiscrepancies, invocationTelemetry),
});
describeRoute("inventory-fba-discrepancies", {
  method: "GET",
  route: "inventory/fba/discrepancies",
  operationId: "ListFbaDiscrepancies",
  summary: "List FBA stock discrepancies",
  description:
    "The items whose Amazon FBA stock differs from D365 on-hand at the last reconciliation: Amazon's quantities, D365 on-hand, " +
    "the difference (D365 − Amazon), since when, and the journal that carries it.",
  visibility: "important",
  tag: "Inventory",
  query: Query,
  responses: { 200: { description: "The discrepancy report", schema: DiscrepancyReportView, example: DISCREPANCY_REPORT_EXAMPLE } },
  alsoProduces: [
    {
      contentType: "text/csv",
      description: `with format=csv, the discrepancy lines as a CSV file (fba-discrepancies.csv; a header row, CRLF): ${DISCREPANCY_CSV_COLUMNS.join(", ")}.`,
    },
  ],
  errors: [400],
});
