/**
 * The composition root: every production dependency of the app, built in one place from the parsed
 * configuration. `createApp(config)` returns a plain typed object whose members are built on first use and
 * kept (a getter per member, nothing registers itself anywhere); the per-flow builders beside this file
 * (orders.ts, settlements.ts, notifications.ts, operations.ts) take it and return exactly the ports each use
 * case takes, and function files call those builders with `currentApp()`.
 *
 * The one seam: the local host and tests build their own App with `createApp(config, parts)`, where `parts`
 * replaces members (the in-memory bus, a manual clock, a simulator's client) and, per flow, single ports (a
 * crashing journals port), and install it with `useApp(app)` before any function runs.
 */
import { createSpApiClient } from "../amazon/index";
import type { SpApiClient } from "../amazon/client";
import { createD365Connector, type D365Connector } from "../d365/index";
import type { ImportOrderDeps } from "../flows/orders/import-order";
import type { PublishDeps } from "../flows/products/publish";
import type { ImportReturnDeps, SyncDeps } from "../flows/returns/ports";
import type { SettlementDeps } from "../flows/settlements/ports";
import { resolveMappingsDir } from "../mapping/mappings-dir";
import { Mappings } from "../mapping/mappings";
import { type Clock, systemClock } from "../platform/clock";
import type { BlobStore, MessageBus, SecretStore, StateStore } from "../platform/ports";
import { createBlobStore, createMessageBus, createSecretStore, createStateStore } from "../platform/stores";
import { type InvocationLogger, type LogSink, StructuredTelemetry, type Telemetry, telemetryFor } from "../platform/telemetry";
import { tracingBus } from "../platform/trace";
import { type AppConfig, loadConfig } from "./config";

/** Ports a host or test puts in place of the production adapters, per flow. */
export interface PortOverrides {
  orders?: Partial<Pick<ImportOrderDeps, "amazon" | "d365" | "ledger">>;
  settlements?: Partial<Omit<SettlementDeps, "log">>;
  products?: Partial<Pick<PublishDeps, "d365" | "amazon" | "definitions">>;
  returns?: Partial<Pick<ImportReturnDeps, "d365" | "returnMappings"> & Pick<SyncDeps, "reports" | "refunds" | "mcf">>;
}

export interface App {
  readonly config: AppConfig;
  readonly clock: Clock;
  /** Table Storage (Azurite locally). */
  readonly state: StateStore;
  /** Blob Storage: raw files kept for audit. */
  readonly blobs: BlobStore;
  /** Service Bus (the local host's in-memory bus locally). */
  readonly bus: MessageBus;
  /** Key Vault (environment variables locally). */
  readonly secrets: SecretStore;
  /** The SP-API connector; every instance shares the rate-limit buckets in `state`. */
  readonly spapi: SpApiClient;
  /** The D365 connector (OData, $batch, DMF). */
  readonly d365: D365Connector;
  /** The mapping files of MAPPINGS_DIR, loaded and validated once. */
  readonly mappings: Mappings;
  readonly ports: PortOverrides;
  /** Telemetry bound to one invocation's logger (or the process logger when none is given). */
  telemetry(context?: InvocationLogger, base?: Record<string, unknown>): Telemetry;
}

/** What a host or test may supply instead of the production members. */
export interface AppParts {
  clock?: Clock;
  state?: StateStore;
  blobs?: BlobStore;
  bus?: MessageBus;
  secrets?: SecretStore;
  spapi?: SpApiClient;
  d365?: D365Connector;
  mappings?: Mappings;
  ports?: PortOverrides;
  /** Where the telemetry of the app's shared clients goes (SP-API, D365); default the console. The local host passes its log. */
  log?: LogSink;
}

export function createApp(config: AppConfig, parts: AppParts = {}): App {
  const processTelemetry = new StructuredTelemetry(
    parts.log ??
      ((level, line) => {
        if (level === "error") console.error(line);
        else if (level === "warn") console.warn(line);
        else console.log(line);
      }),
  );
  const telemetry = (context?: InvocationLogger, base: Record<string, unknown> = {}): Telemetry =>
    context ? telemetryFor(context, base) : processTelemetry.child(base);
  let state: StateStore | undefined = parts.state;
  let blobs: BlobStore | undefined = parts.blobs;
  let bus: MessageBus | undefined;
  let secrets: SecretStore | undefined = parts.secrets;
  let spapi: SpApiClient | undefined = parts.spapi;
  let d365: D365Connector | undefined = parts.d365;
  let mappings: Mappings | undefined = parts.mappings;
  const clock = parts.clock ?? systemClock;
  const app: App = {
    config,
    clock,
    ports: parts.ports ?? {},
    telemetry,
    get state() {
      state ??= createStateStore(config);
      return state;
    },
    get blobs() {
      blobs ??= createBlobStore(config);
      return blobs;
    },
    get bus() {
      // Every message carries its sender's trace (platform/trace.ts).
      bus ??= tracingBus(parts.bus ?? createMessageBus(config));
      return bus;
    },
    get secrets() {
      secrets ??= createSecretStore(config, { clock });
      return secrets;
    },
    get spapi() {
      spapi ??= createSpApiClient({
        config,
        secrets: app.secrets,
        state: app.state,
        clock,
        telemetry: telemetry(undefined, { component: "spapi" }),
      });
      return spapi;
    },
    get d365() {
      d365 ??= createD365Connector(config, app.secrets, telemetry(undefined, { component: "d365" }));
      return d365;
    },
    get mappings() {
      mappings ??= Mappings.load(resolveMappingsDir(config.MAPPINGS_DIR));
      return mappings;
    },
  };
  return app;
}

let current: App | undefined;

/** The process-wide app: the one `useApp` installed, else the production app built from the settings on first use. */
export function currentApp(): App {
  current ??= createApp(loadConfig());
  return current;
}

/** Installs the app every function invocation uses from now on (the local host and tests); undefined goes back to production. */
export function useApp(app: App | undefined): void {
  current = app;
}

/** The invocation's telemetry from the current app (for withHttpErrors in function files). */
export function invocationTelemetry(context: InvocationLogger): Telemetry {
  return currentApp().telemetry(context);
}
