import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { approveSettlement } from "../flows/settlements/import-steps";
import { APPROVAL_EVENT } from "../flows/settlements/orchestration";
import { parseJsonText } from "../platform/safe-json";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";
import { describeRoute } from "../platform/api-docs/routes";
import { ApprovalAccepted, SETTLEMENT_EXAMPLE, SettlementIdParam, SettlementView } from "../flows/settlements/api";

const ApproveBody = z.object({ approvedBy: z.string().min(1).max(100).optional() }).strict();

/** Raises the approval event of a settlement that waits for it (202 with the settlement's status URL). */
export async function settlementApprove(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = SettlementIdParam.safeParse(request.params.id);
  if (!id.success) throw validationFromZod(id.error, "settlement id");
  const text = await request.text();
  const body = ApproveBody.safeParse(text.trim() ? parseJsonText(text, { what: "The request body", code: "http.invalidJson" }) : {});
  if (!body.success) throw validationFromZod(body.error, "request body");
  const approvedBy = body.data.approvedBy ?? "api";
  const starter = durableStarter(df.getClient(context));
  await approveSettlement(
    id.data,
    approvedBy,
    (instanceId) => starter.raiseEvent(instanceId, APPROVAL_EVENT, { approvedBy }),
    settlementDeps(currentApp(), context),
  );
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
describeRoute("settlement-approve", {
  method: "POST",
  route: "settlements/{id}/approve",
  operationId: "ApproveSettlement",
  summary: "Approve a settlement's journal",
  description:
    "Lets a settlement that waits for approval (status awaiting-approval) create its journal in D365; answers the " +
    "settlement once the journal is created and checked.",
  visibility: "important",
  tag: "Settlements",
  path: z.object({ id: SettlementIdParam }),
  body: {
    schema: ApproveBody,
    example: { approvedBy: "finance@contoso.example" },
    required: false,
    description: "Who approved it (kept on the settlement)",
  },
  async: {
    description: "The settlement after its journal was created (status created; or needs-attention, conflict or failed with reasons)",
    result: SettlementView,
    example: { ...SETTLEMENT_EXAMPLE, approvedBy: "finance@contoso.example" },
    accepted: {
      schema: ApprovalAccepted,
      example: { settlementId: "24000042001", approved: true, statusUrl: "https://my-app.azurewebsites.net/api/settlements/24000042001" },
    },
    retryAfterSeconds: 5,
  },
  errors: [400, 404, 409],
});
