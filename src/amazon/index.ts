/**
 * The SP-API connector's entry: `createSpApiClient` builds an SpApiClient from the connector's settings, the
 * secret store, the shared state (rate-limit buckets) and the clock. The wiring (src/wiring/app.ts) calls it
 * once per process.
 */
import type { Clock } from "../platform/clock";
import type { SecretStore, StateStore } from "../platform/ports";
import type { Telemetry } from "../platform/telemetry";
import { overrideAgentFor } from "./agent";
import { SpApiClient, type AmazonApi } from "./client";
import { SharedRateLimiter } from "./rate-limiter";
import type { AmazonSettings } from "./settings";

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

export interface SpApiDeps {
  config: AmazonSettings;
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

export type { AmazonApi };
