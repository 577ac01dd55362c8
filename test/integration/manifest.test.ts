/**
 * The function manifest, checked the way `func start` would index the app: load the entry module with the
 * @azure/functions-core stand-in (src/local/registry.ts), then check every registration's bindings against
 * host.json, the settings, local.settings.sample.json and the Bicep app settings. The assertions iterate over
 * whatever functions exist, so new function files are checked without touching this test.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Registration, loadAppAsync } from "../../src/local/registry";
import { SETTING_NAMES, loadConfig } from "../../src/wiring/config";
import { importSpecifiers, packageName } from "../unit/architecture/import-graph";
import { MAIN_BICEP, REPO_ROOT, appSettings, readBicep } from "../unit/bicep/bicep-model";
import { queueNameSettings } from "../unit/bicep/bicep-rules";

/**
 * HTTP functions that may be called without a function key, and why. Everything else needs authLevel
 * "function" (or "admin").
 */
const ANONYMOUS_ALLOWED: { matches: (r: Registration) => boolean; why: string }[] = [
  { matches: (r) => r.name === "health", why: "load balancers and uptime monitors; reveals no data" },
  {
    // The EventBridge API destination calls it with the API key from Key Vault (notification-api-key), which
    // the function checks itself: Amazon cannot send a Functions key.
    matches: (r) => /notification/i.test(r.name) || /notification/i.test(String(r.trigger.route ?? "")),
    why: "Amazon notifications through an EventBridge API destination, authenticated by NOTIFICATION_API_KEY",
  },
];

const KNOWN_TRIGGERS = new Set([
  "httpTrigger",
  "timerTrigger",
  "serviceBusTrigger",
  "orchestrationTrigger",
  "activityTrigger",
  "entityTrigger",
]);
const SETTING_REF = /%([^%]+)%/g;
const NCRONTAB_FIELD = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;

function isSixFieldNcrontab(s: string): boolean {
  const fields = s.trim().split(/\s+/);
  return fields.length === 6 && fields.every((f) => NCRONTAB_FIELD.test(f));
}

/** Every %SETTING% reference in a value (any depth). */
function settingRefs(value: unknown): string[] {
  if (typeof value === "string") return [...value.matchAll(SETTING_REF)].map((m) => m[1]);
  if (Array.isArray(value)) return value.flatMap(settingRefs);
  if (value && typeof value === "object") return Object.values(value).flatMap(settingRefs);
  return [];
}

function normalizedRoute(r: Registration): string {
  const route = String(r.trigger.route ?? r.name);
  return route
    .replace(/^\/+|\/+$/g, "")
    .toLowerCase()
    .replace(/\{[^}]+\}/g, "{}");
}

function methodsOf(r: Registration): string[] {
  const m = r.trigger.methods;
  return Array.isArray(m) && m.length > 0 ? m.map((x) => String(x).toUpperCase()) : ["*"];
}

interface HostJson {
  extensionBundle?: { id?: string; version?: string };
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: { hubName?: string; storageProvider?: { connectionName?: string } };
    serviceBus?: Record<string, unknown>;
  };
}

let regs: Registration[];
let viaIndex: Set<string>;
let host: HostJson;
let sample: Record<string, string>;
let bicepSettings: Set<string>;
let bicepQueueSettings: Map<string, string>;

beforeAll(async () => {
  viaIndex = new Set((await loadAppAsync()).map((r) => r.name));
  // The Azure host also loads dist/src/functions/*.js (package.json "main"): check those registrations too.
  const dir = join(REPO_ROOT, "src", "functions");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  regs = await loadAppAsync(async () => {
    for (const f of files) await import(join(dir, f));
  });
  host = JSON.parse(readFileSync(join(REPO_ROOT, "host.json"), "utf8")) as HostJson;
  sample = (JSON.parse(readFileSync(join(REPO_ROOT, "local.settings.sample.json"), "utf8")) as { Values: Record<string, string> }).Values;
  const main = await readBicep(MAIN_BICEP);
  bicepSettings = new Set(appSettings(main).keys());
  bicepQueueSettings = queueNameSettings(main);
});

