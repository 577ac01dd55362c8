/**
 * `d365-amazon sim [--json]`: the D365 and SP-API simulators alone, on D365_SIM_PORT and SPAPI_SIM_PORT,
 * until Ctrl-C. With --json the addresses are printed as one JSON line.
 */
import { untilStopSignal } from "./stop-signal";
import * as path from "node:path";
import { loadConfig } from "../wiring/config";

export async function runSimulators(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length) {
    console.error(`unknown option ${unknown[0]} (usage: d365-amazon sim [--json])`);
    return 2;
  }
  const cfg = loadConfig(process.env);
  const { startD365Simulator } = await import("./d365-sim");
  const { startSpApiSimulator } = await import("./spapi-sim");
  const { DELIVER_NOW_BATCH_MS } = await import("./d365-events-bridge");
  const d365 = await startD365Simulator({
    port: cfg.D365_SIM_PORT,
    seed: cfg.SIM_SEED,
    timeScale: cfg.SIM_TIME_SCALE,
    mcfDemoOrders: true,
    deliverNowBatchMs: DELIVER_NOW_BATCH_MS,
  });
  let spapi: Awaited<ReturnType<typeof startSpApiSimulator>>;
  try {
    spapi = await startSpApiSimulator({
      port: cfg.SPAPI_SIM_PORT,
      seed: cfg.SIM_SEED,
      timeScale: cfg.SIM_TIME_SCALE,
      dataDir: path.resolve(cfg.LOCAL_DATA_DIR),
    });
  } catch (err) {
    await d365.stop();
    throw err;
  }
  if (json) {
    console.log(JSON.stringify({ d365: d365.url, spapi: spapi.url, spapiCaFile: spapi.caFile ?? null }));
  } else {
    console.log(`D365 simulator    ${d365.url}/data/<EntitySet>  (any bearer token)`);
    console.log(
      `SP-API simulator  ${spapi.url}  (LWA token at ${spapi.url}/auth/o2/token${spapi.caFile ? `, CA certificate ${spapi.caFile}` : ""})`,
    );
    console.log("To use them from the app: D365_BASE_URL, SPAPI_ENDPOINT_OVERRIDE and SPAPI_OVERRIDE_CA_FILE as above. Ctrl-C stops.");
  }
  await untilStopSignal();
  await Promise.allSettled([d365.stop(), spapi.stop()]);
  return 0;
}
