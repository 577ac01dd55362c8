/**
 * Settings of the embedded default (local host and simulators). Ignored in Azure. Declared here, beside the
 * config that puts every area's settings together, because the local host sits above the wiring (it installs
 * the app it runs) and the wiring must not import it.
 */
import { setting } from "../platform/settings-kit";

export const localSettings = {
  /** Port of the local host's HTTP API (http://localhost:7071/api/...). */
  LOCAL_HTTP_PORT: setting.int(7071, 0, 65535),
  /** Port of the D365 F&O simulator. */
  D365_SIM_PORT: setting.int(7171, 0, 65535),
  /** Port of the SP-API simulator (HTTPS). */
  SPAPI_SIM_PORT: setting.int(7172, 0, 65535),
  /** Speeds up the simulators' quota refill (10 = ten times faster than Amazon); 1 is real time. */
  SIM_TIME_SCALE: setting.number(1, 0.001),
  /** Seed of the simulators' demo data generator. */
  SIM_SEED: setting.int(42),
  /** Folder of the local host's own files (durable history, queued messages, simulator certificate). */
  LOCAL_DATA_DIR: setting.string(".local"),
  /** Runs durable timers and activity retry intervals of the local host this many times faster (10 = ten times). */
  LOCAL_DURABLE_TIME_SCALE: setting.number(1, 0.001),
  /** Scheduled messages of the local in-memory bus (retries that wait) come due this many times sooner (10 = ten times). */
  LOCAL_QUEUE_TIME_SCALE: setting.number(1, 0.001),
  /** Simulators `npm start` runs, comma-separated (d365, spapi); "none" to use the endpoints configured above. */
  LOCAL_SIMULATORS: setting.string("d365,spapi"),
};
