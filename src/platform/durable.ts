/**
 * Typed Durable Functions orchestrations. Each orchestration names its activities once, in a table of
 * `activity<Input, Output>(name)` definitions; the same table registers the handlers (`registerActivities`,
 * in the function file) and types the calls (`const r = yield* call(context, table.step, input, retry)`, in
 * the orchestrator), so a name, an input and a result cannot drift apart without the compiler noticing.
 *
 *   export const settlementActivities = {
 *     analyze: activity<AnalyzeStepInput, AnalyzeStepResult>("settlementAnalyze"),
 *   } as const;
 *   // orchestrator:  const analysis = yield* call(context, settlementActivities.analyze, input, retry);
 *   // function file: registerActivities(settlementActivities, { analyze: (input, ctx) => analyzeStep(input, deps(ctx)) });
 *
 * Orchestrators in flows import this module, never durable-functions. They stay deterministic: no clock
 * (`context.df.currentUtcDateTime`), no I/O, no settings; activities do the work and must be idempotent.
 */
import type { FunctionInput, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { createHash } from "node:crypto";
import { type TraceContext, childOf, currentTraceparent, formatTraceparent, parseTraceparent, runInTrace } from "./trace";

/** The orchestrator's context (`context.df`: custom status, the replay-safe clock, timers). */
export type DurableContext = OrchestrationContext;
/** What an orchestrator yields. */
export type DurableTask = Task;

/**
 * The body of an orchestrator. Durable Functions hands each yielded task's result back as `any`: `call`,
 * `callAll` and `waitForEvent` give it the type their definition names, so orchestrators never cast.
 */
// biome-ignore lint/suspicious/noExplicitAny: the SDK's own generator type (OrchestrationHandler) resumes with any.
export type DurableGenerator<T> = Generator<Task, T, any>;

/** An activity: its name and, for the compiler, its input and result. */
export interface Activity<I, O> {
  readonly name: string;
  /** Never set; carries the input and result types. */
  readonly types?: { input: I; output: O };
}

export function activity<I, O>(name: string): Activity<I, O> {
  return { name };
}

/** An orchestration: its name, and its body with a typed input and result. */
export interface Orchestration<I, O> {
  readonly name: string;
  readonly run: (context: DurableContext, input: I) => DurableGenerator<O>;
}

export function orchestration<I, O>(name: string, run: (context: DurableContext, input: I) => DurableGenerator<O>): Orchestration<I, O> {
  return { name, run };
}

/** Retries of a failed activity: first after `firstRetryMs`, then `backoffCoefficient` times longer each. */
export interface RetryPolicy {
  firstRetryMs: number;
  maxAttempts: number;
  backoffCoefficient?: number;
}

function retryOptions(policy: RetryPolicy): df.RetryOptions {
  const options = new df.RetryOptions(policy.firstRetryMs, policy.maxAttempts);
  if (policy.backoffCoefficient !== undefined) options.backoffCoefficient = policy.backoffCoefficient;
  return options;
}

// ---------------------------------------------------------------------------------------------------------
// The trace (platform/trace.ts) through orchestrations: the starter wraps the orchestration's input with its
// traceparent (`tracedInput`), the orchestration keeps it, and every activity call carries it the same way,
// so an activity's logs and calls continue the trace of the HTTP call, timer or message that started the work.
// The wrapper is deterministic (the orchestration's traceparent, from its input), as replays require, and
// unwrapped before any flow code sees an input; an input without it (started before) passes as it is.

const TRACED = "$traced";

interface Traced<T> {
  [TRACED]: 1;
  traceparent: string;
  input: T;
}

function isTraced(value: unknown): value is Traced<unknown> {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[TRACED] === 1;
}

function unwrap<T>(value: unknown): { input: T; trace?: TraceContext } {
  if (!isTraced(value)) return { input: value as T };
  return { input: value.input as T, trace: parseTraceparent(value.traceparent) };
}

/** An orchestration's input as a starter passes it to startNew: with the caller's trace, when there is one. */
export function tracedInput<T>(input: T): T | Traced<T> {
  const traceparent = currentTraceparent();
  return traceparent ? { [TRACED]: 1, traceparent, input } : input;
}

/** Each running orchestrator's trace, by its context object (set before its body runs, on every replay). */
const orchestrationTraces = new WeakMap<object, TraceContext>();

function activityInput<I>(context: DurableContext, input: I): I | Traced<I> {
  const trace = orchestrationTraces.get(context);
  return trace ? { [TRACED]: 1, traceparent: formatTraceparent(trace), input } : input;
}

function activityTask<I, O>(context: DurableContext, def: Activity<I, O>, input: I, retry?: RetryPolicy): Task {
  const traced = activityInput(context, input);
  return retry ? context.df.callActivityWithRetry(def.name, retryOptions(retry), traced) : context.df.callActivity(def.name, traced);
}

/** Calls one activity (with retries when a policy is given) and returns its result. */
export function* call<I, O>(context: DurableContext, def: Activity<I, O>, input: I, retry?: RetryPolicy): DurableGenerator<O> {
  const result: O = yield activityTask(context, def, input, retry);
  return result;
}

/** Calls one activity per input at once (fan-out) and returns their results in the same order (fan-in). */
export function* callAll<I, O>(context: DurableContext, def: Activity<I, O>, inputs: I[], retry?: RetryPolicy): DurableGenerator<O[]> {
  const results: O[] = yield context.df.Task.all(inputs.map((input) => activityTask(context, def, input, retry)));
  return results;
}

/** Waits for an external event raised on the instance and returns its data. */
export function* waitForEvent<T>(context: DurableContext, name: string): DurableGenerator<T> {
  const data: T = yield context.df.waitForExternalEvent(name);
  return data;
}

/** Waits (durably) until the orchestration's clock has moved on by `ms`. */
export function* sleep(context: DurableContext, ms: number): DurableGenerator<void> {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
}

// ---------------------------------------------------------------------------------------------------------
// Registration (function files)

/** One handler per activity of a table, each typed by its definition. */
export type ActivityHandlers<T extends Record<string, Activity<unknown, unknown>>> = {
  [K in keyof T]: T[K] extends Activity<infer I, infer O> ? (input: I, context: InvocationContext) => Promise<O> : never;
};

/**
 * Registers every activity of an orchestration's table with its handler. `inputs` gives an activity extra input
 * bindings, e.g. `{ fetch: [df.input.durableClient()] }` for one that starts orchestrations itself.
 */
export function registerActivities<T extends Record<string, Activity<unknown, unknown>>>(
  table: T,
  handlers: ActivityHandlers<T>,
  inputs: { [K in keyof T]?: FunctionInput[] } = {},
): void {
  for (const key of Object.keys(table) as (keyof T & string)[]) {
    // The SDK hands the activity its input as `any`: the input its orchestrator passed through `call`.
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's activity input type.
    const handler: (input: any, context: InvocationContext) => Promise<unknown> = handlers[key];
    const extraInputs = inputs[key];
    df.app.activity(table[key].name, {
      handler: (raw, context) => {
        const { input, trace } = unwrap(raw);
        return trace ? runInTrace(childOf(trace), () => handler(input, context)) : handler(input, context);
      },
      ...(extraInputs ? { extraInputs } : {}),
    });
  }
}

/** Registers an orchestration; its input is what its starter passed (`startNew(name, { input: tracedInput(input) })`). */
export function registerOrchestration<I, O>(o: Orchestration<I, O>): void {
  df.app.orchestration(o.name, function* (context: OrchestrationContext) {
    const { input, trace } = unwrap<I>(context.df.getInput());
    // The orchestration's own span: derived from its instance id, so every replay computes the same one.
    if (trace) orchestrationTraces.set(context, { ...trace, spanId: spanIdOf(context.df.instanceId) });
    return yield* o.run(context, input);
  });
}

function spanIdOf(instanceId: string): string {
  const hex = createHash("sha256").update(instanceId).digest("hex").slice(0, 16);
  return /^0+$/.test(hex) ? "0000000000000001" : hex;
}
