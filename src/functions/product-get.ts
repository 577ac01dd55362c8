import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { itemView } from "../flows/products/item-view";
import { NotFoundError } from "../platform/errors";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

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
