/**
 * Test helper: the products flow's dependencies on the real adapters (ODataProducts, SpApiListings), against
 * the D365 and SP-API simulators, with the repository's mapping files, in-memory state and a bus that keeps
 * what it was sent.
 */
import { join } from "node:path";
import type { PublishDeps } from "../../../src/flows/products/publish";
import type { SyncDeps } from "../../../src/flows/products/sync";
import { CachedProductTypes } from "../../../src/flows/products/product-types";
import type { D365Simulator } from "../../../src/local/d365-sim";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { productsMapping, type ProductsFile } from "../../../src/mapping/products";
import { systemClock, type Clock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage, StateStore } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { SpApiListings } from "../../../src/wiring/adapters/amazon-listings";
import { ODataProducts } from "../../../src/wiring/adapters/d365-products";
import { clientFor } from "../amazon/sim-client";
import { d365For } from "../orders/sim-deps";

export const REPO_MAPPINGS = join(__dirname, "../../../mappings");
export const US = "ATVPDKIKX0DER";
export const UK = "A1F83G8C2ARO7P";
export const DE = "A1PA6795UKMFR9";
export const QUEUE = "product-publish";

export class KeepingBus implements MessageBus {
  readonly sent: OutgoingMessage[] = [];
  async send(_queue: string, m: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

export interface ProductsSimDeps {
  publish: PublishDeps;
  sync: SyncDeps;
  state: StateStore;
  bus: KeepingBus;
  mappings: Mappings;
  telemetry: MemoryTelemetry;
}

export function productsDeps(
  d365Sim: D365Simulator,
  spapi: SpApiSimulator,
  o: { state?: StateStore; clock?: Clock; mapping?: ProductsFile; preview?: "always" | "new-listings" } = {},
): ProductsSimDeps {
  const state = o.state ?? new MemoryStateStore();
  const clock = o.clock ?? systemClock;
  const mappings = Mappings.load(REPO_MAPPINGS);
  const mapping = o.mapping ?? productsMapping(mappings);
  const telemetry = new MemoryTelemetry();
  const amazon = new SpApiListings(clientFor(spapi, { maxRetries: 6, backoffBaseMs: 5, state, clock }));
  const d365 = new ODataProducts(d365For(d365Sim));
  const bus = new KeepingBus();
  const common = {
    d365,
    mapping,
    crossref: mappings.skuFile.items,
    marketplace: (id: string) => mappings.marketplace(id),
    state,
    clock,
    telemetry,
  };
  return {
    publish: {
      ...common,
      amazon,
      definitions: new CachedProductTypes(amazon, state, clock, 24),
      queue: QUEUE,
      preview: o.preview ?? "always",
    },
    sync: { ...common, bus, queue: QUEUE },
    state,
    bus,
    mappings,
    telemetry,
  };
}
