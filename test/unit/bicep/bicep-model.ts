/**
 * A small reader of our Bicep templates, built on tree-sitter-bicep (syntax only: no Bicep CLI is available
 * offline: it downloads its own binary). It gives the tests the parameters, variables,
 * resources and app settings of a template as syntax nodes and, where they are literals, as values, so that
 * our own rules (settings agree with the code, no secret literals, Flex-safe settings, queue properties) can
 * be checked on every `npm test`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import Parser from "web-tree-sitter";

export type Node = Parser.SyntaxNode;

export const REPO_ROOT = join(__dirname, "..", "..", "..");
export const BICEP_DIR = join(REPO_ROOT, "bicep");
export const MAIN_BICEP = join(BICEP_DIR, "main.bicep");
export const MAIN_PARAMETERS = join(BICEP_DIR, "main.parameters.json");

/**
 * Settings of the app that are deliberately NOT set as Bicep app settings, each with the reason. Every other
 * entry of SETTING_NAMES must be set in bicep/main.bicep (checked by test/unit/bicep and test/unit/config).
 */
export const NOT_SET_IN_AZURE: Readonly<Record<string, string>> = {
  // Local storage (Azurite); in Azure the app uses STORAGE_ACCOUNT_NAME with its managed identity.
  STORAGE_CONNECTION_STRING: "local Azurite connection string; Azure uses STORAGE_ACCOUNT_NAME and the identity",
  // The app has a system-assigned identity; a client id is only for a user-assigned one.
  AZURE_CLIENT_ID: "only for a user-assigned identity; the template gives the app a system-assigned one",
  // The SP-API simulator's address and certificate: local host only.
  SPAPI_ENDPOINT_OVERRIDE: "points SP-API calls at the local simulator",
  SPAPI_OVERRIDE_CA_FILE: "certificate of the local SP-API simulator",
  // The local host and its simulators (src/wiring/settings.ts).
  LOCAL_HTTP_PORT: "port of the local host",
  D365_SIM_PORT: "port of the local D365 simulator",
  SPAPI_SIM_PORT: "port of the local SP-API simulator",
  SIM_TIME_SCALE: "time scale of the local simulators",
  SIM_SEED: "seed of the local simulators' demo data",
  LOCAL_DATA_DIR: "folder of the local host's files",
};

/** Local-only by name pattern, for settings added later by the local host or the simulators. */
export function isLocalOnlySetting(name: string): boolean {
  return name in NOT_SET_IN_AZURE || /^(LOCAL_|SIM_)/.test(name) || /_SIM_/.test(name) || /^SIM$/.test(name);
}

/** App settings that the Flex Consumption plan rejects or ignores (functions-app-settings, "Flex Consumption plan deprecations"). */
export const FORBIDDEN_FLEX_SETTINGS = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_WORKER_RUNTIME_VERSION",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTSHARE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_CONTENTOVERVNET",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "ENABLE_ORYX_BUILD",
  "WEBSITE_TIME_ZONE",
  "TZ",
  "AzureWebJobsStorage",
] as const;

/** An app setting name that holds a credential when it holds anything. */
export function isSecretLikeName(name: string): boolean {
  return (
    (/(SECRET|PASSWORD|PASSWD|PWD|TOKEN|API_?KEY|ACCESS_?KEY|ACCOUNT_?KEY|PRIVATE_?KEY|CONNECTION_?STRING)$/i.test(name) &&
      !/^APPLICATIONINSIGHTS_CONNECTION_STRING$/.test(name)) ||
    /^(ServiceBusConnection|AzureWebJobsStorage)$/.test(name)
  );
}

/** A literal value that looks like a credential whatever its setting is called. */
export function looksLikeCredential(value: string): boolean {
  return /(AccountKey=|SharedAccessKey=|SharedAccessSignature=|sig=|ClientSecret=|password=|Atzr\||-----BEGIN)/i.test(value);
}

