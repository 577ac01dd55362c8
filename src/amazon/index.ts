/**
 * The SP-API connector's entry: registers the runtime member `amazon` (an SpApiClient built from the
 * configuration, the secret store, the shared state and the clock) and the health probe `spapi`.
 * Imported once from src/wiring.ts.
 */
import type { AppConfig } from "../platform/config";
import { registerHealthCheck } from "../platform/health";
import type { Clock } from "../platform/clock";
import type { SecretStore, StateStore } from "../platform/ports";
import type { Telemetry } from "../platform/telemetry";
import { registerFactory } from "../runtime";
import { overrideAgentFor } from "./agent";
import { SpApiClient, type AmazonApi } from "./client";
import { SharedRateLimiter } from "./rate-limiter";

export * from "./client";
export * from "./mcf";
export * from "./listings";
export * from "./listings-feed";
export * from "./catalog";
export * from "./fba-inventory";
export * from "./reports";
export * from "./finances";
export { SharedRateLimiter, type RateLimitKey, type RatePlan } from "./rate-limiter";
export { OPERATIONS, ENDPOINT_VERSIONS, type OperationName } from "./operations";
export { EndpointOverrideAgent, overrideAgentFor } from "./agent";
export { decodeBytes, type DownloadedDocument, type DocumentStream } from "./documents";
export type * as SpApi from "./schemas";
export { ORDERS_2026_INCLUDED_DATA } from "./schemas";

declare module "../runtime" {
  interface Runtime {
    readonly amazon: SpApiClient;
  }
}

export interface SpApiDeps {
  config: AppConfig;
  secrets: SecretStore;
  state: StateStore;
  clock: Clock;
  telemetry?: Telemetry;
}

/** Builds the connector from settings; every instance shares the rate-limit buckets through `state`. */
export function createSpApiClient(deps: SpApiDeps): SpApiClient {
  const c = deps.config;
  return new SpApiClient({
    region: c.SPAPI_REGION,
    sellerId: c.SPAPI_SELLER_ID,
    credentials: async () => ({
      clientId: c.SPAPI_LWA_CLIENT_ID,
      clientSecret: await deps.secrets.get("spapi-lwa-client-secret"),
      refreshToken: await deps.secrets.get("spapi-refresh-token"),
    }),
    limiter: new SharedRateLimiter({ state: deps.state, clock: deps.clock }),
    clock: deps.clock,
    agent: overrideAgentFor(c.SPAPI_ENDPOINT_OVERRIDE, c.SPAPI_OVERRIDE_CA_FILE),
    maxRetries: c.SPAPI_MAX_RETRIES,
    useRdt: c.SPAPI_USE_RDT,
    mcfApi: c.SPAPI_MCF_API,
    telemetry: deps.telemetry,
  });
}

registerFactory("amazon", (rt) =>
  createSpApiClient({
    config: rt.config,
    secrets: rt.secrets,
    state: rt.state,
    clock: rt.clock,
    telemetry: rt.telemetry(undefined, { component: "spapi" }),
  }),
);

registerHealthCheck("spapi", async (rt) => rt.amazon.checkAuth());

export type { AmazonApi };
