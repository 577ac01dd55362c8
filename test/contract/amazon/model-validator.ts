/**
 * Validates SP-API requests and responses against Amazon's published Swagger 2.0 models
 * (the copies in ./models) with ajv: each model's `definitions` become one JSON Schema document, response
 * schemas and parameter schemas reference into it. Objects that declare properties are made closed
 * (additionalProperties: false unless the model says otherwise), so a misspelt field fails the test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

export const MODELS_DIR = join(__dirname, "models");

type Json = Record<string, any>;

/** Definitions used as allOf members stay open: a closed member would reject its siblings' properties. */
let openDefinitions = new Set<string>();

function allOfRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) allOfRefs(n, into);
    return;
  }
  if (!node || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === "allOf" && Array.isArray(v)) for (const m of v) if (typeof m?.$ref === "string") into.add(m.$ref.split("/").pop());
    allOfRefs(v, into);
  }
}

function closeObjects(node: unknown, close = true): unknown {
  if (Array.isArray(node)) return node.map((n) => closeObjects(n, close));
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k.startsWith("x-") || k === "example" || k === "examples") continue; // vendor extensions and samples
    if (k === "properties") out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, closeObjects(s)]));
    else if (k === "allOf") out[k] = (v as unknown[]).map((m) => closeObjects(m, false));
    else if (k === "definitions")
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([d, s]) => [d, closeObjects(s, !openDefinitions.has(d))]));
    else out[k] = closeObjects(v);
  }
  if (close && out.properties && out.additionalProperties === undefined && !out.allOf) out.additionalProperties = false;
  return out;
}

