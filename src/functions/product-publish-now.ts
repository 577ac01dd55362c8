import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { publishProducts } from "../flows/products/publish";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
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
  const status = outcome.listings.every((l) => l.action === "not-found") ? 404 : 200;
  return { status, jsonBody: { itemNumber: item.data, ...outcome } };
}

app.http("product-publish-now", {
  methods: ["POST"],
  route: "products/{itemNumber}/publish",
  authLevel: "function",
  handler: withHttpErrors(productPublishNow, invocationTelemetry),
});
