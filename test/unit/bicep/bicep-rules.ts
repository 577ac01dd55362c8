/**
 * Our own rules for the Bicep templates, on top of the syntax check. Each rule returns the violations it found
 * as sentences (empty: fine), so that a failing test says what to fix, and so that the negative tests can run
 * the same rule on a broken fixture.
 */
import {
  type BicepFile,
  type ExampleParameters,
  FORBIDDEN_FLEX_SETTINGS,
  type Node,
  appSettings,
  evaluate,
  isLocalOnlySetting,
  isSecretLikeName,
  literalValue,
  looksLikeCredential,
  objectProperties,
  params,
  propertyPath,
  resources,
  resourcesOfType,
  variables,
} from "./bicep-model";

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\((SecretUri=https:\/\/[^)]+|VaultName=[^;]+;SecretName=[^)]+)\)$/;

/** Every app setting assignment in a file: main's appSettings variable, appsettings config resources, siteConfig.appSettings arrays. */
export function appSettingAssignments(file: BicepFile): { name: string; value: Node }[] {
  const out: { name: string; value: Node }[] = [];
  const appSettingsVar = variables(file).get("appSettings");
  if (appSettingsVar?.type === "object") for (const [name, value] of objectProperties(appSettingsVar)) out.push({ name, value });
  for (const r of resources(file)) {
    const t = r.type.split("@")[0].toLowerCase();
    const name = literalValue(propertyPath(r.body, "name"));
    const props = propertyPath(r.body, "properties");
    if ((t.endsWith("sites/config") && name === "appsettings") || (t === "config" && name === "appsettings")) {
      if (props?.type === "object") for (const [n, v] of objectProperties(props)) out.push({ name: n, value: v });
    }
    const arr = propertyPath(r.body, "properties.siteConfig.appSettings");
    if (arr?.type === "array") {
      for (const item of arr.namedChildren) {
        if (item.type !== "object") continue;
        const n = literalValue(propertyPath(item, "name"));
        const v = propertyPath(item, "value");
        if (typeof n === "string" && v) out.push({ name: n, value: v });
      }
    }
  }
  return out;
}

/** Settings the app requires in Azure that main.bicep does not set. */
export function missingAppSettings(main: BicepFile, settingNames: readonly string[]): string[] {
  const set = new Set(appSettings(main).keys());
  return settingNames
    .filter((n) => !isLocalOnlySetting(n) && !set.has(n))
    .map((n) => `${n} is a setting of the app (src/**/settings.ts) but main.bicep's appSettings does not set it`);
}

/**
 * No secret value in a template: a setting named like a secret may only hold a Key Vault reference or a
 * deployment-time value (a resource output); no literal anywhere looks like a credential; @secure()
 * parameters have no default; Key Vault secrets are never created with a value from the template.
 */
export function secretLiterals(file: BicepFile, example: ExampleParameters = {}): string[] {
  const problems: string[] = [];
  for (const { name, value } of appSettingAssignments(file)) {
    const v = evaluate(value, file, example);
    if (isSecretLikeName(name) && v !== undefined && !(typeof v === "string" && (v === "" || KEY_VAULT_REFERENCE.test(v)))) {
      problems.push(`${file.path}: app setting ${name} is named like a secret but holds a value written in the template; use Key Vault`);
    }
    if (typeof v === "string" && looksLikeCredential(v))
      problems.push(`${file.path}: app setting ${name} holds what looks like a credential`);
  }
  for (const p of params(file).values()) {
    if (p.secure && p.defaultValue && literalValue(p.defaultValue) !== "") {
      problems.push(`${file.path}: @secure() parameter ${p.name} has a default value`);
    }
    if (isSecretLikeName(p.name) && !p.secure)
      problems.push(`${file.path}: parameter ${p.name} is named like a secret but is not @secure()`);
  }
  for (const r of resourcesOfType(file, "vaults/secrets").concat(resourcesOfType(file, "secrets"))) {
    const value = propertyPath(r.body, "properties.value");
    if (value && literalValue(value) !== undefined) {
      problems.push(`${file.path}: Key Vault secret resource ${r.symbol} is created with a literal value`);
    }
  }
  for (const s of file.root.descendantsOfType("string")) {
    const v = literalValue(s);
    if (typeof v === "string" && looksLikeCredential(v)) {
      problems.push(`${file.path}:${s.startPosition.row + 1}: a string literal looks like a credential`);
    }
  }
  return [...new Set(problems)];
}

