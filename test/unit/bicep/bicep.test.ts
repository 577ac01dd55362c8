import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_NAMES, SETTING_NAMES, loadConfig } from "../../../src/platform/config";
import {
  BICEP_DIR,
  type BicepFile,
  MAIN_BICEP,
  NOT_SET_IN_AZURE,
  REPO_ROOT,
  appSettings,
  bicepFilesUnder,
  evaluate,
  exampleParameters,
  literalValue,
  outputs,
  params,
  parseBicep,
  propertyPath,
  readBicep,
  resources,
  resourcesOfType,
  syntaxProblems,
  variables,
} from "./bicep-model";
import {
  forbiddenFlexSettings,
  missingAppSettings,
  queueNameSettings,
  queueProperties,
  roleAssignmentsIn,
  roleIdsIn,
  sampledQueries,
  secretLiterals,
  storageHardening,
  undocumentedParams,
} from "./bicep-rules";
import { parseTimeSpan } from "../../../src/local/host/host-json";

const FIXTURES = join(__dirname, "fixtures");

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(dir, f), "utf8"));
}

const ROLE = {
  serviceBusDataSender: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
  serviceBusDataReceiver: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
};
/** Roles far beyond what the app needs: Owner, Contributor, User Access Administrator, Key Vault Administrator. */
const TOO_BROAD = [
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  "00482a5a-887f-4fb3-b363-3b7fe8e74483",
];
/** Azure Service Bus Data Owner: only on the app's own queues, for the Manage right that scaling needs. */
const SERVICE_BUS_DATA_OWNER = "090c5cfd-751d-490a-894a-3ce6f1109419";

const HOST_JSON = JSON.parse(readFileSync(join(REPO_ROOT, "host.json"), "utf8"));
const deployDoc = () => readFileSync(join(REPO_ROOT, "docs", "deploy.md"), "utf8");

let files: BicepFile[];
let main: BicepFile;
const mod = (name: string) => {
  const f = files.find((x) => x.path.endsWith(`modules/${name}.bicep`));
  if (!f) throw new Error(`bicep/modules/${name}.bicep is missing`);
  return f;
};

beforeAll(async () => {
  files = await Promise.all(bicepFilesUnder(BICEP_DIR).map(readBicep));
  main = files.find((f) => f.path === MAIN_BICEP)!;
});

describe("Bicep templates", () => {
  it("include main.bicep and its modules", () => {
    expect(main).toBeDefined();
    expect(files.map((f) => relative(BICEP_DIR, f.path)).sort()).toEqual(
      expect.arrayContaining([
        "main.bicep",
        "modules/functionapp.bicep",
        "modules/keyvault.bicep",
        "modules/servicebus.bicep",
        "modules/storage.bicep",
      ]),
    );
  });

  it("parse without syntax errors, every one of them", () => {
    const report = files.flatMap((f) => syntaxProblems(f).map((p) => `${relative(BICEP_DIR, f.path)}:${p.line}:${p.column} ${p.message}`));
    expect(report).toEqual([]);
    for (const f of files) expect(resources(f).length + params(f).size).toBeGreaterThan(0);
  });

  it("reference only module files that exist", () => {
    for (const f of files) {
      for (const m of f.root.descendantsOfType("module_declaration")) {
        const path = literalValue(m.namedChildren[1]);
        expect(typeof path, `${f.path}: module path`).toBe("string");
        expect(existsSync(join(dirname(f.path), String(path))), `${f.path}: module ${path}`).toBe(true);
      }
    }
  });

  it("document every parameter with @description", () => {
    expect(files.flatMap(undocumentedParams)).toEqual([]);
  });

  it("have an example value in main.parameters.json for every required parameter, and no unknown one", () => {
    const example = exampleParameters();
    const declared = params(main);
    const required = [...declared.values()].filter((p) => !p.defaultValue).map((p) => p.name);
    expect(required.filter((n) => !(n in example))).toEqual([]);
    expect(Object.keys(example).filter((n) => !declared.has(n))).toEqual([]);
  });
});

