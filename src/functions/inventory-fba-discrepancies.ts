import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { discrepancyCsv, discrepancyReport } from "../flows/inventory/report";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

const Query = z
  .object({
    marketplaceId: z
      .string()
      .regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id")
      .optional(),
    format: z.enum(["json", "csv"]).default("json"),
  })
  // Other query parameters (the function key in `code`) are not ours.
  .strip();

/**
 * The FBA discrepancy report of the last reconciliation: per item, Amazon's fulfillable, inbound, reserved,
 * unfulfillable and researching units, D365 on-hand, the difference and since when it differs (`?format=csv`).
 */
export async function inventoryFbaDiscrepancies(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const q = Query.parse(Object.fromEntries(request.query.entries()));
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
