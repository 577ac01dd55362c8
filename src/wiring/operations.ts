/**
 * The operations side of the app, as tables built from its parts: the health probes of GET /api/health
 * (one per platform store and connector), the flows' sections of the status page (GET /api/status), and the
 * dependencies of the status, dead-letter and replay endpoints. A new connector adds its probe here, a new
 * flow its section.
 */
import { HealthCache, probeSecrets, probeState, type HealthProbes, type HealthReport } from "../platform/health";
import { probeD365 } from "../d365/index";
import { summarizeBusinessEvents } from "../flows/d365-events/route-event";
import { summarizeFulfillment } from "../flows/fulfillment/status-page";
import { summarizeOrderLedger } from "../flows/orders/status-page";
import { summarizeProducts } from "../flows/products/status-page";
import { summarizeReturns } from "../flows/returns/status-page";
import { summarizeSettlements } from "../flows/settlements/status-page";
import { summarizeInventory } from "../flows/inventory/status-page";
import { probeMappings } from "../mapping/mappings-dir";
import { configuredQueues, type OperationsDeps } from "../platform/operations";
import type { QueueDeps } from "../platform/trigger-adapters";
import type { StatusSections } from "../platform/status-page-sections";
import type { InvocationLogger } from "../platform/telemetry";
import type { App } from "./app";

/** GET /api/health: state, secrets, mappings, SP-API, D365 (each probe builds its part only when it runs). */
export function healthProbes(app: App): HealthProbes {
  return {
    state: () => probeState(app.state, app.clock),
    secrets: () => probeSecrets(app.secrets, app.config.KEY_VAULT_URI ? "Key Vault" : "environment"),
    mappings: () => probeMappings(() => app.mappings),
    spapi: () => app.spapi.checkAuth(),
    d365: () => probeD365(app.d365),
  };
}

const healthCaches = new WeakMap<App, HealthCache>();

/** The app's health, from its cache (HEALTH_CACHE_SECONDS): the probes run at most once per period for all callers. */
export function checkHealth(app: App): Promise<HealthReport> {
  let cache = healthCaches.get(app);
  if (!cache) healthCaches.set(app, (cache = new HealthCache(app.config.HEALTH_CACHE_SECONDS * 1000)));
  return cache.get(() => healthProbes(app));
}

/** The flows' sections of GET /api/status. */
export const statusSections: StatusSections = {
  orders: (state) => summarizeOrderLedger(state),
  settlements: (state) => summarizeSettlements(state),
  fulfillment: (state) => summarizeFulfillment(state),
  d365Events: (state) => summarizeBusinessEvents(state),
  products: (state) => summarizeProducts(state),
  returns: (state) => summarizeReturns(state),
  inventory: (state) => summarizeInventory(state),
};

/** The status, dead-letter and replay endpoints (the bus is resolved only when first used). */
export function operationsDeps(app: App, context?: InvocationLogger): OperationsDeps {
  return {
    get state() {
      return app.state;
    },
    get bus() {
      return app.bus;
    },
    queues: configuredQueues(app.config),
    clock: app.clock,
    telemetry: app.telemetry(context),
    sections: statusSections,
  };
}

/** What every queue-triggered function's handleQueueMessage needs: retries are scheduled copies on the app's bus. */
export function queueDeps(app: App, context: InvocationLogger): QueueDeps {
  return {
    state: app.state,
    telemetry: (base) => app.telemetry(context, base),
    clock: app.clock,
    maxDeliveryCount: app.config.QUEUE_MAX_DELIVERY_COUNT,
    // Read when a retry is scheduled: a test app without a bus still handles messages that succeed.
    get bus() {
      return app.bus;
    },
    retry: {
      maxAttempts: app.config.QUEUE_RETRY_MAX_ATTEMPTS,
      baseDelayMs: app.config.QUEUE_RETRY_BASE_DELAY_SECONDS * 1000,
      maxDelayMs: app.config.QUEUE_RETRY_MAX_DELAY_SECONDS * 1000,
    },
  };
}
