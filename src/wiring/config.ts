/**
 * Every app setting, in one zod schema, parsed once at start-up (createApp in app.ts takes the result).
 * Each area declares its own settings in its settings.ts; this is the one place that puts them together.
 * Defaults point at the local simulators. A setting's name is the same here, in local.settings.sample.json,
 * in the README and in the Bicep app settings (a test checks that they agree).
 */
import { z } from "zod";
import { amazonSettings } from "../amazon/settings";
import { d365Settings } from "../d365/settings";
import { orderSettings } from "../flows/orders/settings";
import { productSettings } from "../flows/products/settings";
import { returnSettings } from "../flows/returns/settings";
import { settlementSettings } from "../flows/settlements/settings";
import { ConfigurationError } from "../platform/errors";
import { platformSettings } from "../platform/settings";
import { localSettings } from "./settings";

export const settingsShape = {
  ...platformSettings,
  ...d365Settings,
  ...amazonSettings,
  ...orderSettings,
  ...settlementSettings,
  ...productSettings,
  ...returnSettings,
  ...localSettings,
};

export const ConfigSchema = z.object(settingsShape).superRefine((c, ctx) => {
  if (c.D365_AUTH_MODE === "client-secret") {
    for (const key of ["D365_TENANT_ID", "D365_CLIENT_ID"] as const) {
      if (!c[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when D365_AUTH_MODE is client-secret" });
    }
  }
});

export type AppConfig = z.infer<typeof ConfigSchema>;
export const SETTING_NAMES = Object.keys(settingsShape) as (keyof AppConfig)[];

/** Parses settings; a bad or missing one throws a ConfigurationError that names every offending setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const picked: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) picked[name] = env[name];
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "(settings)");
      const got = env[name];
      return `${name}: ${i.message}${got === undefined ? " (not set)" : ` (got "${got}")`}`;
    });
    throw new ConfigurationError("config.invalid", `Invalid app settings:\n  ${problems.join("\n  ")}`, {
      where: problems.map((p) => p.split(":")[0]).join(", "),
    });
  }
  return parsed.data;
}
