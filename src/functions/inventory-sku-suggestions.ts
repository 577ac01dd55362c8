import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { skuSuggestions } from "../flows/inventory/report";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

/**
 * ASIN and FNSKU learned from Amazon's FBA summaries that mappings/sku-crossref.json lacks or has otherwise, as
 * entries to review and paste into the file (the app never rewrites it).
 */
export async function inventorySkuSuggestions(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const suggestions = await skuSuggestions(a.state, a.mappings);
  return { status: 200, jsonBody: { suggestions, file: "mappings/sku-crossref.json" } };
}

app.http("inventory-sku-suggestions", {
  methods: ["GET"],
  route: "inventory/sku-suggestions",
  authLevel: "function",
  handler: withHttpErrors(inventorySkuSuggestions, invocationTelemetry),
});
