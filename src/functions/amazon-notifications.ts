import { app } from "@azure/functions";
import { API_KEY_SECRET, receiveNotifications } from "../flows/notifications/receive";
import { withHttpErrors } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

// Anonymous by design: the EventBridge API destination (or a Pipe from SQS) cannot send a Functions key;
// it sends the API key of its connection in x-api-key, which the flow checks against Key Vault.
app.http("amazon-notifications", {
  methods: ["POST"],
  route: "amazon/notifications",
  authLevel: "anonymous",
  handler: withHttpErrors(async (request, context) => {
    const rt = runtime();
    const result = await receiveNotifications(
      { apiKey: request.headers.get("x-api-key") ?? undefined, rawBody: await request.text() },
      {
        expectedApiKey: () => rt.secrets.get(API_KEY_SECRET),
        bus: rt.bus,
        queue: rt.config.QUEUE_NOTIFICATIONS,
        telemetry: rt.telemetry(context),
      },
    );
    return { status: 202, jsonBody: result };
  }),
});
