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

function activityTask<I, O>(context: DurableContext, def: Activity<I, O>, input: I, retry?: RetryPolicy): Task {
  return retry ? context.df.callActivityWithRetry(def.name, retryOptions(retry), input) : context.df.callActivity(def.name, input);
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
    df.app.activity(table[key].name, { handler: (input, context) => handler(input, context), ...(extraInputs ? { extraInputs } : {}) });
  }
}

/** Registers an orchestration; its input is what its starter passed (`startNew(orchestration.name, { input })`). */
export function registerOrchestration<I, O>(o: Orchestration<I, O>): void {
  df.app.orchestration(o.name, function* (context: OrchestrationContext) {
    return yield* o.run(context, context.df.getInput<I>());
  });
}
