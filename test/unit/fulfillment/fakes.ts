/** In-memory fakes of the fulfillment flow's ports, and typed builders of its inputs. */
import type { FulfillmentDeps } from "../../../src/flows/fulfillment/handle-request";
import { McfRecords } from "../../../src/flows/fulfillment/mcf-records";
import type {
  McfOrderRequest,
  McfOrderState,
  McfPackageTracking,
  McfPreview,
  PackingSlip,
  SalesOrderHeader,
  SalesOrderLine,
  ShipmentConfirmation,
  TrackingRow,
} from "../../../src/flows/fulfillment/model";
import type { AmazonMcf, AmazonShipmentConfirmations, D365Fulfillment } from "../../../src/flows/fulfillment/ports";
import { ShipmentLedger } from "../../../src/flows/fulfillment/shipment-ledger";
import { Carriers, CarriersFile } from "../../../src/mapping/carriers";
import { FulfillmentFile } from "../../../src/mapping/fulfillment";
import { MarketplacesFile } from "../../../src/mapping/marketplaces";
import { SkuCrossrefFile } from "../../../src/mapping/sku-crossref";
import { ManualClock } from "../../../src/platform/clock";
import { ConflictError, ValidationError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";

export function aHeader(o: Partial<SalesOrderHeader> = {}): SalesOrderHeader {
  return {
    company: "usmf",
    salesOrderNumber: "SO-1",
    status: "Backorder",
    processingStatus: "Confirmed",
    stopped: false,
    customerAccount: "US-001",
    customersOrderReference: "WEB-1",
    deliveryModeCode: "MCF-STD",
    warehouseId: "FBA-US",
    createdAt: "2026-11-01T10:00:00Z",
    deliveryAddress: {
      name: "Test Buyer",
      street: "1 Test Street\nSuite 2",
      city: "Seattle",
      stateId: "WA",
      zipCode: "98101",
      countryRegionId: "USA",
      countryIsoCode: "US",
    },
    ...o,
  };
}

export function aLine(o: Partial<SalesOrderLine> = {}): SalesOrderLine {
  return { lotId: "LOT-1", lineNumber: 1, itemNumber: "D0001", quantity: 2, unit: "ea", status: "Backorder", deliverNow: 0, ...o };
}

export const RULES = FulfillmentFile.parse({
  mcf: {
    legalEntities: [
      {
        dataAreaId: "usmf",
        marketplaceId: "ATVPDKIKX0DER",
        warehouses: ["FBA-MCF"],
        modesOfDelivery: { "MCF-STD": "Standard", "MCF-EXP": "Expedited" },
      },
    ],
  },
});

export const SKUS = SkuCrossrefFile.parse({
  unmappedSku: "fail",
  items: [
    { sellerSku: "SKU-1", itemNumber: "D0001" },
    { sellerSku: "SKU-2", itemNumber: "D0002" },
    { sellerSku: "SKU-6PACK", itemNumber: "D0003", unitsPerAmazonUnit: 6 },
    { sellerSku: "SKU-3-SINGLE", itemNumber: "D0003" },
    { sellerSku: "SKU-RED", itemNumber: "D0004", colorId: "RED" },
    { sellerSku: "CHARGER", itemNumber: "D0006" },
  ],
});

export const MARKETPLACES = MarketplacesFile.parse({
  marketplaces: [
    {
      marketplaceId: "ATVPDKIKX0DER",
      dataAreaId: "usmf",
      customerAccount: "AMZ-US",
      currency: "USD",
      fulfillment: {
        AFN: { siteId: "FBA", warehouseId: "FBA-US", salesOriginCode: "AMZ-FBA" },
        MFN: { siteId: "1", warehouseId: "11", salesOriginCode: "AMZ-MFN" },
      },
      shipping: { as: "ignore" },
      giftWrap: { as: "ignore" },
      tax: { pricesIncludeTax: false, marketplaceFacilitator: "seller-tax-group" },
    },
  ],
}).marketplaces;

export const CARRIERS = CarriersFile.parse({
  toAmazon: [
    { shippingCarrierId: "UPS", carrierCode: "UPS", shippingMethod: "UPS Ground" },
    { modeOfDelivery: "COURIER", carrierCode: "Other", carrierName: "City Courier" },
  ],
  fromAmazon: [
    { amazonCarrierCode: "UPS", name: "UPS", trackingUrl: "https://ups.example/track/{trackingNumber}" },
    { amazonCarrierCode: "AMZN_US", name: "Amazon Logistics", d365ShippingCarrierId: "AMZL" },
  ],
});

/** Amazon MCF in memory: orders keyed by id, with call counts and scriptable failures. */
export class FakeMcf implements AmazonMcf {
  reportsPackageStatus = false;
  orders = new Map<string, McfOrderState>();
  requests = new Map<string, McfOrderRequest>();
  calls: Record<string, number> = {};
  preview_: McfPreview | undefined;
  /** Thrown by the next create (after Amazon stored the order, when `afterStore`). */
  failCreate?: { error: Error; afterStore: boolean };
  failCancel?: Error;
  tracking_: Record<string, McfPackageTracking> = {};

  private count(op: string) {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
  }

  async preview(_input: Pick<McfOrderRequest, "items">, speed: string): Promise<McfPreview> {
    this.count("preview");
    return this.preview_ ?? { shippingSpeed: speed, fulfillable: true, orderUnfulfillableReasons: [], unfulfillableItems: [] };
  }

  async create(r: McfOrderRequest): Promise<void> {
    this.count("create");
    const f = this.failCreate;
    if (f && !f.afterStore) {
      this.failCreate = undefined;
      throw f.error;
    }
    if (this.orders.has(r.sellerFulfillmentOrderId)) throw new ConflictError("spapi.mcfOrderExists", "exists already");
    this.requests.set(r.sellerFulfillmentOrderId, r);
    this.orders.set(r.sellerFulfillmentOrderId, {
      sellerFulfillmentOrderId: r.sellerFulfillmentOrderId,
      status: "RECEIVED",
      rawStatus: "Received",
      items: r.items.map((i) => ({ ...i, cancelledQuantity: 0, unfulfillableQuantity: 0 })),
      shipments: [],
    });
    if (f?.afterStore) {
      this.failCreate = undefined;
      throw f.error;
    }
  }

  async get(id: string): Promise<McfOrderState | undefined> {
    this.count("get");
    const o = this.orders.get(id);
    return o ? structuredClone(o) : undefined;
  }

  async cancel(id: string): Promise<void> {
    this.count("cancel");
    if (this.failCancel) throw this.failCancel;
    const o = this.orders.get(id);
    if (o) o.status = "CANCELLED";
  }

  async listUpdatedSince(): Promise<{ sellerFulfillmentOrderId: string; status: McfOrderState["status"] }[]> {
    this.count("list");
    return [...this.orders.values()].map((o) => ({ sellerFulfillmentOrderId: o.sellerFulfillmentOrderId, status: o.status }));
  }

  async tracking(pkg: { packageId: string }): Promise<McfPackageTracking | undefined> {
    this.count("tracking");
    return this.tracking_[pkg.packageId] ?? { status: "IN_TRANSIT" };
  }

  /** Amazon ships the whole order in one shipment per line, one package each. */
  ship(id: string, carriers: string[] = ["UPS"], final: McfOrderState["status"] = "COMPLETE"): void {
    const o = this.orders.get(id)!;
    o.shipments = o.items.map((i, n) => ({
      amazonShipmentId: `SH${n + 1}`,
      status: "SHIPPED" as const,
      shippedAt: `2026-11-02T1${n}:00:00Z`,
      items: [{ lineId: i.lineId, sku: i.sku, quantity: i.quantity }],
      packages: [
        {
          packageId: String(100 + n),
          packageNumber: 100 + n,
          carrierCode: carriers[n % carriers.length]!,
          trackingNumber: `TRK${n + 1}`,
          items: [{ lineId: i.lineId, sku: i.sku, quantity: i.quantity }],
        },
      ],
    }));
    o.status = final;
  }
}

/** D365 in memory: one order (or more), its lines, packing slips and tracking rows. */
export class FakeD365 implements D365Fulfillment {
  headers = new Map<string, SalesOrderHeader>();
  lines = new Map<string, SalesOrderLine[]>();
  slips = new Map<string, PackingSlip[]>();
  deliverNow: { so: string; lines: { lotId: string; quantity: number }[] }[] = [];
  tracking: { so: string; row: TrackingRow }[] = [];
  stopped: string[] = [];
  carriers: { so: string; carrier: string }[] = [];
  calls: Record<string, number> = {};

  private count(op: string) {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
  }

  add(header: SalesOrderHeader, lines: SalesOrderLine[]): void {
    this.headers.set(header.salesOrderNumber, header);
    this.lines.set(header.salesOrderNumber, lines);
  }

  async getOrder(_company: string, so: string) {
    this.count("getOrder");
    const h = this.headers.get(so);
    return h ? structuredClone(h) : undefined;
  }

  async getLines(_company: string, so: string) {
    this.count("getLines");
    return structuredClone(this.lines.get(so) ?? []);
  }

  async findOpenOrders(q: { company: string }) {
    this.count("findOpenOrders");
    return [...this.headers.values()]
      .filter((h) => h.status === "Backorder")
      .map((h) => ({ company: q.company, salesOrderNumber: h.salesOrderNumber }));
  }

  async packingSlips(_company: string, so: string) {
    this.count("packingSlips");
    const tracked = this.tracking.filter((t) => t.so === so);
    return (this.slips.get(so) ?? []).map((s) => ({
      ...s,
      tracking: [
        ...s.tracking,
        ...tracked.filter((t) => t.row.packingSlipNumber === s.packingSlipNumber).map((t) => ({ trackingNumber: t.row.trackingNumber })),
      ],
    }));
  }

  async packingSlipsPostedSince() {
    this.count("packingSlipsPostedSince");
    return [...this.slips.entries()].flatMap(([so, list]) =>
      list.map((s) => ({
        company: "usmf",
        salesOrderNumber: so,
        packingSlipNumber: s.packingSlipNumber,
        customersOrderReference: this.headers.get(so)?.customersOrderReference,
      })),
    );
  }

  async setDeliverNow(_company: string, so: string, lines: { lotId: string; quantity: number }[]) {
    this.count("setDeliverNow");
    this.deliverNow.push({ so, lines });
  }

  async addTracking(_company: string, so: string, rows: TrackingRow[]) {
    this.count("addTracking");
    for (const row of rows) this.tracking.push({ so, row });
  }

  async setShippingCarrier(_company: string, so: string, carrier: string) {
    this.carriers.push({ so, carrier });
  }

  async stopProcessing(_company: string, so: string) {
    this.stopped.push(so);
  }

  /** D365's packing slip job posts what "deliver now" says. */
  postDeliverNow(so: string, number: string): void {
    const last = this.deliverNow.filter((d) => d.so === so).pop();
    if (!last) return;
    const list = this.slips.get(so) ?? [];
    list.push({
      packingSlipNumber: number,
      deliveryDate: "2026-11-03T12:00:00Z",
      lines: last.lines.map((l) => ({
        lotId: l.lotId,
        itemNumber: this.lines.get(so)?.find((x) => x.lotId === l.lotId)?.itemNumber ?? "?",
        quantity: l.quantity,
      })),
      tracking: [],
    });
    this.slips.set(so, list);
  }
}

export class FakeShipments implements AmazonShipmentConfirmations {
  confirmed: { amazonOrderId: string; c: ShipmentConfirmation }[] = [];
  calls = 0;
  /** Errors thrown by the next calls, in order (after Amazon took the package, when `afterStore`). */
  failures: { error: Error; afterStore?: boolean }[] = [];

  async confirm(amazonOrderId: string, c: ShipmentConfirmation): Promise<"confirmed" | "already-confirmed"> {
    this.calls++;
    const f = this.failures.shift();
    if (f && !f.afterStore) throw f.error;
    if (this.confirmed.some((x) => x.amazonOrderId === amazonOrderId && x.c.packageReferenceId === c.packageReferenceId))
      return "already-confirmed";
    this.confirmed.push({ amazonOrderId, c });
    if (f?.afterStore) throw f.error;
    return "confirmed";
  }
}

export class RecordingBus implements MessageBus {
  sent: { queue: string; message: OutgoingMessage }[] = [];
  async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    for (const m of Array.isArray(messages) ? messages : [messages]) this.sent.push({ queue, message: m });
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

export function deps(o: Partial<FulfillmentDeps> = {}) {
  const state = o.state ?? new MemoryStateStore();
  const clock = new ManualClock("2026-11-02T08:00:00Z");
  const amazon = new FakeMcf();
  const d365 = new FakeD365();
  const shipments = new FakeShipments();
  const telemetry = new MemoryTelemetry();
  const bus = new RecordingBus();
  const full: FulfillmentDeps = {
    amazon,
    shipments,
    d365,
    records: new McfRecords(state, () => clock.now()),
    ledger: new ShipmentLedger(state, () => clock.now()),
    rules: RULES,
    skus: SKUS,
    marketplaces: MARKETPLACES,
    carriers: new Carriers(CARRIERS),
    shipmentsEnabled: true,
    bus,
    state,
    queue: "fulfillment-requests",
    clock,
    telemetry,
    monitor: { firstCheckMs: 60_000, maxIntervalMs: 3600_000 },
    ...o,
  };
  return { deps: full, amazon, d365, shipments, clock, state, telemetry, bus };
}

export { ConflictError, ValidationError };
