/**
 * The preInvocation hook that runs every function invocation inside its trace (platform/trace.ts): src/index.ts
 * registers it once with `app.hook.preInvocation`; the Azure worker and the local host run it before each handler.
 */
import type { PreInvocationContext } from "@azure/functions";
import { runInTrace, traceForInvocation } from "./trace";

function requestTraceparent(input: unknown): string | null | undefined {
  const headers = (input as { headers?: { get?: (name: string) => string | null } } | undefined)?.headers;
  return typeof headers?.get === "function" ? headers.get("traceparent") : undefined;
}

export function traceInvocation(context: PreInvocationContext): void {
  const invocation = context.invocationContext;
  const trace = traceForInvocation({
    triggerMetadata: invocation.triggerMetadata,
    traceContext: invocation.traceContext,
    requestTraceparent: requestTraceparent(context.inputs[0]),
  });
  const handler = context.functionHandler;
  context.functionHandler = (input, invocationContext) => runInTrace(trace, () => handler(input, invocationContext));
}
