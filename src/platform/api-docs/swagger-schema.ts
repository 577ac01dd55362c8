/**
 * A zod schema as a Swagger 2.0 Schema Object, the subset Power Automate reads.
 *
 * zod draws the JSON Schema itself (`z.toJSONSchema`, target "openapi-3.0": `nullable`, boolean
 * `exclusiveMinimum`, `enum` for literals, no type arrays), so the document says what the same schema
 * validates. What OpenAPI 3.0 has and Swagger 2.0 does not is converted here:
 *  - `nullable: true` becomes the `x-nullable: true` extension (Swagger 2.0 has no null);
 *  - `anyOf`/`oneOf` (Swagger 2.0 has neither): a union of enums becomes one enum; a union of objects becomes
 *    one object with every property, required where every branch requires it (Power Automate shows one
 *    form); any other union becomes a schema without a type, its branches named in the description;
 *  - `not`, `writeOnly`, `deprecated`, `propertyNames`, `patternProperties` are dropped;
 *  - `examples` becomes `example`; the very long patterns zod writes for formats (date-time, email, uuid)
 *    are dropped, the `format` says it; the ±2^53 bounds of `z.number().int()` are dropped.
 * Every property gets Power Automate's `x-ms-summary` (a title-case label): the schema's `title` if it has
 * one, else its name in words ("settlementId" -> "Settlement ID"). `x-ms-*` keys given with `.meta()` pass
 * through (e.g. `.meta({ "x-ms-visibility": "advanced" })`).
 */
import { z } from "zod";

export type SwaggerSchema = Record<string, unknown>;

type Json = Record<string, unknown>;

const SAFE_INT = 9007199254740991;
const FORMATS_WITH_PATTERN = new Set(["date-time", "date", "time", "email", "uuid", "guid", "uri", "ipv4", "ipv6", "duration"]);
const DROPPED = new Set(["not", "writeOnly", "deprecated", "propertyNames", "patternProperties", "$schema", "id", "$id", "$defs"]);
const ACRONYMS: Record<string, string> = {
  id: "ID",
  ids: "IDs",
  url: "URL",
  uri: "URI",
  sku: "SKU",
  asin: "ASIN",
  fnsku: "FNSKU",
  api: "API",
  http: "HTTP",
  ms: "(ms)",
  mcf: "MCF",
  fba: "FBA",
  fbm: "FBM",
  dmf: "DMF",
  sha256: "SHA-256",
};

/** "settlementId" -> "Settlement ID", "x-api-key" -> "X API Key", "marketplaceIds" -> "Marketplace IDs". */
export function titleCase(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_\-.]+/)
    .filter(Boolean);
  return words
    .map((w) => ACRONYMS[w.toLowerCase()] ?? (w === w.toUpperCase() && w.length > 1 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(" ");
}

/** The JSON Schema zod writes for `schema` as a request (`input`) or a response (`output`) sees it. */
export function zodJsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  return z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any", reused: "inline", cycles: "throw" }) as Json;
}