/** Schema id of a model file (a flat name: ajv would resolve "own/x.json#…" relative to "own/"). */
const schemaId = (file: string) => file.replace(/\//g, "__");

function rewriteRefs(node: unknown, file: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, file));
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${schemaId(file)}${v}` : rewriteRefs(v, file);
  }
  return out;
}

export interface Problem {
  where: string;
  message: string;
}

const describe = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? [])
    .slice(0, 5)
    .map((e) => {
      const extra = e.params && "additionalProperty" in e.params ? ` '${(e.params as Json).additionalProperty}'` : "";
      const allowed = e.params && "allowedValues" in e.params ? ` ${JSON.stringify((e.params as Json).allowedValues)}` : "";
      return `${e.instancePath || "(root)"} ${e.message}${extra}${allowed}`;
    })
    .join("; ");

export class ModelValidator {
  readonly ajv: Ajv;
  private readonly models = new Map<string, Json>();
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(files: string[]) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    for (const f of ["int32", "int64", "double", "float", "byte", "binary", "decimal"]) this.ajv.addFormat(f, true);
    for (const file of files) {
      const doc = JSON.parse(readFileSync(join(MODELS_DIR, file), "utf8")) as Json;
      this.models.set(file, doc);
      openDefinitions = new Set();
      allOfRefs(doc, openDefinitions);
      this.ajv.addSchema(
        { $id: schemaId(file), ...(rewriteRefs(closeObjects({ definitions: doc.definitions }), file) as Json) },
        schemaId(file),
      );
    }
  }

  private compile(key: string, schema: unknown): ValidateFunction {
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile(schema as object);
      this.cache.set(key, v);
    }
    return v;
  }

  /** The model operation for a method and a concrete path. */
  operation(file: string, method: string, path: string): { template: string; op: Json; params: Json[] } | undefined {
    const doc = this.models.get(file)!;
    for (const [template, item] of Object.entries(doc.paths as Json)) {
      const re = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
      if (!re.test(path)) continue;
      const op = (item as Json)[method.toLowerCase()];
      if (!op) continue;
      const params = [...((item as Json).parameters ?? []), ...(op.parameters ?? [])];
      return { template, op, params };
    }
    return undefined;
  }

  validateResponse(file: string, method: string, path: string, status: number, body: unknown): Problem[] {
    const found = this.operation(file, method, path);
    if (!found) return [{ where: `${method} ${path}`, message: `no operation in ${file}` }];
    const response = found.op.responses[String(status)];
    if (!response) return [{ where: `${found.op.operationId} ${status}`, message: `status ${status} is not a documented response` }];
    if (!response.schema)
      return body === undefined || body === "" ? [] : [{ where: `${found.op.operationId} ${status}`, message: "model documents no body" }];
    const v = this.compile(`${file} ${found.template} ${method} ${status}`, rewriteRefs(closeObjects(response.schema), file));
    return v(body) ? [] : [{ where: `${found.op.operationId} ${status}`, message: describe(v.errors) }];
  }

  /** Checks path parameters, query parameters (names, required, types, enums, array limits) and the JSON body. */
  validateRequest(file: string, method: string, path: string, query: Record<string, string>, body: unknown): Problem[] {
    const found = this.operation(file, method, path);
    if (!found) return [{ where: `${method} ${path}`, message: `no operation in ${file}` }];
    const problems: Problem[] = [];
    const where = found.op.operationId as string;
    const queryParams = found.params.filter((p) => p.in === "query");
    for (const name of Object.keys(query)) {
      if (!queryParams.some((p) => p.name === name)) problems.push({ where, message: `unknown query parameter ${name}` });
    }
    for (const p of found.params) {
      if (p.in === "query") {
        const raw = query[p.name];
        if (raw === undefined) {
          if (p.required) problems.push({ where, message: `missing required query parameter ${p.name}` });
          continue;
        }
        const { name: _n, in: _i, description: _d, required: _r, collectionFormat: _c, ...schema } = p;
        let value: unknown = raw;
        if (p.type === "array") value = raw.split(",");
        else if (p.type === "integer" || p.type === "number") value = Number(raw);
        else if (p.type === "boolean") value = raw === "true" ? true : raw === "false" ? false : raw;
        if (p.type === "array" && p.items?.type === "integer") value = (value as string[]).map(Number);
        const v = this.compile(`${file} ${where} q ${p.name}`, closeObjects(schema));
        if (!v(value)) problems.push({ where, message: `query ${p.name}=${raw}: ${describe(v.errors)}` });
      } else if (p.in === "body") {
        if (body === undefined) {
          if (p.required) problems.push({ where, message: "missing required body" });
          continue;
        }
        const v = this.compile(`${file} ${where} body`, rewriteRefs(closeObjects(p.schema), file));
        if (!v(body)) problems.push({ where, message: `body: ${describe(v.errors)}` });
      } else if (p.in === "path") {
        const segs = found.template.split("/");
        const idx = segs.indexOf(`{${p.name}}`);
        const value = decodeURIComponent(path.split("/")[idx] ?? "");
        if (!value) problems.push({ where, message: `empty path parameter ${p.name}` });
        if (p.enum && !p.enum.includes(value)) problems.push({ where, message: `path ${p.name}=${value} not in ${p.enum}` });
        if (p.maxLength && value.length > p.maxLength) problems.push({ where, message: `path ${p.name} longer than ${p.maxLength}` });
      }
    }
    return problems;
  }
}

/**
 * Drops every `$id`: the generated schemas give the root http://example.com/example.json and nested members
 * JSON-pointer ids that collide ("resolves to more than one schema"); ids carry no validation rule.
 */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node as Json)
      .filter(([k]) => k !== "$id")
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

/** Validator for the JSON Schema (draft-07) notification payloads in sp-api-models/notifications. */
export function notificationValidator(file: string, adjust?: (schema: Json) => Json): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  const schema = withoutIds(JSON.parse(readFileSync(join(MODELS_DIR, "notifications", file), "utf8"))) as Json;
  delete schema.$schema;
  return ajv.compile(adjust ? adjust(schema) : schema);
}

export { describe as describeAjvErrors };