let parserPromise: Promise<Parser> | undefined;
/** One tree-sitter parser with the Bicep grammar, loaded from the WASM in node_modules. */
export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const parser = new Parser();
    parser.setLanguage(await Parser.Language.load(require.resolve("tree-sitter-bicep/tree-sitter-bicep.wasm")));
    return parser;
  })();
  return parserPromise;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

export interface BicepFile {
  path: string;
  source: string;
  root: Node;
}

export async function parseBicep(source: string, path = "(inline)"): Promise<BicepFile> {
  const parser = await bicepParser();
  return { path, source, root: parser.parse(source).rootNode };
}

export async function readBicep(path: string): Promise<BicepFile> {
  return parseBicep(readFileSync(path, "utf8"), path);
}

/** ERROR and MISSING nodes of the tree, with 1-based positions. */
export function syntaxProblems(file: BicepFile): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const walk = (n: Node) => {
    if (n.type === "ERROR" || n.isMissing) {
      problems.push({
        line: n.startPosition.row + 1,
        column: n.startPosition.column + 1,
        message: n.isMissing ? `missing ${n.type}` : `unexpected ${JSON.stringify(n.text.slice(0, 40))}`,
      });
    }
    if (n.hasError) for (const c of n.children) walk(c);
  };
  walk(file.root);
  return problems;
}

/** Every .bicep file under a folder, relative paths sorted. */
export function bicepFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith(".bicep")) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b)));
}

// ---------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------

const ESCAPES: Record<string, string> = { "\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$" };

/** True when the node is a string without interpolation. */
export function isStringLiteral(n: Node): boolean {
  return n.type === "string" && !n.namedChildren.some((c) => c.type === "interpolation");
}