/** App settings that the Flex Consumption plan rejects. */
export function forbiddenFlexSettings(file: BicepFile): string[] {
  const forbidden = new Set<string>(FORBIDDEN_FLEX_SETTINGS);
  return appSettingAssignments(file)
    .filter(({ name }) => forbidden.has(name))
    .map(({ name }) => `${file.path}: app setting ${name} must not be set on a Flex Consumption app`);
}

function expectLiteral(problems: string[], where: string, body: Node, path: string, want: unknown): void {
  const got = literalValue(propertyPath(body, path));
  if (got !== want)
    problems.push(
      `${where}: ${path} should be ${JSON.stringify(want)} (is ${got === undefined ? "not set or not a literal" : JSON.stringify(got)})`,
    );
}

/** Storage accounts reachable only with Entra identities, TLS 1.2, and no public blobs. */
export function storageHardening(file: BicepFile): string[] {
  const problems: string[] = [];
  for (const r of resourcesOfType(file, "Microsoft.Storage/storageAccounts").filter((x) => !x.existing)) {
    const where = `${file.path}: storage account ${r.symbol}`;
    expectLiteral(problems, where, r.body, "properties.allowSharedKeyAccess", false);
    expectLiteral(problems, where, r.body, "properties.allowBlobPublicAccess", false);
    expectLiteral(problems, where, r.body, "properties.minimumTlsVersion", "TLS1_2");
  }
  return problems;
}

/** Every Service Bus queue has delivery limits, dead-lettering, duplicate detection with a window and a lock duration. */
export function queueProperties(file: BicepFile): string[] {
  const problems: string[] = [];
  for (const r of resourcesOfType(file, "namespaces/queues").filter((x) => !x.existing)) {
    const where = `${file.path}: queue ${r.symbol}`;
    for (const key of ["maxDeliveryCount", "lockDuration", "duplicateDetectionHistoryTimeWindow"]) {
      if (!propertyPath(r.body, `properties.${key}`)) problems.push(`${where}: properties.${key} is not set`);
    }
    expectLiteral(problems, where, r.body, "properties.deadLetteringOnMessageExpiration", true);
    expectLiteral(problems, where, r.body, "properties.requiresDuplicateDetection", true);
  }
  return problems;
}

/** Every parameter is documented with @description. */
export function undocumentedParams(file: BicepFile): string[] {
  return [...params(file).values()]
    .filter((p) => !p.description || p.description.trim().length < 8)
    .map((p) => `${file.path}: parameter ${p.name} has no @description`);
}

/**
 * The app settings that name Service Bus queues: those whose value is one of the parameters listed in main's
 * serviceBusQueueNames variable (the queues the template creates). Returns setting -> parameter name.
 */
export function queueNameSettings(main: BicepFile): Map<string, string> {
  const list = variables(main).get("serviceBusQueueNames");
  if (!list || list.type !== "array") throw new Error(`${main.path}: no 'var serviceBusQueueNames = [ ... ]'`);
  const queueParams = new Set(list.namedChildren.filter((c) => c.type === "identifier").map((c) => c.text));
  const out = new Map<string, string>();
  for (const [name, value] of appSettings(main)) {
    if (value.type === "identifier" && queueParams.has(value.text)) out.set(name, value.text);
  }
  return out;
}

/** The role definition ids assigned anywhere in a file (literal GUIDs in role assignment resources or in variables). */
export function roleIdsIn(file: BicepFile): Set<string> {
  const ids = new Set<string>();
  for (const s of file.root.descendantsOfType("string")) {
    const v = literalValue(s);
    if (typeof v === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) ids.add(v.toLowerCase());
  }
  return ids;
}

