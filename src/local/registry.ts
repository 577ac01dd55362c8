/**
 * Captures the app's function registrations the way the Azure Functions worker would see them.
 *
 * `@azure/functions` looks up the worker-injected module `@azure/functions-core` once (tryGetCoreApiLazy) and
 * caches the answer; outside the host it finds nothing and registration becomes a no-op. A stand-in installed
 * before `@azure/functions` is first loaded receives every `registerFunction(metadata, handler)` instead, with
 * the binding metadata and the very handler the host would call (for durable functions: the createOrchestrator
 * and activity wrappers). docs/local-host.md describes how the local host uses it.
 */
import Module from "node:module";
import * as path from "node:path";

export type RegistrationKind = "http" | "timer" | "serviceBusQueue" | "orchestration" | "activity" | "entity" | "other";

/** One binding as @azure/functions' toCoreFunctionMetadata writes it. */
export interface BindingMetadata {
  type: string;
  direction: "in" | "out" | string;
  name: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
  [key: string]: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FunctionHandler = (...args: any[]) => unknown;

export interface Registration {
  name: string;
  kind: RegistrationKind;
  /** The trigger binding (direction "in", type ending in "Trigger"). */
  trigger: BindingMetadata;
  metadata: FunctionMetadata;
  handler: FunctionHandler;
}

/** What @azure/functions hands a preInvocation hook (its PreInvocationContext reads and writes these). */
interface CoreHookContext {
  invocationContext: unknown;
  inputs: unknown[];
  functionCallback: FunctionHandler;
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
}

interface ShimState {
  installed: boolean;
  functions: Map<string, { metadata: FunctionMetadata; handler: FunctionHandler }>;
  programmingModel?: unknown;
  preInvocation: Set<(context: CoreHookContext) => unknown>;
}

const KEY = Symbol.for("d365-amazon-connect.functions-core-shim");

function state(): ShimState {
  const g = globalThis as unknown as Record<symbol, ShimState | undefined>;
  g[KEY] ??= { installed: false, functions: new Map(), preInvocation: new Set() };
  g[KEY]!.preInvocation ??= new Set();
  return g[KEY]!;
}

/** The stand-in for the worker's `@azure/functions-core` module. */
function coreApi() {
  const s = state();
  return {
    version: "local",
    hostVersion: "local",
    setProgrammingModel(model: unknown) {
      s.programmingModel = model;
    },
    getProgrammingModel() {
      return s.programmingModel;
    },
    log() {},
    // preInvocation hooks run before every handler, as the worker runs them (callHandler); other hooks are not used.
    registerHook(name: string, callback: (context: CoreHookContext) => unknown) {
      if (name !== "preInvocation") return { dispose() {} };
      s.preInvocation.add(callback);
      return { dispose: () => s.preInvocation.delete(callback) };
    },
    registerFunction(metadata: FunctionMetadata, handler: FunctionHandler) {
      // Last registration of a name wins: a module evaluated twice (vitest's runner and Node's require) dedupes.
      s.functions.set(metadata.name, { metadata, handler });
      return { dispose: () => s.functions.delete(metadata.name) };
    },
    Disposable: class {
      constructor(private readonly fn: () => void) {}
      dispose() {
        this.fn();
      }
    },
  };
}

/**
 * Makes `require("@azure/functions-core")` return the stand-in. Idempotent. Must run before `@azure/functions`
 * is first loaded in the process (test/setup/register-shim.ts does it for every vitest worker).
 */
export function installFunctionsCoreShim(): void {
  const s = state();
  if (s.installed) return;
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  const api = coreApi();
  mod._load = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === "@azure/functions-core") return api;
    return original.call(this, request, ...rest);
  };
  s.installed = true;
}

export function isFunctionsCoreShimInstalled(): boolean {
  return state().installed;
}

function triggerOf(metadata: FunctionMetadata): BindingMetadata {
  const bindings = Object.values(metadata.bindings ?? {});
  return (
    bindings.find((b) => b.direction === "in" && /Trigger$/.test(b.type)) ?? bindings[0] ?? { type: "unknown", direction: "in", name: "" }
  );
}

function kindOf(trigger: BindingMetadata): RegistrationKind {
  switch (trigger.type) {
    case "httpTrigger":
      return "http";
    case "timerTrigger":
      return "timer";
    case "serviceBusTrigger":
      return trigger.queueName ? "serviceBusQueue" : "other";
    case "orchestrationTrigger":
      return "orchestration";
    case "activityTrigger":
      return "activity";
    case "entityTrigger":
      return "entity";
    default:
      return "other";
  }
}

/** Every registration captured so far, with kind and trigger parsed from the binding metadata. */
export function registrations(): Registration[] {
  return [...state().functions.values()].map(({ metadata, handler }) => {
    const trigger = triggerOf(metadata);
    return { name: metadata.name, kind: kindOf(trigger), trigger, metadata, handler };
  });
}

/**
 * Calls a registration's handler as the worker does: the preInvocation hooks first (they may replace the
 * handler or its inputs for this invocation), then handler(...inputs, context).
 */
export async function callHandler(reg: Registration, context: unknown, inputs: unknown[]): Promise<unknown> {
  let handler = reg.handler;
  let args = inputs;
  for (const hook of state().preInvocation) {
    const hookContext: CoreHookContext = {
      invocationContext: context,
      inputs: args,
      functionCallback: handler,
      hookData: {},
      appHookData: {},
    };
    await hook(hookContext);
    handler = hookContext.functionCallback;
    args = hookContext.inputs;
  }
  return handler(...args, context);
}

/** Forgets captured registrations (tests that load different fixture apps). */
export function clearRegistrations(): void {
  state().functions.clear();
}

function entryPath(): string {
  // dist/src/local/registry.js -> dist/src/index.js; src/local/registry.ts -> src/index.ts (tsx)
  return path.join(__dirname, "..", "index");
}

/**
 * Loads the app's entry module (src/index) with Node's require and returns its registrations. Works from the
 * compiled dist/ and under tsx. Under vitest, use `loadAppAsync()` so that the app shares the test's module
 * instances (runtime overrides, configuration).
 */
export function loadApp(): Registration[] {
  installFunctionsCoreShim();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(entryPath());
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_UNKNOWN_FILE_EXTENSION" || e instanceof SyntaxError) {
      throw new Error(
        `loadApp: cannot require ${entryPath()} (${e.message}). From TypeScript sources run under tsx, or use loadAppAsync() (vitest).`,
      );
    }
    throw err;
  }
  return registrations();
}

/**
 * Loads a module that registers functions (default: the app's entry, src/index) through dynamic import, so
 * that under vitest it goes through the same module graph as the test, and returns the registrations.
 */
export async function loadAppAsync(load: () => Promise<unknown> = () => import("../index")): Promise<Registration[]> {
  installFunctionsCoreShim();
  await load();
  return registrations();
}
