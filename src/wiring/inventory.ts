/**
 * The inventory flow's dependencies in production: what the FBM push, the FBA reconciliation, the inventory queue's
 * handler, the HTTP requests and the D365 business event handler get, built from the app (a host or test may
 * replace single ports through `app.ports.inventory`).
 */
import {
  type D365InventoryEventTarget,
  type InventoryEventDeps,
  isInventoryEvent,
  onD365InventoryEvent,
} from "../flows/inventory/d365-events";
import type { ReconcileDeps } from "../flows/inventory/fba-reconcile";
import type { InventoryMessageDeps } from "../flows/inventory/handle-message";
import type { PushDeps } from "../flows/inventory/push";
import type { RequestDeps } from "../flows/inventory/requests";
import type { InvocationLogger } from "../platform/telemetry";
import { SpApiFbaStock } from "./adapters/amazon-fba-stock";
import { SpApiFbmQuantities } from "./adapters/amazon-fbm-quantities";
import { ODataInventoryJournals } from "./adapters/d365-inventory-journals";
import { ODataOnHand } from "./adapters/d365-on-hand";
import type { App } from "./app";

/** Everything pushInventory (and settleFeed) needs. */
export function inventoryPushDeps(app: App, context?: InvocationLogger): PushDeps {
  const o = app.ports.inventory ?? {};
  return {
    d365: o.onHand ?? new ODataOnHand(app.d365),
    amazon: o.fbm ?? new SpApiFbmQuantities(app.spapi),
    mappings: app.mappings,
    state: app.state,
    blobs: app.blobs,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "inventory" }),
    options: {
      defaultCompany: app.config.D365_COMPANY,
      feedThreshold: app.config.INVENTORY_FEED_THRESHOLD,
      feedWaitMs: app.config.INVENTORY_FEED_WAIT_SECONDS * 1000,
      feedPollMs: app.config.INVENTORY_FEED_POLL_SECONDS * 1000,
      reviewQueue: app.config.QUEUE_INVENTORY,
    },
  };
}

/** Everything reconcileFba and applyFbaChange need. */
export function fbaReconcileDeps(app: App, context?: InvocationLogger): ReconcileDeps {
  const o = app.ports.inventory ?? {};
  return {
    amazon: o.fba ?? new SpApiFbaStock(app.spapi),
    d365: o.onHand ?? new ODataOnHand(app.d365),
    journals: o.journals ?? new ODataInventoryJournals(app.d365),
    mappings: app.mappings,
    state: app.state,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "inventory-fba" }),
    options: { defaultCompany: app.config.D365_COMPANY },
  };
}

/** The inventory queue's handler: the use cases' deps are built only for the message kind that needs them. */
export function inventoryMessageDeps(app: App, context?: InvocationLogger): InventoryMessageDeps {
  return {
    push: () => inventoryPushDeps(app, context),
    reconcile: () => fbaReconcileDeps(app, context),
    state: app.state,
    bus: app.bus,
    queue: app.config.QUEUE_INVENTORY,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "inventory" }),
  };
}

/** HTTP requests of inventory work: recorded, then queued. */
export function inventoryRequestDeps(app: App): RequestDeps {
  return { state: app.state, bus: app.bus, queue: app.config.QUEUE_INVENTORY, clock: app.clock };
}

/** The BusinessEventIds that mean on-hand changed (INVENTORY_D365_EVENT_IDS). */
export function inventoryEventIds(app: App): string[] {
  return (app.config.INVENTORY_D365_EVENT_IDS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function inventoryEventDeps(app: App): InventoryEventDeps {
  return {
    bus: app.bus,
    clock: app.clock,
    options: {
      eventIds: inventoryEventIds(app),
      debounceMs: app.config.INVENTORY_EVENT_DEBOUNCE_SECONDS * 1000,
      queue: app.config.QUEUE_INVENTORY,
    },
  };
}

/**
 * The inventory flow's entry in the D365 business event dispatch table (QUEUE_D365_EVENTS): `accepts` says whether
 * an event is one of INVENTORY_D365_EVENT_IDS, `handle` queues the push. The consumer of that queue adds it to its
 * table.
 */
export function inventoryD365EventTarget(app: App): D365InventoryEventTarget {
  return {
    accepts: (event) => isInventoryEvent(event, inventoryEventIds(app)),
    handle: (event) => onD365InventoryEvent(event, inventoryEventDeps(app)),
  };
}