/** A role assignment resource: which role ids it grants (resolved through the file's `roles` variable) and where. */
export interface RoleAssignment {
  symbol: string;
  roleIds: string[];
  /** The scope expression as written (e.g. `serviceBus`, `queues[i]`). */
  scope?: string;
  /** The condition of `if (...)` (in a loop or alone), if any. */
  condition?: string;
}

/** The role assignments of a file, with the role ids each one grants (literal, `roles.x`, or a loop over a list of those). */
export function roleAssignmentsIn(file: BicepFile): RoleAssignment[] {
  const roleVar = variables(file).get("roles");
  const roleIds = new Map<string, string>();
  if (roleVar?.type === "object")
    for (const [name, value] of objectProperties(roleVar)) {
      const v = literalValue(value);
      if (typeof v === "string") roleIds.set(name, v.toLowerCase());
    }
  const idsIn = (text: string): string[] => {
    const out = new Set<string>();
    for (const m of text.matchAll(/roles\.(\w+)/g)) if (roleIds.has(m[1]!)) out.add(roleIds.get(m[1]!)!);
    for (const m of text.matchAll(/'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'/gi)) out.add(m[1]!.toLowerCase());
    return [...out];
  };
  return resourcesOfType(file, "Microsoft.Authorization/roleAssignments")
    .filter((r) => !r.existing)
    .map((r) => {
      const ids = new Set(idsIn(r.body.text));
      const last = r.node.namedChildren[r.node.namedChildren.length - 1]!;
      let condition: string | undefined;
      if (r.loop) {
        // for roleId in someList: { ... }  ->  the members of someList
        const m = /\bfor\s+(?:\(\s*(\w+)[^)]*\)|(\w+))\s+in\s+(\w+)\s*:/.exec(last.text);
        const item = m?.[1] ?? m?.[2];
        const list = m ? variables(file).get(m[3]!) : undefined;
        if (item && list && r.body.text.includes(item)) for (const id of idsIn(list.text)) ids.add(id);
        const inner = last.namedChildren[last.namedChildren.length - 1];
        if (inner?.type === "if_statement") condition = inner.namedChildren[0]?.text;
      } else if (r.conditional) {
        condition = last.namedChildren[0]?.text;
      }
      return { symbol: r.symbol, roleIds: [...ids], scope: propertyPath(r.body, "scope")?.text, condition };
    });
}

/** Application Insights tables (workspace-based names) that a KQL query reads. */
export function kqlTables(query: string): string[] {
  return [
    ...new Set(
      [...query.matchAll(/\b(AppTraces|AppRequests|AppExceptions|AppDependencies|AppEvents|AppPageViews|AppMetrics)\b/g)].map((m) => m[1]!),
    ),
  ];
}

/** The telemetry type host.json's samplingSettings.excludedTypes uses for each table. AppMetrics is never sampled. */
export const SAMPLED_TYPE_OF_TABLE: Readonly<Record<string, string | undefined>> = {
  AppTraces: "Trace",
  AppRequests: "Request",
  AppExceptions: "Exception",
  AppDependencies: "Dependency",
  AppEvents: "Event",
  AppPageViews: "PageView",
  AppMetrics: undefined,
};

/**
 * Queries (alerts, workbook) that count telemetry Application Insights may sample away: every table a query
 * reads must be excluded from sampling in host.json, or a rare event could be missing from the count.
 */
export function sampledQueries(queries: { where: string; query: string }[], excludedTypes: string): string[] {
  const excluded = new Set(
    excludedTypes
      .split(";")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const problems: string[] = [];
  for (const { where, query } of queries) {
    for (const table of kqlTables(query)) {
      const type = SAMPLED_TYPE_OF_TABLE[table];
      if (type && !excluded.has(type.toLowerCase()))
        problems.push(`${where} counts ${table}, but host.json samples ${type} telemetry (add it to samplingSettings.excludedTypes)`);
    }
  }
  return problems;
}
