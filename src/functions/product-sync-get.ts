import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { getSyncStatus } from "../flows/products/sync-records";
import { NotFoundError } from "../platform/errors";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

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