describe("docs/deploy.md", () => {
  it("explains every parameter of main.bicep", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "deploy.md"), "utf8");
    const missing = [...params(main).keys()].filter((n) => !doc.includes(`| \`${n}\` |`));
    expect(missing).toEqual([]);
  });

  it("names every Key Vault secret the admin must set", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "deploy.md"), "utf8");
    for (const s of SECRET_NAMES) expect(doc).toContain(`--name ${s}`);
  });
});

describe("App settings in main.bicep", () => {
  it("set every setting the app reads in Azure (all of SETTING_NAMES except the listed local-only ones)", () => {
    expect(missingAppSettings(main, SETTING_NAMES)).toEqual([]);
  });

  it("keep the local-only allow-list honest: no listed setting is set in Bicep, and each is a real setting", () => {
    const set = new Set(appSettings(main).keys());
    for (const name of Object.keys(NOT_SET_IN_AZURE)) {
      expect(set.has(name), `${name} is listed as local-only but main.bicep sets it`).toBe(false);
      expect(SETTING_NAMES as readonly string[], `${name} is listed as local-only but the app has no such setting`).toContain(name);
    }
  });

  it("set only names that the app, the Functions host or Application Insights reads", () => {
    const known = new Set<string>(SETTING_NAMES);
    const unknown = [...appSettings(main).keys()].filter((n) => !known.has(n) && !/^(AzureWebJobsStorage__|APPLICATIONINSIGHTS_)/.test(n));
    expect(unknown).toEqual([]);
  });

  it("carry no secret values: only Key Vault names, references or deployment outputs", () => {
    const problems = files.flatMap((f) => secretLiterals(f, f === main ? exampleParameters() : {}));
    expect(problems).toEqual([]);
    for (const secret of SECRET_NAMES) {
      const envName = secret.toUpperCase().replace(/-/g, "_");
      expect(appSettings(main).has(envName), `${envName} must come from Key Vault, not an app setting`).toBe(false);
    }
  });

  it("leave out the settings that the Flex Consumption plan rejects", () => {
    expect(files.flatMap(forbiddenFlexSettings)).toEqual([]);
  });

  it("connect to host storage and Service Bus with the managed identity", () => {
    const s = appSettings(main);
    expect(literalValue(s.get("AzureWebJobsStorage__credential"))).toBe("managedidentity");
    for (const svc of ["blob", "queue", "table"]) expect(s.has(`AzureWebJobsStorage__${svc}ServiceUri`), svc).toBe(true);
    expect(s.get("ServiceBusConnection__fullyQualifiedNamespace")?.text).toBe("serviceBus.outputs.fullyQualifiedNamespace");
    expect(s.has("ServiceBusConnection")).toBe(false);
    expect(literalValue(s.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"))).toBe("Authorization=AAD");
  });

  it("parse with the app's own config schema, for the example parameters and for every allowed value", () => {
    const example = exampleParameters();
    const placeholder = (name: string) => (/_(URI|URL)$/.test(name) ? "https://placeholder.example.net/" : "placeholder");
    const envFor = (overrides: Record<string, unknown>) => {
      const env: Record<string, string> = {};
      for (const [name, value] of appSettings(main)) {
        const v = evaluate(value, main, { ...example, ...overrides });
        env[name] = v === undefined ? placeholder(name) : String(v);
      }
      return env;
    };
    const cfg = loadConfig(envFor({}));
    expect(cfg.D365_AUTH_MODE).not.toBe("simulator");
    for (const [name, value] of appSettings(main)) {
      if (value.type !== "identifier") continue;
      const p = params(main).get(value.text);
      for (const allowed of p?.allowed ?? []) {
        expect(
          () => loadConfig({ ...envFor({ [value.text]: allowed }), D365_TENANT_ID: "t", D365_CLIENT_ID: "c" }),
          `${name}=${allowed}`,
        ).not.toThrow();
      }
    }
    expect(params(main).get("d365AuthMode")?.allowed).not.toContain("simulator");
  });

  it("name the same queues as the settings' defaults, and Service Bus creates exactly those", () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const queueSettings = queueNameSettings(main);
    const queueSettingNames = SETTING_NAMES.filter((n) => n.startsWith("QUEUE_") && typeof defaults[n] === "string");
    expect([...queueSettings.keys()].sort()).toEqual([...queueSettingNames].sort());
    for (const [setting, param] of queueSettings) {
      expect(literalValue(params(main).get(param)?.defaultValue), `${param} default vs ${setting}`).toBe(defaults[setting]);
    }
    const sbModule = main.root
      .descendantsOfType("module_declaration")
      .find((m) => literalValue(m.namedChildren[1]) === "modules/servicebus.bicep");
    const body = sbModule?.namedChildren[sbModule.namedChildren.length - 1];
    expect(propertyPath(body, "params.queueNames")?.text).toBe("serviceBusQueueNames");
    expect(propertyPath(body, "params.maxDeliveryCount")?.text).toBe(
      appSettings(main).get("QUEUE_MAX_DELIVERY_COUNT")?.namedChildren[1]?.namedChildren[0]?.text,
    );
  });

  it("pass the maxDeliveryCount default that the app assumes", () => {
    const defaults = loadConfig({});
    expect(literalValue(params(main).get("queueMaxDeliveryCount")?.defaultValue)).toBe(defaults.QUEUE_MAX_DELIVERY_COUNT);
  });

  it("use the app's schedules and task hub defaults unless told otherwise", () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const s = appSettings(main);
    for (const name of ["ORDERS_CATCHUP_SCHEDULE", "SETTLEMENTS_POLL_SCHEDULE", "DURABLE_TASK_HUB"]) {
      expect(evaluate(s.get(name)!, main), name).toBe(defaults[name]);
    }
  });
});

