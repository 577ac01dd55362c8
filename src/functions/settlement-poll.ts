import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { durableStarter, settlementDeps } from "../flows/settlements/adapters";
import { pollSettlementReports } from "../flows/settlements/start";
import { runtime } from "../runtime";

// Lists new settlement reports (Amazon schedules them) and starts one import per new report id.
app.timer("settlement-poll", {
  schedule: "%SETTLEMENTS_POLL_SCHEDULE%",
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context: InvocationContext) => {
    const rt = runtime();
    const telemetry = rt.telemetry(context, { flow: "settlements" });
    const result = await pollSettlementReports(durableStarter(df.getClient(context)), settlementDeps(telemetry), {
      requireApproval: rt.config.SETTLEMENT_REQUIRE_APPROVAL,
      journalName: rt.config.SETTLEMENT_JOURNAL_NAME,
    });
    telemetry.log(result.failed.length ? "warn" : "info", "settlements.poll", result);
  },
});
