/**
 * How an HTTP function describes itself for the OpenAPI (Swagger 2.0) document that Power Automate imports
 * (docs/power-automate.md). A function file calls `describeRoute` once, next to its `app.http` registration,
 * with the zod schemas its handler validates the request with and answers with:
 *
 *   app.http("settlement-get", { methods: ["GET"], route: "settlements/{id}", authLevel: "function", handler });
 *   describeRoute("settlement-get", { method: "GET", route: "settlements/{id}", operationId: "GetSettlement",
 *     summary: "Get a settlement", description: "...", visibility: "important", path: z.object({ id: SettlementId }),
 *     async: { result: SettlementView, example: {...} }, errors: [400, 404] });
 *
 * The descriptions are kept by function name in a process-wide table (like the host's own table of
 * registrations); `GET /api/openapi.json` and `scripts/connector.ts` read it. A test checks that every
 * registered HTTP function is described, with the same method and route, and nothing else.
 */
import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Power Automate's `x-ms-visibility`: important actions are shown first, advanced ones behind "more", internal ones never. */
export type Visibility = "important" | "advanced" | "internal";

/** Status codes an error answer can have (the body is always `ErrorBody`: platform/api-docs/common.ts). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 | 502 | 503;

export interface ResponseDoc {
  description: string;
  /** The body's schema (JSON); none for an empty body. */
  schema?: z.ZodType;
  /** An example body; it must parse with `schema` (a test checks it). */
  example?: unknown;
  /** Response headers worth documenting (Location, Retry-After, ...). */
  headers?: Record<string, { description: string; type?: "string" | "integer" }>;
}

export interface BodyDoc {
  schema: z.ZodType;
  /** An example request body; it must parse with `schema` (a test checks it). */
  example: unknown;
  description?: string;
  /** Default true. */
  required?: boolean;
}

/**
 * The asynchronous pattern Power Automate follows by itself: the call answers 202 with an absolute `Location`
 * (and `Retry-After` seconds); the engine polls Location with GET until it answers 200, and the flow goes on
 * with that 200 body. So the action's 200 schema is the final result's, whoever answers it (the call itself
 * when the work was already done, or the status URL at the end).
 */
export interface AsyncDoc {
  /** The final result: the 200 body of this call and of its status URL. */
  result: z.ZodType;
  example: unknown;
  /** What the 200 means, e.g. "The settlement's record once its import stopped running". */
  description: string;
  /** The 202 body (what the call answers while the work runs), if it has one worth documenting. */
  accepted?: { schema: z.ZodType; example: unknown; description?: string };
  /** The seconds in Retry-After. */
  retryAfterSeconds: number;
}

export interface RouteDoc {
  /** The method registered with app.http (one per described route). */
  method: HttpMethod;
  /** The route registered with app.http, without the "api/" prefix, e.g. "settlements/{id}". */
  route: string;
  /** Stable, PascalCase verb + noun ("ImportSettlement"): Power Automate flows store it; never rename one. */
  operationId: string;
  /** The action's name in Power Automate: sentence case, at most 80 characters, no trailing period. */
  summary: string;
  /** What it does, what it needs and what it answers: one to three sentences. */
  description: string;
  visibility: Visibility;
  /** Set when the route is registered with authLevel "anonymous": why it needs no function key. */
  anonymous?: string;
  /** Grouping in the document ("Orders", "Settlements", "Operations", ...). */
  tag: string;
  /** Path parameters: an object schema whose keys are the route's `{names}`. */
  path?: z.ZodObject;
  /** Query parameters (strings; optional unless the schema says otherwise). */
  query?: z.ZodObject;
  /** Request headers the handler reads (the function key header is documented by the security scheme). */
  headers?: z.ZodObject;
  /** The JSON request body. */
  body?: BodyDoc;
  /** Other request content types the handler takes besides JSON, described in words (e.g. a flat-file upload). */
  alsoAccepts?: { contentType: string; description: string }[];
  /**
   * Other content types the route answers with besides JSON (e.g. CSV when a query parameter asks for it): listed
   * in the operation's `produces` and described in words (Swagger 2.0 gives a response one schema, the JSON one).
   */
  alsoProduces?: { contentType: string; description: string }[];
  /** What the route answers when it is not JSON (e.g. ["text/html"] for a page); default the document's JSON. */
  produces?: string[];
  /** Responses by status (for async routes, 200 and 202 come from `async`). */
  responses?: Partial<Record<number, ResponseDoc>>;
  /** 202 + Location, polled until 200 (see AsyncDoc). */
  async?: AsyncDoc;
  /** Error statuses this route answers, each with the common error body. */
  errors?: ErrorStatus[];
}

export interface DescribedRoute extends RouteDoc {
  /** The function's name, as given to app.http. */
  functionName: string;
}

interface RouteTable {
  routes: Map<string, DescribedRoute>;
}

// Process-wide, like the registrations themselves: a module evaluated twice (vitest's runner and Node's require) shares it.
const KEY = Symbol.for("d365-amazon-connect.route-docs");

function table(): RouteTable {
  const g = globalThis as unknown as Record<symbol, RouteTable | undefined>;
  g[KEY] ??= { routes: new Map() };
  return g[KEY]!;
}

/** Describes the HTTP function `functionName` (call it next to its app.http registration). */
export function describeRoute(functionName: string, doc: RouteDoc): void {
  table().routes.set(functionName, { functionName, ...doc });
}

/** Every route described so far, by function name. */
export function describedRoutes(): DescribedRoute[] {
  return [...table().routes.values()].sort((a, b) => a.functionName.localeCompare(b.functionName));
}

/** Forgets the descriptions (tests that load fixture apps). */
export function clearDescribedRoutes(): void {
  table().routes.clear();
}
