/**
 * The fulfillment flow's dependencies in production (MCF and FBM shipment confirmation), and the d365-events
 * consumer's (its one target today: a fulfillment request for the sales order an event names). A host or test
 * replaces single ports through `app.ports.fulfillment`.
 */
import type { RouteEventDeps } from "../flows/d365-events/route-event";
import type { FulfillmentDeps } from "../flows/fulfillment/handle-request";
import { McfRecords } from "../flows/fulfillment/mcf-records";
import { enqueueFulfillment } from "../flows/fulfillment/requests";
import type { SafetyNetDeps } from "../flows/fulfillment/safety-nets";
import { ShipmentLedger } from "../flows/fulfillment/shipment-ledger";
import type { RequestDeps } from "../flows/fulfillment/status-api";
import { CARRIERS_FILE, Carriers, type CarriersFile, EMPTY_CARRIERS_FILE } from "../mapping/carriers";
import { EMPTY_FULFILLMENT_FILE, FULFILLMENT_FILE, type FulfillmentFile } from "../mapping/fulfillment";
import type { InvocationLogger } from "../platform/telemetry";
import { SpApiMcf } from "./adapters/amazon-mcf";
import { SpApiShipmentConfirmations } from "./adapters/amazon-shipments";
import { ODataFulfillment } from "./adapters/d365-fulfillment";
import type { App } from "./app";
import { inventoryD365EventTarget } from "./inventory";

/** mappings/fulfillment.json (its defaults when the file is absent: nothing goes to MCF). */
export function fulfillmentRules(app: App): FulfillmentFile {
  return (
    app.ports.fulfillment?.rules ?? (app.mappings.files.get(FULFILLMENT_FILE) as FulfillmentFile | undefined) ?? EMPTY_FULFILLMENT_FILE
  );
}

/** mappings/carriers.json. */
export function carriersOf(app: App): Carriers {
  return new Carriers(
    app.ports.fulfillment?.carriers ?? (app.mappings.files.get(CARRIERS_FILE) as CarriersFile | undefined) ?? EMPTY_CARRIERS_FILE,
  );
}

export function mcfRecords(app: App): McfRecords {
  return new McfRecords(app.state, () => app.clock.now());
}

export function shipmentLedger(app: App): ShipmentLedger {
  return new ShipmentLedger(app.state, () => app.clock.now());
}

function amazonMcf(app: App) {
  return app.ports.fulfillment?.amazon ?? new SpApiMcf(app.spapi.mcf);
}

function d365Fulfillment(app: App) {
  return app.ports.fulfillment?.d365 ?? new ODataFulfillment(app.d365);
}

/** Everything the fulfillment queue's consumer needs. */
export function fulfillmentDeps(app: App, context?: InvocationLogger): FulfillmentDeps {
  const rules = fulfillmentRules(app);
  const minutes = 60_000;
  return {
    amazon: amazonMcf(app),
    shipments: app.ports.fulfillment?.shipments ?? new SpApiShipmentConfirmations(app.spapi),
    d365: d365Fulfillment(app),
    records: mcfRecords(app),
    ledger: shipmentLedger(app),
    rules,
    skus: app.mappings.skuFile,
    marketplaces: app.mappings.marketplacesFile.marketplaces,
    carriers: carriersOf(app),
    shipmentsEnabled: rules.shipments.enabled,
    bus: app.bus,
    state: app.state,
    queue: app.config.QUEUE_FULFILLMENT,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "fulfillment" }),
    monitor: {
      firstCheckMs: app.config.MCF_MONITOR_FIRST_CHECK_MINUTES * minutes,
      maxIntervalMs: app.config.MCF_MONITOR_MAX_INTERVAL_MINUTES * minutes,
    },
  };
}

/** The two timers' dependencies. */
export function safetyNetDeps(app: App, context?: InvocationLogger): SafetyNetDeps {
  return {
    amazon: amazonMcf(app),
    d365: d365Fulfillment(app),
    records: mcfRecords(app),
    ledger: shipmentLedger(app),
    rules: fulfillmentRules(app),
    bus: app.bus,
    queue: app.config.QUEUE_FULFILLMENT,
    state: app.state,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "fulfillment" }),
  };
}

/** The HTTP endpoints' dependencies. */
export function requestDeps(app: App): RequestDeps {
  return {
    records: mcfRecords(app),
    ledger: shipmentLedger(app),
    rules: fulfillmentRules(app),
    bus: app.bus,
    queue: app.config.QUEUE_FULFILLMENT,
    clock: app.clock,
  };
}

/**
 * The d365-events consumer: mappings/fulfillment.json's event rules, and its targets (a fulfillment request; the
 * inventory push for the on-hand events of INVENTORY_D365_EVENT_IDS).
 */
export function businessEventDeps(app: App, context?: InvocationLogger): RouteEventDeps {
  return {
    rules: fulfillmentRules(app).businessEvents,
    targets: {
      salesOrder: (ref) =>
        enqueueFulfillment(
          { bus: app.bus, queue: app.config.QUEUE_FULFILLMENT },
          { kind: "order", company: ref.company, salesOrderNumber: ref.salesOrderNumber, source: "business-event", eventId: ref.eventId },
          `event:${ref.eventId}`,
        ),
      inventory: inventoryD365EventTarget(app),
    },
    state: app.state,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "d365-events" }),
  };
}
