import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { SKU_SUGGESTIONS_EXAMPLE, SkuSuggestionsView } from "../flows/inventory/api";
import { skuSuggestions } from "../flows/inventory/report";
import { describeRoute } from "../platform/api-docs/routes";
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
describeRoute("inventory-sku-suggestions", {
  method: "GET",
  route: "inventory/sku-suggestions",
  operationId: "ListSkuSuggestions",
  summary: "List SKU cross-reference suggestions",
  description:
    "ASIN and FNSKU that Amazon's FBA stock reports for SKUs mappings/sku-crossref.json does not know, or where it lacks or has " +
    "other values, as entries to review and paste into the file (the app never rewrites it).",
  visibility: "advanced",
  tag: "Inventory",
  responses: { 200: { description: "The suggestions", schema: SkuSuggestionsView, example: SKU_SUGGESTIONS_EXAMPLE } },
});
