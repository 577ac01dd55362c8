/**
 * The demo of `npm start --once`, in the test's process and left running: both simulators with their seeded
 * demo data, the local host with every function (the repository's mapping files, the test run's Azurite with
 * tables of its own), every timer run once and the work drained. The host keeps answering afterwards, so a
 * browser can open the dashboard on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startD365Simulator } from "../../../src/local/d365-sim";
import { type HostSummary, type LocalHost, startLocalHost } from "../../../src/local/host";
import { startSpApiSimulator } from "../../../src/local/spapi-sim";
import type { SecretStore } from "../../../src/platform/ports";
import { loadConfig } from "../../../src/wiring/config";

/** Fake credentials (the simulators take any well-formed value), as `npm start` sets them. */
const FAKE_SECRETS: Record<string, string> = {
  "spapi-lwa-client-secret": "fake-secret",
  "spapi-refresh-token": "Atzr|fake-refresh-token",
  "d365-client-secret": "fake-secret",
  "notification-api-key": "local-notification-key",
};

export interface DemoHost {
  host: LocalHost;
  /** What the once-run did (timers, drained work). */
  summary: HostSummary;
  timers: { function: string; ok: boolean; error?: string }[];
  stop(): Promise<void>;
}

/** Starts the demo with `settings` on top of what `npm start` sets (e.g. SETTLEMENT_REQUIRE_APPROVAL). */
export async function startDemoHost(settings: Record<string, string> = {}): Promise<DemoHost> {
  const dataDir = mkdtempSync(join(tmpdir(), "dashboard-e2e-"));
  const stops: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const base = loadConfig({});
    const d365 = await startD365Simulator({ port: 0, seed: base.SIM_SEED, timeScale: 60 });
    stops.push(() => d365.stop());
    const spapi = await startSpApiSimulator({ port: 0, seed: base.SIM_SEED, timeScale: 60, dataDir });
    stops.push(() => spapi.stop());
    const caFile = spapi.caFile ?? join(dataDir, "spapi-sim-ca.pem");
    if (!spapi.caFile) writeFileSync(caFile, spapi.caPem);
    const config = loadConfig({
      STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
      STATE_TABLE_PREFIX: `dash${Date.now().toString(36)}`,
      LOCAL_DATA_DIR: dataDir,
      D365_BASE_URL: d365.url,
      D365_AUTH_MODE: "simulator",
      SPAPI_ENDPOINT_OVERRIDE: spapi.url,
      SPAPI_OVERRIDE_CA_FILE: caFile,
      ORDERS_INITIAL_LOOKBACK_DAYS: "30",
      LOCAL_DURABLE_TIME_SCALE: "1000",
      ...settings,
    });
    const secrets: SecretStore = {
      get: async (name) => {
        const v = FAKE_SECRETS[name];
        if (v === undefined) throw new Error(`no fake secret ${name}`);
        return v;
      },
      tryGet: async (name) => FAKE_SECRETS[name],
    };
    const host = await startLocalHost({
      config,
      port: 0,
      schedules: false,
      dataDir,
      app: { secrets },
      log: () => undefined,
    });
    stops.push(() => host.stop());
    const timers = await host.runTimersOnce();
    const summary = await host.drain({ timeoutMs: 50_000 });
    return { host, summary, timers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
