import { app } from "@azure/functions";
import * as df from "durable-functions";
import { RoutedNotification, routeNotification } from "../flows/notifications/router";
import { durableStarter, settlementDeps } from "../flows/settlements/adapters";
import { startReportImportOnce } from "../flows/settlements/start";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

// Dispatches each Amazon notification by type (ORDER_CHANGE -> order import queue; a finished settlement
// report -> its settlement import, as the settlement poller starts it; others logged and completed).
app.serviceBusQueue("notification-router", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_NOTIFICATIONS%",
  extraInputs: [df.input.durableClient()],
  handler: async (message, context) => {
    const rt = runtime();
    await handleQueueMessage({
      queue: rt.config.QUEUE_NOTIFICATIONS,
      body: message,
      context,
      schema: RoutedNotification,
      handle: (n) =>
        routeNotification(n, {
          bus: rt.bus,
          orderImportQueue: rt.config.QUEUE_ORDER_IMPORT,
          telemetry: rt.telemetry(context),
          startSettlementReport: (reportId) =>
            startReportImportOnce(
              reportId,
              durableStarter(df.getClient(context)),
              settlementDeps(rt.telemetry(context, { flow: "settlements" })),
              {
                requireApproval: rt.config.SETTLEMENT_REQUIRE_APPROVAL,
                journalName: rt.config.SETTLEMENT_JOURNAL_NAME,
              },
            ),
        }),
    });
  },
});
