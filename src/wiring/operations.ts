/**
 * The operations side of the app, as tables built from its parts: the health probes of GET /api/health
 * (one per platform store and connector), the flows' sections of the status page (GET /api/status), and the
 * dependencies of the status, dead-letter and replay endpoints. A new connector adds its probe here, a new
 * flow its section.
 */
import { probeSecrets, probeState, type HealthProbes } from "../platform/health";
import { probeD365 } from "../d365/index";
import { summarizeOrderLedger } from "../flows/orders/status-page";
import { summarizeProducts } from "../flows/products/status-page";
import { summarizeReturns } from "../flows/returns/status-page";
import { summarizeSettlements } from "../flows/settlements/status-page";
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

/** The flows' sections of GET /api/status. */
export const statusSections: StatusSections = {
  orders: (state) => summarizeOrderLedger(state),
  settlements: (state) => summarizeSettlements(state),
  products: (state) => summarizeProducts(state),
  returns: (state) => summarizeReturns(state),
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

/** What every queue-triggered function's handleQueueMessage needs. */
export function queueDeps(app: App, context: InvocationLogger): QueueDeps {
  return {
    state: app.state,
    telemetry: (base) => app.telemetry(context, base),
    clock: app.clock,
    maxDeliveryCount: app.config.QUEUE_MAX_DELIVERY_COUNT,
  };
}