describe("Resources", () => {
  it("run the app on Flex Consumption (FC1, Linux, Node 22) with a system-assigned identity and identity-based deployment storage", () => {
    const app = mod("functionapp");
    const [plan] = resourcesOfType(app, "Microsoft.Web/serverfarms");
    expect(literalValue(propertyPath(plan.body, "sku.name"))).toBe("FC1");
    expect(literalValue(propertyPath(plan.body, "properties.reserved"))).toBe(true);
    const [site] = resourcesOfType(app, "Microsoft.Web/sites").filter((r) => !r.existing);
    expect(literalValue(propertyPath(site.body, "kind"))).toBe("functionapp,linux");
    expect(literalValue(propertyPath(site.body, "identity.type"))).toBe("SystemAssigned");
    expect(literalValue(propertyPath(site.body, "properties.httpsOnly"))).toBe(true);
    expect(literalValue(propertyPath(site.body, "properties.functionAppConfig.runtime.name"))).toBe("node");
    expect(evaluate(propertyPath(site.body, "properties.functionAppConfig.runtime.version")!, app)).toBe("22");
    expect(literalValue(propertyPath(site.body, "properties.functionAppConfig.deployment.storage.type"))).toBe("blobContainer");
    expect(literalValue(propertyPath(site.body, "properties.functionAppConfig.deployment.storage.authentication.type"))).toBe(
      "SystemAssignedIdentity",
    );
  });

  it("lock storage down to Entra identities, TLS 1.2 and private blobs", () => {
    expect(files.flatMap(storageHardening)).toEqual([]);
    expect(resourcesOfType(mod("storage"), "containers")).toHaveLength(1);
    for (const svc of ["queueServices", "tableServices"]) expect(resourcesOfType(mod("storage"), svc), svc).toHaveLength(1);
  });

  it("give every Service Bus queue delivery limits, dead-lettering, duplicate detection and a lock duration", () => {
    expect(files.flatMap(queueProperties)).toEqual([]);
    const sb = mod("servicebus");
    const [ns] = resourcesOfType(sb, "Microsoft.ServiceBus/namespaces");
    expect(literalValue(propertyPath(ns.body, "sku.name"))).toBe("Standard");
  });

  it("disable SAS on Service Bus unless D365 business events are switched on, and then allow only Send on their queue", () => {
    const sb = mod("servicebus");
    const [ns] = resourcesOfType(sb, "Microsoft.ServiceBus/namespaces");
    expect(evaluate(propertyPath(ns.body, "properties.disableLocalAuth")!, sb)).toBe(true);
    expect(evaluate(propertyPath(ns.body, "properties.disableLocalAuth")!, sb, { allowLocalAuth: true })).toBe(false);
    expect(literalValue(params(main).get("enableD365BusinessEvents")?.defaultValue)).toBe(false);
    const be = mod("businessevents");
    const rules = resourcesOfType(be, "authorizationRules");
    expect(rules).toHaveLength(1);
    expect(literalValue(propertyPath(rules[0].body, "properties.rights"))).toEqual(["Send"]);
    const module = main.root
      .descendantsOfType("module_declaration")
      .find((m) => literalValue(m.namedChildren[1]) === "modules/businessevents.bicep");
    expect(module?.text).toContain("if (enableD365BusinessEvents)");
    expect(propertyPath(module?.namedChildren.at(-1)?.namedChildren.at(-1), "params.queueName")?.text).toBe("queueD365Events");
  });

  it("keep secrets in an RBAC Key Vault with soft delete and purge protection, declaring only the names the app reads", () => {
    const kv = mod("keyvault");
    const [vault] = resourcesOfType(kv, "Microsoft.KeyVault/vaults");
    for (const p of ["enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"]) {
      expect(literalValue(propertyPath(vault.body, `properties.${p}`)), p).toBe(true);
    }
    expect(literalValue(variables(kv).get("secretNames"))).toEqual([...SECRET_NAMES]);
    expect(resourcesOfType(kv, "secrets")).toEqual([]);
    expect(outputs(main).get("keyVaultSecretNames")).toBeDefined();
  });

  it("send telemetry to Application Insights with Entra auth only", () => {
    const [ai] = resourcesOfType(mod("monitoring"), "Microsoft.Insights/components");
    expect(literalValue(propertyPath(ai.body, "properties.DisableLocalAuth"))).toBe(true);
    expect(propertyPath(ai.body, "properties.WorkspaceResourceId")).toBeDefined();
  });

  it("grant the app identity the data roles it needs and none broader", () => {
    const ids = roleIdsIn(mod("rbac"));
    for (const [name, id] of Object.entries(ROLE)) expect(ids.has(id), name).toBe(true);
    for (const f of files) for (const id of TOO_BROAD) expect(roleIdsIn(f).has(id), `${f.path} assigns ${id}`).toBe(false);
    const assignments = resourcesOfType(mod("rbac"), "Microsoft.Authorization/roleAssignments");
    for (const a of assignments) {
      expect(propertyPath(a.body, "scope"), `${a.symbol} is scoped to one resource`).toBeDefined();
      expect(propertyPath(a.body, "name")?.text.startsWith("guid("), `${a.symbol} has a deterministic name`).toBe(true);
    }
  });

  it("give Service Bus Data Owner (the Manage right target-based scaling needs) only on the app's queues, never on the namespace", () => {
    const rbac = mod("rbac");
    for (const f of files.filter((x) => x !== rbac)) expect(roleIdsIn(f).has(SERVICE_BUS_DATA_OWNER), f.path).toBe(false);
    const owners = roleAssignmentsIn(rbac).filter((a) => a.roleIds.includes(SERVICE_BUS_DATA_OWNER));
    expect(owners.map((a) => ({ scope: a.scope, condition: a.condition }))).toEqual([
      { scope: "queues[i]", condition: "(serviceBusQueueOwner)" },
    ]);
    // The queues in scope are exactly the ones the template creates.
    const [queues] = resourcesOfType(rbac, "namespaces/queues");
    expect(queues?.existing && queues.loop).toBe(true);
    const rbacModule = main.root
      .descendantsOfType("module_declaration")
      .find((m) => literalValue(m.namedChildren[1]) === "modules/rbac.bicep");
    const body = rbacModule?.namedChildren.at(-1);
    expect(propertyPath(body, "params.serviceBusQueueNames")?.text).toBe("serviceBusQueueNames");
    expect(propertyPath(body, "params.serviceBusQueueOwner")?.text).toBe("serviceBusQueueOwner");
    expect(literalValue(params(main).get("serviceBusQueueOwner")?.defaultValue)).toBe(true);
    // Namespace-wide assignments stay Sender and Receiver.
    for (const a of roleAssignmentsIn(rbac).filter((x) => x.scope === "serviceBus"))
      expect(a.roleIds.sort()).toEqual([ROLE.serviceBusDataSender, ROLE.serviceBusDataReceiver].sort());
    // The trade-off is written down where an admin decides.
    expect(deployDoc()).toContain("## Service Bus rights");
    expect(deployDoc()).toContain("serviceBusQueueOwner=false");
  });

  it("follow Microsoft's Durable Functions on Flex Consumption advice: one always-ready instance for the durable group, queue polling at most 10 s", () => {
    const app = mod("functionapp");
    const [site] = resourcesOfType(app, "Microsoft.Web/sites").filter((r) => !r.existing);
    const alwaysReady = propertyPath(site.body, "properties.functionAppConfig.scaleAndConcurrency.alwaysReady");
    const durable = alwaysReady?.namedChildren.find((o) => literalValue(propertyPath(o, "name")) === "durable");
    expect(durable, "alwaysReady has the durable group").toBeDefined();
    expect(evaluate(propertyPath(durable, "instanceCount")!, app)).toBe(1);
    expect(evaluate(params(main).get("durableAlwaysReadyInstances")!.defaultValue!, main)).toBe(1);
    const fnModule = main.root
      .descendantsOfType("module_declaration")
      .find((m) => literalValue(m.namedChildren[1]) === "modules/functionapp.bicep");
    expect(propertyPath(fnModule?.namedChildren.at(-1), "params.durableAlwaysReadyInstances")?.text).toBe("durableAlwaysReadyInstances");
    const polling = HOST_JSON.extensions.durableTask.storageProvider.maxQueuePollingInterval;
    expect(typeof polling, "host.json durableTask.storageProvider.maxQueuePollingInterval").toBe("string");
    expect(parseTimeSpan(polling)).toBeLessThanOrEqual(10_000);
  });

  it("keep a Service Bus message locked for as long as a function may run", () => {
    const renewal = parseTimeSpan(HOST_JSON.extensions.serviceBus.maxAutoLockRenewalDuration);
    expect(renewal).toBeGreaterThanOrEqual(parseTimeSpan(HOST_JSON.functionTimeout));
  });

  it("name the Key Vault so that a resource group deleted and created again can get a new vault (seed) or its old one back (recover)", () => {
    const token = variables(main).get("keyVaultToken")?.text ?? "";
    // Empty seed: the name every other resource's suffix has (unchanged for existing deployments).
    expect(token).toMatch(/^empty\(keyVaultNameSeed\) \? token : /);
    expect(token).toMatch(/uniqueString\(.*, keyVaultNameSeed\)\)$/);
    // 'kv' + at most 9 characters of the name + uniqueString's 13 characters = 24, the longest vault name.
    expect(variables(main).get("keyVaultName")?.text).toBe("'kv${take(compactName, 9)}${keyVaultToken}'");
    const kvModule = main.root
      .descendantsOfType("module_declaration")
      .find((m) => literalValue(m.namedChildren[1]) === "modules/keyvault.bicep");
    expect(propertyPath(kvModule?.namedChildren.at(-1), "params.keyVaultName")?.text).toBe("keyVaultName");
    expect(literalValue(params(main).get("keyVaultNameSeed")?.defaultValue)).toBe("");
    expect(deployDoc()).toContain("az keyvault recover");
    expect(deployDoc()).toContain("keyVaultNameSeed=");
  });

  it("count only telemetry that is never sampled away in alerts and the workbook", () => {
    const appLines = literalValue(variables(mod("workbook")).get("appLines")) as string;
    const queries = [mod("alerts"), mod("workbook")].flatMap((f) =>
      f.root
        .descendantsOfType("object_property")
        .filter((p) => p.namedChildren[0].text === "query")
        .map((p) => ({ where: relative(BICEP_DIR, f.path), query: p.namedChildren[1].text.replace("${appLines}", appLines) })),
    );
    expect(queries.length).toBeGreaterThanOrEqual(5);
    const sampling = HOST_JSON.logging.applicationInsights.samplingSettings;
    expect(sampledQueries(queries, sampling.excludedTypes)).toEqual([]);
    // the rule itself: with the old setting the app's events (traces) could have been sampled away
    expect(sampledQueries(queries, "Request;Exception").join("\n")).toContain("counts AppTraces, but host.json samples Trace");
  });

  it("alert on dead-lettered messages and on the app's needs-review events", () => {
    const alerts = mod("alerts");
    const [metric] = resourcesOfType(alerts, "Microsoft.Insights/metricAlerts");
    expect(propertyPath(metric.body, "properties.criteria")?.text).toContain("DeadletteredMessages");
    expect(resourcesOfType(alerts, "Microsoft.Insights/scheduledQueryRules")).toHaveLength(1);
    const names = literalValue(params(main).get("alertEventNames")?.defaultValue) as string[];
    expect(names).toContain("message.parked");
    // Each name must be an event the app really emits (telemetry.event("<name>", ...) somewhere in src/).
    const sources = sourcesUnder(join(REPO_ROOT, "src"));
    for (const name of names)
      expect(
        sources.some((s) => s.includes(`.event("${name}"`)),
        `${name} is emitted by the app`,
      ).toBe(true);
    expect(propertyPath(resourcesOfType(alerts, "scheduledQueryRules")[0].body, "properties.criteria")?.text).toContain("AppTraces");
  });

  it("offer a workbook over the app's events, metrics, executions and exceptions", () => {
    const wb = mod("workbook");
    const [book] = resourcesOfType(wb, "Microsoft.Insights/workbooks");
    expect(literalValue(propertyPath(book.body, "kind"))).toBe("shared");
    expect(propertyPath(book.body, "properties.serializedData")?.text).toBe("string(content)");
    const queries = wb.root
      .descendantsOfType("object_property")
      .filter((p) => p.namedChildren[0].text === "query")
      .map((p) => p.namedChildren[1].text);
    for (const table of ["AppTraces", "AppRequests", "AppExceptions"])
      expect(queries.join("\n") + variables(wb).get("appLines")?.text, table).toContain(table);
    expect(main.root.descendantsOfType("module_declaration").some((m) => m.text.includes("if (enableWorkbook)"))).toBe(true);
  });
});

