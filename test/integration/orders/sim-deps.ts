/** Test helper: importOrder's dependencies on the real adapters, against the D365 and SP-API simulators. */
import { join } from "node:path";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { type OrdersApiVersion, SpApiOrders } from "../../../src/wiring/adapters/amazon-orders";
import { ODataSalesOrders } from "../../../src/wiring/adapters/d365-sales-orders";
import type { ImportOrderDeps } from "../../../src/flows/orders/import-order";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import type { D365Simulator } from "../../../src/local/d365-sim";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { systemClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { StateStore } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { clientFor } from "../amazon/sim-client";

export const REPO_MAPPINGS = join(__dirname, "../../../mappings");

export function d365For(sim: D365Simulator, maxRetries = 6): D365Connector {
  return new D365Connector({
    baseUrl: sim.url,
    credential: new SimulatorCredential(`${sim.url}/oauth2/token`, "test-client", "fake-secret"),
    company: "usmf",
    batchSize: 100,
    maxRetries,
    baseBackoffMs: 5,
    timeoutMs: 5000,
    sleep: async (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
  });
}

export function simDeps(
  d365Sim: D365Simulator,
  spapi: SpApiSimulator,
  state: StateStore = new MemoryStateStore(),
  ordersApi: OrdersApiVersion = "v0",
) {
  const d365 = d365For(d365Sim);
  const amazonClient = clientFor(spapi, { maxRetries: 6, backoffBaseMs: 5 });
  const telemetry = new MemoryTelemetry();
  const deps: ImportOrderDeps = {
    amazon: new SpApiOrders(amazonClient, ordersApi),
    d365: new ODataSalesOrders(d365),
    ledger: new StateOrderLedger(state),
    mappings: Mappings.load(REPO_MAPPINGS),
    clock: systemClock,
    telemetry,
  };
  return { deps, d365, amazonClient, telemetry, state };
}
