import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { assertAwaitingApproval } from "../flows/settlements/import-steps";
import { APPROVAL_EVENT } from "../flows/settlements/orchestration";
import { parseJsonText } from "../platform/safe-json";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const ApproveBody = z.object({ approvedBy: z.string().min(1).max(100).optional() }).strict();

/** Raises the approval event of a settlement that waits for it (202 with the settlement's status URL). */
export async function settlementApprove(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = Id.safeParse(request.params.id);
  if (!id.success) throw validationFromZod(id.error, "settlement id");
  const text = await request.text();
  const body = ApproveBody.safeParse(text.trim() ? parseJsonText(text, { what: "The request body", code: "http.invalidJson" }) : {});
  if (!body.success) throw validationFromZod(body.error, "request body");
  const record = await assertAwaitingApproval(id.data, settlementDeps(currentApp(), context));
  await durableStarter(df.getClient(context)).raiseEvent(record.instanceId, APPROVAL_EVENT, {
    approvedBy: body.data.approvedBy ?? "api",
  });
  const location = new URL(`/api/settlements/${encodeURIComponent(id.data)}`, request.url).toString();
  return {
    status: 202,
    headers: { Location: location, "Retry-After": "5" },
    jsonBody: { settlementId: id.data, approved: true, statusUrl: location },
  };
}

// Finance approves a settlement that waits for it (SETTLEMENT_REQUIRE_APPROVAL): raises the "approval" event.
app.http("settlement-approve", {
  methods: ["POST"],
  route: "settlements/{id}/approve",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: withHttpErrors(settlementApprove, invocationTelemetry),
});