describe("The checker itself", () => {
  it("reports a syntax error with its line", async () => {
    const broken = await readBicep(join(FIXTURES, "syntax-error.bicep"));
    const problems = syntaxProblems(broken);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].line).toBe(6);
  });

  it("finds nothing wrong in a small valid snippet", async () => {
    const ok = await parseBicep("@description('Region of it all.')\nparam location string = 'westeurope'\n");
    expect(syntaxProblems(ok)).toEqual([]);
    expect(undocumentedParams(ok)).toEqual([]);
  });

  it("catches secret literals, a forbidden Flex setting, shared-key storage and a queue without limits", async () => {
    const bad = await readBicep(join(FIXTURES, "secret-literal.bicep"));
    expect(syntaxProblems(bad)).toEqual([]);
    const secrets = secretLiterals(bad).join("\n");
    expect(secrets).toContain("SPAPI_LWA_CLIENT_SECRET is named like a secret");
    expect(secrets).toContain("D365_CLIENT_SECRET is named like a secret");
    expect(secrets).toContain("STORAGE_CONNECTION_STRING holds what looks like a credential");
    expect(secrets).toContain("@secure() parameter lwaClientSecret has a default value");
    expect(secrets).not.toContain("NOTIFICATION_API_KEY");
    expect(forbiddenFlexSettings(bad).join("\n")).toContain("FUNCTIONS_WORKER_RUNTIME");
    const storage = storageHardening(bad).join("\n");
    expect(storage).toContain("allowSharedKeyAccess");
    expect(storage).toContain("allowBlobPublicAccess");
    expect(storage).toContain("minimumTlsVersion");
    const queues = queueProperties(bad).join("\n");
    expect(queues).toContain("maxDeliveryCount is not set");
    expect(queues).toContain("deadLetteringOnMessageExpiration");
    expect(
      missingAppSettings(await parseBicep("var appSettings = {\n  D365_BASE_URL: 'https://x.example.com'\n}\n"), [
        "D365_BASE_URL",
        "SPAPI_SELLER_ID",
        "SIM_SEED",
      ]),
    ).toEqual([expect.stringContaining("SPAPI_SELLER_ID")]);
  });
});
