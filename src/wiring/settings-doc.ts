/**
 * The settings reference, generated from the code: each setting's one-line doc comment in its area's
 * src/**\/settings.ts file and its default from the config schema. The README table is made with it, so that
 * the documentation cannot drift from the code (test/unit/config checks that every setting is listed).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { SECRET_NAMES, type SecretName } from "../platform/secrets";
import { SETTING_NAMES, loadConfig } from "./config";

export interface SettingDoc {
  name: string;
  /** The default as the app sees it, as a setting string; "" when the setting has no default. */
  defaultValue: string;
  description: string;
  /** The settings file that declares it, relative to the repository root. */
  file: string;
}

const SECRET_DESCRIPTIONS: Record<SecretName, string> = {
  "spapi-lwa-client-secret": "LWA client secret of the SP-API application.",
  "spapi-refresh-token": "LWA refresh token the seller granted to the SP-API application.",
  "d365-client-secret": "Client secret of the Entra app registration (D365_AUTH_MODE=client-secret only).",
  "notification-api-key": "API key that the EventBridge API destination sends to the notification endpoint.",
};

/** The repository root: the nearest folder above this module with a package.json (works from src/ and dist/src/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function settingsFiles(srcDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry === "settings.ts") out.push(p);
    }
  };
  walk(srcDir);
  return out;
}

/** Doc comments of the settings in one settings file: name -> the comment as one line. */
export function docCommentsOf(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g;
  for (const m of source.matchAll(re)) {
    const text = m[1]
      .split("\n")
      .map((l) => l.replace(/^\s*\*?\s?/, "").trim())
      .filter(Boolean)
      .join(" ");
    out.set(m[2], text);
  }
  return out;
}

function asSettingString(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Every setting of SETTING_NAMES with its default and description, in the order of the config schema. */
export function settingsDocs(root = repoRoot()): SettingDoc[] {
  const comments = new Map<string, { text: string; file: string }>();
  for (const file of settingsFiles(join(root, "src"))) {
    for (const [name, text] of docCommentsOf(readFileSync(file, "utf8"))) {
      comments.set(name, { text, file: relative(root, file).split("\\").join("/") });
    }
  }
  const defaults = loadConfig({}) as Record<string, unknown>;
  return SETTING_NAMES.map((name) => ({
    name,
    defaultValue: asSettingString(defaults[name]),
    description: comments.get(name)?.text ?? "",
    file: comments.get(name)?.file ?? "",
  }));
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A markdown table of every setting: name, default, description. */
export function settingsMarkdownTable(root = repoRoot()): string {
  const rows = settingsDocs(root).map(
    (s) => `| \`${s.name}\` | ${s.defaultValue === "" ? "_(empty)_" : `\`${cell(s.defaultValue)}\``} | ${cell(s.description)} |`,
  );
  return ["| setting | default | description |", "|---|---|---|", ...rows].join("\n");
}

/** A markdown table of the secrets: Key Vault secret name, local environment variable, description. */
export function secretsMarkdownTable(): string {
  const rows = SECRET_NAMES.map((n) => `| \`${n}\` | \`${n.toUpperCase().replace(/-/g, "_")}\` | ${SECRET_DESCRIPTIONS[n]} |`);
  return ["| Key Vault secret | local environment variable | description |", "|---|---|---|", ...rows].join("\n");
}
