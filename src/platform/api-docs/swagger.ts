/**
 * The app's HTTP API as one Swagger 2.0 document (the version Power Platform custom connectors import), built
 * from the route descriptions of the function files (routes.ts) and their zod schemas. Pure and deterministic:
 * the same descriptions give the same document, so the committed connector/ can be compared with what
 * `GET /api/openapi.json` serves. docs/power-automate.md says how to describe a route.
 */
import type { z } from "zod";
import { ERROR_DESCRIPTIONS, ErrorBody } from "./common";
import type { DescribedRoute, ResponseDoc, RouteDoc } from "./routes";
import { type SwaggerSchema, swaggerSchema, titleCase } from "./swagger-schema";

export const CONNECTOR_TITLE = "D365 Amazon Connect";
export const CONNECTOR_DESCRIPTION =
  "Imports Amazon orders and settlements into Dynamics 365 Finance and Supply Chain: start and follow " +
  "settlement imports, approve journals, re-sync orders, and replay parked messages from your flows.";
/** The version of the HTTP API (not of the package): a breaking change to a route raises it. */
export const API_VERSION = "1.0.0";
/** The security definition's name, and the connection parameter Power Automate asks for (apiProperties.json). */
export const SECURITY_NAME = "api_key";
/** Azure Functions reads the function key from this header (or from the `code` query parameter). */
export const FUNCTION_KEY_HEADER = "x-functions-key";

export interface SwaggerOptions {
  /** host[:port] the connector calls, e.g. my-app.azurewebsites.net. */
  host: string;
  /** "https" in Azure; the local host serves "http". */
  scheme?: "https" | "http";
}

export type SwaggerDocument = Record<string, unknown> & { paths: Record<string, Record<string, Operation>> };
type Operation = Record<string, unknown> & { operationId: string; responses: Record<string, unknown> };
type Parameter = Record<string, unknown>;

/** "settlements/{id:int}" -> "/settlements/{id}" */
export function swaggerPath(route: string): string {
  return `/${route.replace(/^\/+|\/+$/g, "")}`.replace(/\{\*?([A-Za-z_]\w*)(?::[^}?]+)*\??\}/g, "{$1}");
}

/** The `{names}` of a route template. */
export function routeParams(route: string): string[] {
  return [...route.matchAll(/\{\*?([A-Za-z_]\w*)[^}]*\}/g)].map((m) => m[1]!);
}

const ERROR_REF = { $ref: "#/definitions/ErrorBody" };

function parametersOf(where: "path" | "query" | "header", schema: z.ZodObject | undefined): Parameter[] {
  if (!schema) return [];
  const json = swaggerSchema(schema, "input");
  const properties = (json.properties ?? {}) as Record<string, SwaggerSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, p]) => {
    const { "x-ms-summary": summary, title: _t, "x-nullable": _n, additionalProperties: _a, ...rest } = p;
    const isRequired = where === "path" || required.has(name);
    const param: Parameter = {
      name,
      in: where,
      required: isRequired,
      ...rest,
      type: rest.type ?? "string",
      "x-ms-summary": summary ?? titleCase(name),
    };
    if (param.type === "array") param.collectionFormat = "multi";
    if (!isRequired && param["x-ms-visibility"] === undefined) param["x-ms-visibility"] = "advanced";
    return param;
  });
}

function response(r: ResponseDoc): Record<string, unknown> {
  const out: Record<string, unknown> = { description: r.description };
  if (r.schema) out.schema = swaggerSchema(r.schema, "output");
  if (r.headers) {
    out.headers = Object.fromEntries(
      Object.entries(r.headers).map(([name, h]) => [name, { type: h.type ?? "string", description: h.description }]),
    );
  }
  if (r.example !== undefined && r.schema) out.examples = { "application/json": r.example };
  return out;
}

const ASYNC_NOTE =
  " Long-running: it answers 202 with an absolute Location URL and Retry-After; Power Automate polls Location " +
  "(with the same key) until it answers 200 with the result.";

