import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { startReturnsSync } from "../flows/returns/sync";
import { durableStarter } from "../wiring/adapters/durable-starter";
import { currentApp } from "../wiring/app";
import { syncDeps, syncOptions } from "../wiring/returns";

/** Starts the daily returns sync from the watermark (unless one is running). */
export async function returnsSyncTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const deps = syncDeps(a, context);
  const outcome = await startReturnsSync({ trigger: "timer" }, durableStarter(df.getClient(context)), deps, syncOptions(a));
  deps.log.log("info", "returns.sync", {
    started: outcome.started,
    instanceId: outcome.instanceId,
    from: outcome.input?.from,
    to: outcome.input?.to,
  });
}

// Returns reports are requested (createReport ~1 a minute), so once a day is plenty; POST /api/returns/sync runs one now.
app.timer("returns-sync-timer", {
  schedule: "%RETURNS_SYNC_SCHEDULE%",
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: returnsSyncTimer,
});
