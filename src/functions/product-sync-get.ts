import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { getSyncStatus } from "../flows/products/sync-records";
import { NotFoundError } from "../platform/errors";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { describeRoute } from "../platform/api-docs/routes";
import { PRODUCTS_SYNC_STATUS_EXAMPLE, ProductsSyncStatus } from "../flows/products/api";

const SyncId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** A products sync: 202 while batches are still being published, 200 with what they did once all are. */
export async function productSyncGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const id = SyncId.safeParse(request.params.syncId);
  if (!id.success) throw validationFromZod(id.error, "sync id");
  const status = await getSyncStatus(currentApp().state, id.data);
  if (!status) throw new NotFoundError("products.syncNotFound", `no products sync ${id.data}`);
  const running = status.status === "running";
  return { status: running ? 202 : 200, headers: running ? { "Retry-After": "10", Location: request.url } : {}, jsonBody: status };
}

// The Location of POST products/sync.
app.http("product-sync-get", {
  methods: ["GET"],
  route: "products/sync/{syncId}",
  authLevel: "function",
  handler: withHttpErrors(productSyncGet, invocationTelemetry),
});
describeRoute("product-sync-get", {
  method: "GET",
  route: "products/sync/{syncId}",
  operationId: "GetProductsSync",
  summary: "Get a products sync",
  description: "A products sync: 202 while its batches are being published, 200 with what each listing's publish did once all are.",
  visibility: "advanced",
  tag: "Products",
  path: z.object({ syncId: SyncId }),
  async: {
    description: "The finished sync",
    result: ProductsSyncStatus,
    example: PRODUCTS_SYNC_STATUS_EXAMPLE,
    accepted: {
      schema: ProductsSyncStatus,
      example: { ...PRODUCTS_SYNC_STATUS_EXAMPLE, status: "running", batchesDone: 0, results: {} },
      description: "Batches are still being published",
    },
    retryAfterSeconds: 10,
  },
  errors: [400, 404],
});