/** The value of a literal (string without interpolation, number, boolean, null, array or object of literals), else undefined. */
export function literalValue(n: Node | undefined): unknown {
  if (!n) return undefined;
  switch (n.type) {
    case "string":
      if (!isStringLiteral(n)) return undefined;
      return n.namedChildren.map((c) => (c.type === "escape_sequence" ? (ESCAPES[c.text] ?? c.text) : c.text)).join("");
    case "number":
      return Number(n.text);
    case "boolean":
      return n.text === "true";
    case "null":
      return null;
    case "unary_expression":
      return n.text.startsWith("-") && n.namedChildren[0]?.type === "number" ? -Number(n.namedChildren[0].text) : undefined;
    case "array": {
      const items = n.namedChildren.filter((c) => c.type !== "comment").map(literalValue);
      return items.some((v) => v === undefined) ? undefined : items;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of objectProperties(n)) {
        const value = literalValue(v);
        if (value === undefined) return undefined;
        out[k] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** The key of an object property (identifier or quoted string). */
function propertyKey(prop: Node): string {
  const key = prop.namedChildren[0];
  return key.type === "string" ? String(literalValue(key)) : key.text;
}

/** The properties of an object node, in source order. */
export function objectProperties(obj: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const prop of obj.namedChildren) {
    if (prop.type !== "object_property") continue;
    const value = prop.namedChildren[prop.namedChildren.length - 1];
    out.set(propertyKey(prop), value);
  }
  return out;
}

/** Follows a dotted path of properties through nested objects (case-insensitive keys). */
export function propertyPath(obj: Node | undefined, path: string): Node | undefined {
  let cur = obj;
  for (const key of path.split(".")) {
    if (cur?.type !== "object") return undefined;
    const props = objectProperties(cur);
    const found = [...props.entries()].find(([k]) => k.toLowerCase() === key.toLowerCase());
    cur = found?.[1];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------------------

export interface ParamDecl {
  name: string;
  type: string;
  defaultValue?: Node;
  decorators: Map<string, Node | undefined>;
  secure: boolean;
  description?: string;
  allowed?: unknown[];
}

function decoratorsOf(decl: Node): Map<string, Node | undefined> {
  const out = new Map<string, Node | undefined>();
  const prev = decl.previousNamedSibling;
  if (prev?.type !== "decorators") return out;
  for (const d of prev.namedChildren) {
    const expr = d.namedChildren[0];
    if (!expr) continue;
    if (expr.type === "call_expression") {
      const fn = expr.namedChildren[0].text.replace(/^sys\./, "");
      const args = expr.namedChildren.find((c) => c.type === "arguments");
      out.set(
        fn,
        args?.namedChildren.find((c) => c.type !== "comment"),
      );
    } else {
      out.set(expr.text.replace(/^sys\./, ""), undefined);
    }
  }
  return out;
}

export function params(file: BicepFile): Map<string, ParamDecl> {
  const out = new Map<string, ParamDecl>();
  for (const decl of file.root.namedChildren) {
    if (decl.type !== "parameter_declaration") continue;
    const [id, type, ...rest] = decl.namedChildren;
    const decorators = decoratorsOf(decl);
    const description = literalValue(decorators.get("description"));
    out.set(id.text, {
      name: id.text,
      type: type?.text ?? "",
      defaultValue: rest.find((c) => c.type !== "comment"),
      decorators,
      secure: decorators.has("secure"),
      description: typeof description === "string" ? description : undefined,
      allowed: literalValue(decorators.get("allowed")) as unknown[] | undefined,
    });
  }
  return out;
}

export function variables(file: BicepFile): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const decl of file.root.namedChildren) {
    if (decl.type !== "variable_declaration") continue;
    const named = decl.namedChildren.filter((c) => c.type !== "comment");
    out.set(named[0].text, named[named.length - 1]);
  }
  return out;
}

export interface OutputDecl {
  name: string;
  value: Node;
}

export function outputs(file: BicepFile): Map<string, OutputDecl> {
  const out = new Map<string, OutputDecl>();
  for (const decl of file.root.namedChildren) {
    if (decl.type !== "output_declaration") continue;
    const named = decl.namedChildren;
    out.set(named[0].text, { name: named[0].text, value: named[named.length - 1] });
  }
  return out;
}

export interface ResourceDecl {
  symbol: string;
  /** The type as written, e.g. Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview (nested: 'containers'). */
  type: string;
  existing: boolean;
  /** The body object (inside `for` or `if` when the resource is a loop or conditional). */
  body: Node;
  loop: boolean;
  conditional: boolean;
  node: Node;
}

/** Every resource declaration in the file, nested ones included. */
export function resources(file: BicepFile): ResourceDecl[] {
  return file.root.descendantsOfType("resource_declaration").map((node) => {
    const id = node.namedChildren[0];
    const type = String(literalValue(node.namedChildren[1]) ?? node.namedChildren[1].text);
    const existing = node.children.some((c) => !c.isNamed && c.type === "existing");
    const last = node.namedChildren[node.namedChildren.length - 1];
    let body = last;
    const loop = last.type === "for_statement";
    const conditional = last.type === "if_statement";
    if (loop || conditional) {
      const inner = last.namedChildren[last.namedChildren.length - 1];
      body = inner.type === "if_statement" ? inner.namedChildren[inner.namedChildren.length - 1] : inner;
    }
    return { symbol: id.text, type, existing, body, loop, conditional, node };
  });
}

/** Resources whose type (without the API version) ends with the given suffix, e.g. 'namespaces/queues'. */
export function resourcesOfType(file: BicepFile, typeSuffix: string): ResourceDecl[] {
  const want = typeSuffix.toLowerCase();
  return resources(file).filter((r) => {
    const t = r.type.split("@")[0].toLowerCase();
    return t === want || t.endsWith("/" + want) || t.endsWith(want);
  });
}

// ---------------------------------------------------------------------------------------------------------
// App settings of main.bicep
// ---------------------------------------------------------------------------------------------------------

/** The `appSettings` object variable of main.bicep: setting name -> value expression. */
export function appSettings(main: BicepFile): Map<string, Node> {
  const obj = variables(main).get("appSettings");
  if (obj?.type !== "object") throw new Error(`${main.path}: no 'var appSettings = { ... }' object`);
  return objectProperties(obj);
}

export interface ExampleParameters {
  [name: string]: unknown;
}

/** The example parameter values of bicep/main.parameters.json. */
export function exampleParameters(path = MAIN_PARAMETERS): ExampleParameters {
  const json = JSON.parse(readFileSync(path, "utf8")) as { parameters: Record<string, { value?: unknown; reference?: unknown }> };
  const out: ExampleParameters = {};
  for (const [k, v] of Object.entries(json.parameters)) out[k] = v.value;
  return out;
}

/**
 * Evaluates the value of an app setting as far as the template alone allows: literals, parameters (their
 * example value from main.parameters.json, else their default), string(), join(), a ternary on a boolean
 * parameter, and interpolated strings of those. Module outputs and resource properties are unknown until
 * deployment: undefined.
 */
export function evaluate(n: Node, main: BicepFile, example: ExampleParameters = {}): unknown {
  const lit = literalValue(n);
  if (lit !== undefined) return lit;
  const ps = params(main);
  switch (n.type) {
    case "identifier": {
      if (n.text in example) return example[n.text];
      const p = ps.get(n.text);
      if (p?.defaultValue) return evaluate(p.defaultValue, main, example);
      const v = variables(main).get(n.text);
      return v ? evaluate(v, main, example) : undefined;
    }
    case "parenthesized_expression":
      return evaluate(n.namedChildren[0], main, example);
    case "unary_expression": {
      const v = evaluate(n.namedChildren[0], main, example);
      if (n.text.startsWith("!")) return typeof v === "boolean" ? !v : undefined;
      return n.text.startsWith("-") && typeof v === "number" ? -v : undefined;
    }
    case "call_expression": {
      const fn = n.namedChildren[0].text;
      const args = (n.namedChildren.find((c) => c.type === "arguments")?.namedChildren ?? []).map((a) => evaluate(a, main, example));
      if (args.some((a) => a === undefined)) return undefined;
      if (fn === "string") return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
      if (fn === "join" && Array.isArray(args[0])) return (args[0] as unknown[]).join(String(args[1]));
      if (fn === "toLower") return String(args[0]).toLowerCase();
      if (fn === "empty")
        return (
          args[0] === "" ||
          (Array.isArray(args[0]) && args[0].length === 0) ||
          (typeof args[0] === "object" && args[0] !== null && Object.keys(args[0]).length === 0)
        );
      return undefined;
    }
    case "ternary_expression": {
      const [cond, a, b] = n.namedChildren;
      const c = evaluate(cond, main, example);
      if (typeof c !== "boolean") return undefined;
      return evaluate(c ? a : b, main, example);
    }
    case "string": {
      let s = "";
      for (const c of n.namedChildren) {
        if (c.type === "interpolation") {
          const v = evaluate(c.namedChildren[0], main, example);
          if (v === undefined) return undefined;
          s += String(v);
        } else s += c.type === "escape_sequence" ? (ESCAPES[c.text] ?? c.text) : c.text;
      }
      return s;
    }
    default:
      return undefined;
  }
}

/** The identifiers an expression mentions (parameters, variables, modules, resources). */
export function identifiersIn(n: Node): string[] {
  const out = new Set<string>();
  const walk = (x: Node) => {
    if (x.type === "identifier" && x.parent?.type !== "call_expression") out.add(x.text);
    else if (x.type === "identifier" && x.parent?.type === "call_expression" && x.parent.namedChildren[0].id !== x.id) out.add(x.text);
    for (const c of x.namedChildren) walk(c);
  };
  walk(n);
  return [...out];
}
