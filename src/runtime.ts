/**
 * The composition root: builds the adapters behind the ports once per process, from the configuration,
 * and hands them to function files. The local host and tests replace parts with `setRuntimeOverrides`
 * (the in-memory bus, a manual clock) before any function runs.
 *
 * Each connector and adapter adds its own member by augmenting `Runtime` and calling `registerFactory`
 * from its own module (declaration merging keeps this file free of their imports):
 *
 *   declare module "../runtime" { interface Runtime { readonly d365: D365Client } }
 *   registerFactory("d365", (rt) => createD365Client(rt.config, rt.secrets));
 *
 * Nothing here holds business logic.
 */
import { config, type AppConfig } from "./platform/config";
import { systemClock, type Clock } from "./platform/clock";
import type { BlobStore, MessageBus, SecretStore, StateStore } from "./platform/ports";
import { StructuredTelemetry, telemetryFor, type InvocationLogger, type Telemetry } from "./platform/telemetry";

export interface Runtime {
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly state: StateStore;
  readonly blobs: BlobStore;
  readonly bus: MessageBus;
  readonly secrets: SecretStore;
  /** Telemetry bound to one invocation's logger (or the process logger when none is given). */
  telemetry(context?: InvocationLogger, base?: Record<string, unknown>): Telemetry;
}

export type RuntimeOverrides = Partial<Omit<Runtime, "telemetry" | "config">> & { config?: AppConfig };

type Factory<K extends keyof Runtime> = (rt: Runtime) => Runtime[K];
const factories: Partial<{ [K in keyof Runtime]: Factory<K> }> = {};

/** Adapters register how they are built (platform/, d365/, amazon/ call this from their index module). */
export function registerFactory<K extends keyof Runtime>(key: K, factory: Factory<K>): void {
  (factories as Record<string, unknown>)[key] = factory;
}

let overrides: RuntimeOverrides = {};
let instance: Runtime | undefined;

export function setRuntimeOverrides(next: RuntimeOverrides): void {
  overrides = next;
  instance = undefined;
}

function build(): Runtime {
  const cache = new Map<string, unknown>();
  const lazy = <K extends keyof Runtime>(key: K): Runtime[K] => {
    if (key in overrides) return (overrides as Record<string, unknown>)[key] as Runtime[K];
    if (!cache.has(key)) {
      const factory = factories[key] as Factory<K> | undefined;
      if (!factory) throw new Error(`runtime: nothing provides "${String(key)}" (is its adapter module imported?)`);
      cache.set(key, factory(rt));
    }
    return cache.get(key) as Runtime[K];
  };
  const processTelemetry = new StructuredTelemetry((level, line) => {
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  });
  const base = {
    get config() {
      return overrides.config ?? config();
    },
    get clock() {
      return overrides.clock ?? systemClock;
    },
    telemetry(context?: InvocationLogger, extra: Record<string, unknown> = {}) {
      return context ? telemetryFor(context, extra) : processTelemetry.child(extra);
    },
  };
  // Every other member (state, bus, d365, amazon, ...) is built on first use by its registered factory.
  const rt = new Proxy(base, {
    get(target, key, receiver) {
      if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
      return lazy(key as keyof Runtime);
    },
  }) as unknown as Runtime;
  return rt;
}

export function runtime(): Runtime {
  instance ??= build();
  return instance;
}
