/**
 * One FBM push as the app runs it in production, in its own process (so its peak memory is its own): the app
 * built from the environment (`createApp(loadConfig())`, pointed at the simulators by the bench), then
 * `pushInventory` with the wiring's ports. Prints one JSON line: the push's summary and the D365 requests made.
 */
import { pushInventory } from "../../../src/flows/inventory/push";
import { createApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { inventoryPushDeps } from "../../../src/wiring/inventory";

async function main(): Promise<void> {
  const app = createApp(loadConfig());
  const deps = inventoryPushDeps(app);
  deps.telemetry = { log() {}, event() {}, metric() {} };
  const result = await pushInventory({ trigger: "timer" }, deps);
  const out = {
    outcome: result.outcome,
    error: result.error,
    d365Rows: result.d365?.rows ?? 0,
    d365Requests: app.d365.requestCounts(),
    marketplaces: result.marketplaces.map((m) => ({
      marketplaceId: m.marketplaceId,
      changed: m.changed,
      path: m.path,
      accepted: m.accepted,
      refused: m.refused.length,
      feed: m.feed,
    })),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
