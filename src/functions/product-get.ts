import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { itemView } from "../flows/products/item-view";
import { NotFoundError } from "../platform/errors";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { describeRoute } from "../platform/api-docs/routes";
import { PRODUCT_VIEW_EXAMPLE, ProductView } from "../flows/products/api";

const ItemNumber = z.string().trim().min(1).max(20);

/** Per marketplace: seller SKU, ASIN, FNSKU, status, issues, last published values, review item. */
export async function productGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const item = ItemNumber.safeParse(request.params.itemNumber);
  if (!item.success) throw validationFromZod(item.error, "item number");
  const a = currentApp();
  const view = await itemView(a.state, a.config.QUEUE_PRODUCTS, item.data);
  if (!view)
    throw new NotFoundError(
      "products.notPublished",
      `item ${item.data} has no listing the app handled yet: POST /api/products/${item.data}/publish`,
    );
  return { status: 200, jsonBody: view };
}

app.http("product-get", {
  methods: ["GET"],
  route: "products/{itemNumber}",
  authLevel: "function",
  handler: withHttpErrors(productGet, invocationTelemetry),
});
describeRoute("product-get", {
  method: "GET",
  route: "products/{itemNumber}",
  operationId: "GetProduct",
  summary: "Get a product's Amazon listings",
  description:
    "Per marketplace: the seller SKU, ASIN and FNSKU, the listing's state and Amazon status, its issues, the values last published and what needs a person.",
  visibility: "important",
  tag: "Products",
  path: z.object({ itemNumber: ItemNumber.meta({ title: "Item Number", description: "D365 item number" }) }),
  responses: { 200: { description: "The item's listings", schema: ProductView, example: PRODUCT_VIEW_EXAMPLE } },
  errors: [400, 404],
});
