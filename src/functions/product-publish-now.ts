import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { publishProducts } from "../flows/products/publish";
import { NotFoundError } from "../platform/errors";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { describeRoute } from "../platform/api-docs/routes";
import { PRODUCT_PUBLISH_EXAMPLE, ProductPublishResult } from "../flows/products/api";
import { publishDeps } from "../wiring/products";

const ItemNumber = z.string().trim().min(1).max(20);

/**
 * Publishes one item to every marketplace that sells it, now (reading its live listings first, sending even
 * when nothing changed), and answers 200 with what happened per marketplace. One item is a handful of calls.
 */
export async function productPublishNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const item = ItemNumber.safeParse(request.params.itemNumber);
  if (!item.success) throw validationFromZod(item.error, "item number");
  const outcome = await publishProducts({ itemNumbers: [item.data], force: true }, publishDeps(currentApp(), context));
  if (outcome.listings.every((l) => l.action === "not-found"))
    throw new NotFoundError("products.itemNotFound", `D365 has no released product ${item.data} in the legal entities products.json reads`);
  return { status: 200, jsonBody: { itemNumber: item.data, ...outcome } };
}

app.http("product-publish-now", {
  methods: ["POST"],
  route: "products/{itemNumber}/publish",
  authLevel: "function",
  handler: withHttpErrors(productPublishNow, invocationTelemetry),
});
describeRoute("product-publish-now", {
  method: "POST",
  route: "products/{itemNumber}/publish",
  operationId: "PublishProduct",
  summary: "Publish one D365 product to Amazon now",
  description:
    "Publishes one released product to every marketplace that sells it: reads its live listings, sends what differs (or creates the listing) and answers what happened per marketplace.",
  visibility: "important",
  tag: "Products",
  path: z.object({ itemNumber: ItemNumber.meta({ title: "Item Number", description: "D365 item number" }) }),
  responses: { 200: { description: "What happened per marketplace", schema: ProductPublishResult, example: PRODUCT_PUBLISH_EXAMPLE } },
  errors: [400, 404, 429],
});