describe("The function manifest", () => {
  it("registers the app's functions, each under a valid, unique name with a handler", () => {
    expect(regs.length).toBeGreaterThan(0);
    expect(regs.map((r) => r.name)).toContain("health");
    const lower = regs.map((r) => r.name.toLowerCase());
    expect(new Set(lower).size, "function names differ only by case").toBe(lower.length);
    for (const r of regs) {
      expect(r.name, r.name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/);
      expect(typeof r.handler, r.name).toBe("function");
    }
  });

  it("loads every function file through src/index.ts, as the local host does", () => {
    expect(regs.map((r) => r.name).filter((n) => !viaIndex.has(n))).toEqual([]);
  });

  it("gives every function exactly one known trigger binding", () => {
    for (const r of regs) {
      const triggers = Object.values(r.metadata.bindings).filter((b) => /Trigger$/.test(b.type));
      expect(triggers, `${r.name} triggers`).toHaveLength(1);
      expect(KNOWN_TRIGGERS.has(r.trigger.type), `${r.name}: trigger ${r.trigger.type}`).toBe(true);
      expect(r.trigger.direction, r.name).toBe("in");
      expect(r.kind, r.name).not.toBe("other");
    }
  });

  it("gives every HTTP function an auth level, anonymous only where allowed, and a route no other function claims", () => {
    const http = regs.filter((r) => r.kind === "http");
    const seen = new Map<string, string>();
    for (const r of http) {
      const level = r.trigger.authLevel;
      expect(["anonymous", "function", "admin"], `${r.name}: authLevel ${String(level)}`).toContain(level);
      if (level === "anonymous") {
        expect(
          ANONYMOUS_ALLOWED.some((a) => a.matches(r)),
          `${r.name} is anonymous but not on the allow-list`,
        ).toBe(true);
      }
      const route = normalizedRoute(r);
      for (const method of methodsOf(r)) {
        const clashes = [...seen.entries()].filter(([k]) => {
          const [m, rt] = k.split(" ");
          return rt === route && (m === method || m === "*" || method === "*");
        });
        expect(
          clashes.map(([, n]) => n),
          `${r.name}: ${method} /${route}`,
        ).toEqual([]);
        seen.set(`${method} ${route}`, r.name);
      }
      expect(route.startsWith("api/"), `${r.name}: the route prefix "api" is added by host.json`).toBe(false);
    }
  });

  it("schedules every timer with a six-field NCRONTAB expression or a setting that holds one", () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    for (const r of regs.filter((x) => x.kind === "timer")) {
      const schedule = String(r.trigger.schedule ?? "");
      const ref = /^%([^%]+)%$/.exec(schedule);
      if (ref) {
        expect(SETTING_NAMES as readonly string[], `${r.name}: ${schedule}`).toContain(ref[1]);
        expect(isSixFieldNcrontab(String(defaults[ref[1]])), `${r.name}: default of ${ref[1]}`).toBe(true);
      } else {
        expect(isSixFieldNcrontab(schedule), `${r.name}: schedule "${schedule}"`).toBe(true);
      }
    }
  });

  it("binds Service Bus through ServiceBusConnection and queue names from the QUEUE_* settings that Bicep creates", () => {
    expect(bicepSettings.has("ServiceBusConnection__fullyQualifiedNamespace")).toBe(true);
    for (const r of regs) {
      for (const b of Object.values(r.metadata.bindings).filter((x) => /^serviceBus/.test(x.type))) {
        expect(b.connection, `${r.name}.${b.name}: connection`).toBe("ServiceBusConnection");
        expect(b.topicName, `${r.name}.${b.name}: topics are not deployed`).toBeUndefined();
        const queue = /^%([^%]+)%$/.exec(String(b.queueName ?? ""));
        expect(queue, `${r.name}.${b.name}: queueName ${String(b.queueName)} must be a %SETTING%`).not.toBeNull();
        expect([...bicepQueueSettings.keys()], `${r.name}.${b.name}: ${queue![1]} names no queue that Bicep creates`).toContain(queue![1]);
      }
    }
  });

  it("refers only to settings that exist in the config, the sample settings and the Bicep app settings", () => {
    const refs = new Map<string, string>();
    for (const r of regs) for (const s of settingRefs(r.metadata.bindings)) refs.set(s, r.name);
    for (const s of settingRefs(host)) refs.set(s, "host.json");
    expect(refs.has("DURABLE_TASK_HUB")).toBe(true);
    for (const [s, where] of refs) {
      expect(SETTING_NAMES as readonly string[], `${where}: %${s}% is not a setting of the app`).toContain(s);
      expect(Object.keys(sample), `${where}: %${s}% is missing in local.settings.sample.json`).toContain(s);
      expect(bicepSettings.has(s), `${where}: %${s}% is not set in bicep/main.bicep`).toBe(true);
    }
  });
});

describe("host.json", () => {
  it("uses extension bundle 4.x, which Flex Consumption requires and durable-functions 3 needs", () => {
    expect(host.extensionBundle).toEqual({ id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.*, 5.0.0)" });
  });

  it("names the Durable task hub from DURABLE_TASK_HUB and keeps it in AzureWebJobsStorage, which Bicep connects by identity", () => {
    expect(host.extensions?.durableTask?.hubName).toBe("%DURABLE_TASK_HUB%");
    expect(host.extensions?.durableTask?.storageProvider?.connectionName ?? "AzureWebJobsStorage").toBe("AzureWebJobsStorage");
    for (const svc of ["blob", "queue", "table"]) expect(bicepSettings.has(`AzureWebJobsStorage__${svc}ServiceUri`), svc).toBe(true);
  });

  it("serves HTTP functions under /api, the prefix the local host and the OpenAPI document use", () => {
    expect(host.extensions?.http?.routePrefix ?? "api").toBe("api");
  });
});

describe("The deployed package", () => {
  /**
   * Every module the Functions host loads (src/index.ts and src/functions/*.ts, following relative imports),
   * with the packages it imports (the import-graph walk of test/unit/architecture, runtime imports only:
   * type-only imports vanish in the compiled JavaScript).
   */
  function packagesImportedByTheApp(): Map<string, string> {
    const srcDir = join(REPO_ROOT, "src");
    const functionsDir = join(srcDir, "functions");
    const queue = [
      join(srcDir, "index.ts"),
      ...readdirSync(functionsDir)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(functionsDir, f)),
    ];
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const resolve = (from: string, spec: string) => {
      const base = join(from, "..", spec);
      return [`${base}.ts`, join(base, "index.ts"), base].find((c) => c.endsWith(".ts") && existsSync(c));
    };
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of importSpecifiers(file, readFileSync(file, "utf8"), { runtimeOnly: true })) {
        if (spec.startsWith(".")) {
          const target = resolve(file, spec);
          if (target) queue.push(target);
        } else if (!spec.startsWith("node:")) {
          packages.set(packageName(spec), file.slice(REPO_ROOT.length + 1));
        }
      }
    }
    return packages;
  }

  it("imports only production dependencies, so the app starts after `npm prune --omit=dev`", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const { builtinModules } = require("node:module") as typeof import("node:module");
    const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...builtinModules]);
    const imported = packagesImportedByTheApp();
    expect(imported.has("@azure/functions")).toBe(true);
    const notProduction = [...imported].filter(([name]) => !allowed.has(name)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(notProduction).toEqual([]);
  });
});
