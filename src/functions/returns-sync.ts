import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { startReturnsSync } from "../flows/returns/sync";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { syncDeps, syncOptions } from "../wiring/returns";
import { describeRoute } from "../platform/api-docs/routes";
import { RETURNS_SYNC_ACCEPTED_EXAMPLE, RETURNS_SYNC_STATUS_EXAMPLE, ReturnsSyncAccepted, ReturnsSyncStatus } from "../flows/returns/api";

export const ReturnsSyncRequest = z
  .object({
    /** Read returns (and refunds) from this time on (ISO 8601); default: the watermark less RETURNS_OVERLAP_DAYS. */
    since: z.iso.datetime({ offset: true }).optional(),
    marketplaceIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Starts a returns sync (or finds the running one): 202 with Location, the status URL to poll. */
export async function returnsSync(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const raw = await request.text();
  const body = raw.trim() ? await parseJsonBody({ text: async () => raw }, ReturnsSyncRequest) : {};
  const a = currentApp();
  const outcome = await startReturnsSync(
    { trigger: "http", ...(body.since ? { since: new Date(body.since) } : {}) },
    durableStarter(df.getClient(context)),
    syncDeps(a, context),
    syncOptions(a, { marketplaceIds: body.marketplaceIds }),
  );
  const location = new URL("/api/returns/sync", request.url).toString();
  return {
    status: 202,
    headers: { Location: location, "Retry-After": "60" },
    jsonBody: {
      instanceId: outcome.instanceId,
      started: outcome.started,
      statusUrl: location,
      ...(outcome.started ? {} : { message: "a returns sync is running; its status URL answers when it is done" }),
      ...(outcome.input ? { from: outcome.input.from, to: outcome.input.to } : {}),
    },
  };
}

// Power Automate and admins: read Amazon's returns and refunds now (long: reports take minutes, so 202 + Location).
app.http("returns-sync", {
  methods: ["POST"],
  route: "returns/sync",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(returnsSync, invocationTelemetry),
});
describeRoute("returns-sync", {
  method: "POST",
  route: "returns/sync",
  operationId: "SyncReturns",
  summary: "Read Amazon returns and refunds now",
  description:
    "Requests Amazon's returns reports, reads refunds and imports every return D365 lacks as a return order; answers 202 and its status URL answers 200 with the result.",
  visibility: "important",
  tag: "Returns",
  body: { schema: ReturnsSyncRequest, example: { since: "2026-11-01T00:00:00Z" }, required: false },
  async: {
    description: "The finished sync: reports read, refunds, matching and returns handed to the import",
    result: ReturnsSyncStatus,
    example: RETURNS_SYNC_STATUS_EXAMPLE,
    accepted: { schema: ReturnsSyncAccepted, example: RETURNS_SYNC_ACCEPTED_EXAMPLE, description: "The sync started (or one is running)" },
    retryAfterSeconds: 60,
  },
  errors: [400],
});