function responsesOf(doc: RouteDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses ?? {})) if (r) out[status] = response(r);
  if (doc.async) {
    const a = doc.async;
    out["200"] = response({ description: a.description, schema: a.result, example: a.example });
    out["202"] = response({
      description:
        a.accepted?.description ??
        "Accepted: the work goes on. Poll the Location URL (GET) after Retry-After seconds until it answers 200 with the result.",
      ...(a.accepted ? { schema: a.accepted.schema, example: a.accepted.example } : {}),
      headers: {
        Location: { description: "The absolute URL to poll with GET (the same function key)" },
        "Retry-After": { description: "Seconds to wait before polling", type: "integer" },
      },
    });
  }
  for (const status of doc.errors ?? []) out[String(status)] = { description: ERROR_DESCRIPTIONS[status] ?? "Error", schema: ERROR_REF };
  out.default = { description: "An error (the body says what is wrong and whether to try again)", schema: ERROR_REF };
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function operationOf(route: DescribedRoute): Operation {
  const parameters: Parameter[] = [
    ...parametersOf("path", route.path),
    ...parametersOf("query", route.query),
    ...parametersOf("header", route.headers),
  ];
  if (route.body) {
    const schema = swaggerSchema(route.body.schema, "input");
    if (route.body.example !== undefined) schema.example = route.body.example;
    parameters.push({
      name: "body",
      in: "body",
      required: route.body.required ?? true,
      description: route.body.description ?? "The request",
      "x-ms-summary": "Request",
      schema,
    });
  }
  const also = route.alsoAccepts?.map((a) => ` It also takes ${a.contentType}: ${a.description}`).join("") ?? "";
  const answers = route.alsoProduces?.map((a) => ` It also answers ${a.contentType}: ${a.description}`).join("") ?? "";
  const op: Operation = {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description}${route.async ? ASYNC_NOTE : ""}${also}${answers}${route.anonymous ? ` No function key: ${route.anonymous}` : ""}`,
    tags: [route.tag],
    ...(route.produces ? { produces: route.produces } : {}),
    "x-ms-visibility": route.visibility,
    ...(route.alsoProduces ? { produces: ["application/json", ...route.alsoProduces.map((a) => a.contentType)] } : {}),
    ...(parameters.length ? { parameters } : {}),
    responses: responsesOf(route),
  };
  if (route.anonymous) op.security = [];
  return op;
}

/** The Swagger 2.0 document of `routes`. */
export function buildSwagger(routes: readonly DescribedRoute[], options: SwaggerOptions): SwaggerDocument {
  const paths: SwaggerDocument["paths"] = {};
  const sorted = [...routes].sort((a, b) => swaggerPath(a.route).localeCompare(swaggerPath(b.route)) || a.method.localeCompare(b.method));
  for (const r of sorted) {
    const item = (paths[swaggerPath(r.route)] ??= {});
    item[r.method.toLowerCase()] = operationOf(r);
  }
  const tags = [...new Set(sorted.map((r) => r.tag))].sort().map((name) => ({ name }));
  return {
    swagger: "2.0",
    info: {
      title: CONNECTOR_TITLE,
      description: CONNECTOR_DESCRIPTION,
      version: API_VERSION,
      contact: { name: "d365-amazon-connect" },
      license: { name: "MIT" },
    },
    host: options.host,
    basePath: "/api",
    schemes: [options.scheme ?? "https"],
    consumes: ["application/json"],
    produces: ["application/json"],
    securityDefinitions: {
      [SECURITY_NAME]: {
        type: "apiKey",
        in: "header",
        name: FUNCTION_KEY_HEADER,
        description: "A function key of the app (Azure portal: the function app > App keys). Azure also takes it as ?code=.",
      },
    },
    security: [{ [SECURITY_NAME]: [] }],
    tags,
    paths,
    definitions: { ErrorBody: swaggerSchema(ErrorBody, "output") },
  };
}
