/**
 * What a route description must satisfy for Power Automate and for the document to tell the truth: unique
 * PascalCase operation ids, short summaries, path parameters that match the route, and examples that parse
 * with the very schemas they illustrate. Used by the tests and by scripts/connector.ts; each problem names
 * the function and what to change.
 */
import type { z } from "zod";
import type { DescribedRoute } from "./routes";
import { routeParams } from "./swagger";

function exampleProblem(where: string, schema: z.ZodType, example: unknown): string | undefined {
  const parsed = schema.safeParse(example);
  if (parsed.success) return undefined;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return `${where}: the example does not parse with its schema (${issues})`;
}

export function checkRouteDocs(routes: readonly DescribedRoute[]): string[] {
  const problems: string[] = [];
  const ids = new Map<string, string>();
  for (const r of routes) {
    const at = `${r.functionName} (${r.method} ${r.route})`;
    if (!/^[A-Z][A-Za-z0-9]{2,63}$/.test(r.operationId))
      problems.push(`${at}: operationId "${r.operationId}" must be PascalCase letters and digits`);
    const other = ids.get(r.operationId);
    if (other) problems.push(`${at}: operationId ${r.operationId} is also used by ${other}`);
    ids.set(r.operationId, r.functionName);
    if (!r.summary.trim() || r.summary.length > 80) problems.push(`${at}: the summary must have 1 to 80 characters`);
    if (/\.$/.test(r.summary)) problems.push(`${at}: the summary ends without a period (it is an action's name)`);
    if (r.description.trim().length < 20) problems.push(`${at}: the description should say what the call does (20 characters at least)`);
    if (/\{[^}]*\?\}/.test(r.route))
      problems.push(`${at}: optional route parameters cannot be described in Swagger 2.0; register two routes`);
    const declared = Object.keys(r.path?.shape ?? {}).sort();
    const inRoute = routeParams(r.route).sort();
    if (declared.join(",") !== inRoute.join(",")) {
      problems.push(`${at}: path parameters ${JSON.stringify(declared)} differ from the route's ${JSON.stringify(inRoute)}`);
    }
    if (r.body && r.method === "GET") problems.push(`${at}: a GET has no body`);
    if (r.async && (r.responses?.[200] || r.responses?.[202]))
      problems.push(`${at}: with async, 200 and 202 come from async; remove them from responses`);
    if (!r.async && !Object.keys(r.responses ?? {}).some((s) => Number(s) < 300)) problems.push(`${at}: document the success response`);
    if (r.body) {
      const p = exampleProblem(`${at} request body`, r.body.schema, r.body.example);
      if (p) problems.push(p);
    }
    for (const [status, resp] of Object.entries(r.responses ?? {})) {
      if (resp?.schema && resp.example === undefined) problems.push(`${at} ${status}: give an example of the body`);
      const p = resp?.schema && resp.example !== undefined ? exampleProblem(`${at} ${status}`, resp.schema, resp.example) : undefined;
      if (p) problems.push(p);
    }
    if (r.async) {
      const p = exampleProblem(`${at} 200 (async result)`, r.async.result, r.async.example);
      if (p) problems.push(p);
      if (r.async.accepted) {
        const q = exampleProblem(`${at} 202`, r.async.accepted.schema, r.async.accepted.example);
        if (q) problems.push(q);
      }
      if (!(r.async.retryAfterSeconds >= 1)) problems.push(`${at}: async.retryAfterSeconds must be at least 1`);
    }
  }
  return problems;
}
