// Writes local.settings.sample.json from the config schema: every setting with its local default, plus what
// Core Tools needs and the secrets as obviously fake local values. Run: npx tsx scripts/local-settings-sample.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SETTING_NAMES, loadConfig } from "../src/wiring/config";

const FAKE_SECRETS: Record<string, string> = {
  SPAPI_LWA_CLIENT_SECRET: "fake-lwa-client-secret",
  SPAPI_REFRESH_TOKEN: "fake-refresh-token",
  NOTIFICATION_API_KEY: "local-notification-key",
  D365_CLIENT_SECRET: "fake-d365-secret",
};

const defaults = loadConfig({}) as Record<string, unknown>;
const values: Record<string, string> = { FUNCTIONS_WORKER_RUNTIME: "node", AzureWebJobsStorage: "UseDevelopmentStorage=true" };
for (const name of SETTING_NAMES) {
  const v = defaults[name];
  values[name] = v === undefined ? "" : Array.isArray(v) ? v.join(",") : String(v);
}
Object.assign(values, FAKE_SECRETS);
const sample = { IsEncrypted: false, Values: values, Host: { LocalHttpPort: Number(values.LOCAL_HTTP_PORT), CORS: "*" } };
writeFileSync(join(__dirname, "..", "local.settings.sample.json"), `${JSON.stringify(sample, null, 2)}\n`);
