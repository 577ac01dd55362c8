import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { pollSettlementReports } from "../flows/settlements/import-settlement";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp } from "../wiring/app";
import { settlementDeps, settlementStartOptions } from "../wiring/settlements";

/** Lists new settlement reports and starts one import per new report id. */
export async function settlementPoll(_timer: Timer, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const deps = settlementDeps(a, context);
  const result = await pollSettlementReports(durableStarter(df.getClient(context)), deps, settlementStartOptions(a));
  deps.log.log(result.failed.length ? "warn" : "info", "settlements.poll", result);
}

// Amazon schedules settlement reports; they cannot be requested.
app.timer("settlement-poll", {
  schedule: "%SETTLEMENTS_POLL_SCHEDULE%",
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: settlementPoll,
});