/** `schema` (zod) as a Swagger 2.0 Schema Object. */
export function swaggerSchema(schema: z.ZodType, io: "input" | "output"): SwaggerSchema {
  return toSwagger(zodJsonSchema(schema, io));
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function branchesOf(s: Json): Json[] | undefined {
  const b = s.anyOf ?? s.oneOf;
  return Array.isArray(b) ? (b.filter(isObject) as Json[]) : undefined;
}

function isNullOnly(s: Json): boolean {
  return s.type === "null" || (Array.isArray(s.enum) && s.enum.length === 1 && s.enum[0] === null);
}

/** A union as one Swagger 2.0 schema (see the module comment). */
function mergeUnion(s: Json, branches: Json[]): Json {
  const { anyOf: _a, oneOf: _o, ...rest } = s;
  const nonNull = branches.filter((b) => !isNullOnly(b));
  const nullable = nonNull.length < branches.length || branches.some((b) => b.nullable === true);
  const out: Json = { ...rest };
  if (nullable) out.nullable = true;
  if (nonNull.length === 1) return { ...toJsonNoUnion(nonNull[0]!), ...out };
  const enums = nonNull.filter((b) => Array.isArray(b.enum));
  if (enums.length === nonNull.length && new Set(nonNull.map((b) => b.type)).size === 1) {
    return { type: nonNull[0]!.type, enum: [...new Set(enums.flatMap((b) => b.enum as unknown[]))], ...out };
  }
  if (nonNull.every((b) => b.type === "object")) {
    const properties: Json = {};
    const requiredSets = nonNull.map((b) => new Set(Array.isArray(b.required) ? (b.required as string[]) : []));
    for (const b of nonNull) for (const [k, v] of Object.entries(isObject(b.properties) ? b.properties : {})) properties[k] ??= v;
    const required = Object.keys(properties).filter((k) => requiredSets.every((r) => r.has(k)));
    const closed = nonNull.every((b) => b.additionalProperties === false);
    const alternatives = nonNull.map((b) => (Array.isArray(b.required) && b.required.length ? (b.required as string[]).join(" + ") : "{}"));
    const note = `Give one of: ${alternatives.join("; ")}.`;
    return {
      type: "object",
      properties,
      ...(required.length ? { required } : {}),
      ...(closed ? { additionalProperties: false } : {}),
      ...out,
      description: out.description ? `${String(out.description)} ${note}` : note,
    };
  }
  const kinds = nonNull.map((b) => String(b.type ?? "any")).join(" or ");
  return { ...out, description: out.description ? `${String(out.description)} (${kinds})` : `One of: ${kinds}.` };
}

function toJsonNoUnion(s: Json): Json {
  const branches = branchesOf(s);
  return branches ? mergeUnion(s, branches) : s;
}

function toSwagger(input: Json, propertyName?: string): SwaggerSchema {
  let s = toJsonNoUnion(input);
  if (Array.isArray(s.allOf)) {
    // An intersection: one object with the properties and required names of every part.
    const parts = (s.allOf as unknown[]).filter(isObject).map(toJsonNoUnion);
    const { allOf: _all, ...rest } = s;
    const properties: Json = {};
    const required: string[] = [];
    for (const p of parts) {
      Object.assign(properties, isObject(p.properties) ? p.properties : {});
      if (Array.isArray(p.required)) required.push(...(p.required as string[]));
    }
    s = { type: "object", properties, ...(required.length ? { required: [...new Set(required)] } : {}), ...rest };
  }
  const out: SwaggerSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (DROPPED.has(key)) continue;
    switch (key) {
      case "nullable":
        if (value === true) out["x-nullable"] = true;
        break;
      case "examples":
        if (Array.isArray(value) && value.length > 0) out.example = value[0];
        break;
      case "const":
        out.enum = [value];
        break;
      case "type":
        if (Array.isArray(value)) {
          const types = value.filter((t) => t !== "null");
          if (types.length === 1) out.type = types[0];
          if (types.length < value.length) out["x-nullable"] = true;
        } else if (value !== "null") out.type = value;
        break;
      case "pattern":
        if (!(typeof s.format === "string" && FORMATS_WITH_PATTERN.has(s.format))) out.pattern = value;
        break;
      case "maximum":
        if (value !== SAFE_INT) out.maximum = value;
        break;
      case "minimum":
        if (value !== -SAFE_INT) out.minimum = value;
        break;
      case "properties":
        if (isObject(value)) {
          out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? toSwagger(v, k) : {}]));
        }
        break;
      case "items":
        out.items = isObject(value) ? toSwagger(value) : {};
        break;
      case "additionalProperties":
        out.additionalProperties = isObject(value) ? toSwagger(value) : value;
        break;
      case "title":
        out.title = value;
        break;
      default:
        out[key] = value;
    }
  }
  if (propertyName !== undefined && out["x-ms-summary"] === undefined) {
    out["x-ms-summary"] = typeof out.title === "string" ? out.title : titleCase(propertyName);
  }
  return out;
}
