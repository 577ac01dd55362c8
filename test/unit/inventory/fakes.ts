/** Typed builders and in-memory fakes of the inventory flow's ports. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AmazonQuantities } from "../../../src/flows/inventory/fba-compare";
import type { ReconcileDeps } from "../../../src/flows/inventory/fba-reconcile";
import type {
  AmazonFbaStock,
  AmazonFbmQuantities,
  D365InventoryJournals,
  D365OnHand,
  FbaStock,
  FeedOutcome,
  JournalKind,
  JournalLineInput,
  JournalRef,
  OnHandRow,
  QuantityResult,
  QuantityUpdate,
  WarehouseKey,
} from "../../../src/flows/inventory/ports";
import type { PushDeps } from "../../../src/flows/inventory/push";
import { INVENTORY_FILE, InventoryFile } from "../../../src/mapping/inventory";
import { MarketplacesFile } from "../../../src/mapping/marketplaces";
import { Mappings } from "../../../src/mapping/mappings";
import { OrderStatusesFile } from "../../../src/mapping/order-statuses";
import { SkuCrossrefFile } from "../../../src/mapping/sku-crossref";
import { ManualClock } from "../../../src/platform/clock";
import { UnavailableError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";

export const US = "ATVPDKIKX0DER";
export const UK = "A1F83G8C2ARO7P";
export const DE = "A1PA6795UKMFR9";

const market = (marketplaceId: string, customerAccount: string, currency: string, fba: string) => ({
  marketplaceId,
  dataAreaId: "usmf",
  customerAccount,
  currency,
  fulfillment: { AFN: { siteId: "FBA", warehouseId: fba }, MFN: { siteId: "1", warehouseId: "11" } },
  shipping: { as: "ignore" },
  giftWrap: { as: "ignore" },
  tax: { pricesIncludeTax: false, marketplaceFacilitator: "seller-tax-group" },
});

export interface SkuEntry {
  sellerSku: string;
  itemNumber: string;
  unitsPerAmazonUnit?: number;
  marketplaceIds?: string[];
  colorId?: string;
  asin?: string;
  fnsku?: string;
}

/** Mappings with three marketplaces, the given SKUs and inventory.json (undefined: no inventory.json). */
export function inventoryMappings(skus: SkuEntry[], inventory: unknown | undefined): Mappings {
  const files = new Map<string, unknown>();
  if (inventory !== undefined) files.set(INVENTORY_FILE, InventoryFile.parse(inventory));
  return new Mappings(
    MarketplacesFile.parse({
      marketplaces: [market(US, "AMZ-US", "USD", "FBA-US"), market(UK, "AMZ-UK", "GBP", "FBA-UK"), market(DE, "AMZ-DE", "EUR", "FBA-DE")],
    }),
    SkuCrossrefFile.parse({ items: skus }),
    OrderStatusesFile.parse(JSON.parse(readFileSync(join(__dirname, "../../../mappings/order-statuses.json"), "utf8"))),
    files,
  );
}

export function onHand(
  itemNumber: string,
  warehouseId: string,
  q: { onHand?: string; available?: string; total?: string } = {},
): OnHandRow {
  const available = q.available ?? q.onHand ?? "0";
  return {
    company: "usmf",
    itemNumber,
    colorId: "",
    sizeId: "",
    styleId: "",
    configurationId: "",
    siteId: warehouseId.startsWith("FBA") ? "FBA" : "1",
    warehouseId,
    physicalInventory: q.onHand ?? available,
    availablePhysical: available,
    totalAvailable: q.total ?? available,
  };
}

export class FakeOnHand implements D365OnHand {
  rows: OnHandRow[] = [];
  reads: { warehouses: readonly WarehouseKey[]; itemNumbers?: readonly string[] }[] = [];
  failWith?: Error;
  set(itemNumber: string, warehouseId: string, q: { onHand?: string; available?: string; total?: string }): void {
    this.rows = this.rows.filter((r) => !(r.itemNumber === itemNumber && r.warehouseId === warehouseId));
    this.rows.push(onHand(itemNumber, warehouseId, q));
  }
  async read(query: { warehouses: readonly WarehouseKey[]; itemNumbers?: readonly string[] }): Promise<OnHandRow[]> {
    this.reads.push(query);
    if (this.failWith) throw this.failWith;
    const wh = new Set(query.warehouses.map((w) => `${w.company}/${w.warehouseId}`));
    return this.rows.filter(
      (r) => wh.has(`${r.company}/${r.warehouseId}`) && (!query.itemNumbers || query.itemNumbers.includes(r.itemNumber)),
    );
  }
}

/** Amazon's FBM side: listings' quantities, refused SKUs, feeds that finish when told. */
export class FakeFbm implements AmazonFbmQuantities {
  quantities = new Map<string, number>();
  patches: { marketplaceId: string; update: QuantityUpdate; preview?: boolean }[] = [];
  feeds: { feedId: string; marketplaceId: string; updates: readonly QuantityUpdate[]; status: "IN_PROGRESS" | FeedOutcome["status"] }[] =
    [];
  statusCalls = 0;
  /** SKU (in marketplace) -> Amazon's refusal. */
  refuse = new Map<string, { code: string; message: string }>();
  /** Feeds finish after this many status reads (0: at once). */
  feedReadsUntilDone = 0;
  nextFeedStatus: FeedOutcome["status"] = "DONE";
  failPatchWith?: Error;
  key = (mp: string, sku: string) => `${mp}/${sku}`;
  calls(): number {
    return this.patches.length + this.feeds.length + this.statusCalls;
  }
  private answer(mp: string, u: QuantityUpdate, preview = false): QuantityResult {
    const refusal = this.refuse.get(this.key(mp, u.sellerSku));
    if (refusal) return { sellerSku: u.sellerSku, accepted: false, issues: [{ ...refusal, severity: "ERROR" }] };
    if (!preview) this.quantities.set(this.key(mp, u.sellerSku), u.quantity);
    return { sellerSku: u.sellerSku, accepted: true, issues: [] };
  }
  async patch(marketplaceId: string, update: QuantityUpdate, options: { preview?: boolean } = {}): Promise<QuantityResult> {
    if (this.failPatchWith) throw this.failPatchWith;
    this.patches.push({ marketplaceId, update, ...(options.preview ? { preview: true } : {}) });
    return this.answer(marketplaceId, update, options.preview);
  }
  async submitFeed(marketplaceId: string, updates: readonly QuantityUpdate[]): Promise<string> {
    const feedId = `FEED-${this.feeds.length + 1}`;
    this.feeds.push({ feedId, marketplaceId, updates, status: "IN_PROGRESS" });
    return feedId;
  }
  async feedOutcome(feedId: string): Promise<FeedOutcome | undefined> {
    this.statusCalls++;
    const feed = this.feeds.find((f) => f.feedId === feedId)!;
    if (feed.status === "IN_PROGRESS") {
      if (this.feedReadsUntilDone > 0) {
        this.feedReadsUntilDone--;
        return undefined;
      }
      feed.status = this.nextFeedStatus;
    }
    if (feed.status !== "DONE") return { feedId, status: feed.status, results: [], error: "4000000 The feed could not be processed" };
    return { feedId, status: "DONE", results: feed.updates.map((u) => this.answer(feed.marketplaceId, u)) };
  }
}

export function stock(
  marketplaceId: string,
  sellerSku: string,
  q: Partial<AmazonQuantities> = {},
  ids: { asin?: string; fnSku?: string } = {},
): FbaStock {
  return {
    marketplaceId,
    sellerSku,
    ...ids,
    fulfillable: 0,
    inboundWorking: 0,
    inboundShipped: 0,
    inboundReceiving: 0,
    reserved: 0,
    unfulfillable: 0,
    researching: 0,
    ...q,
  };
}

export class FakeFbaStock implements AmazonFbaStock {
  rows: FbaStock[] = [];
  failWith?: Error;
  calls = 0;
  async summaries(marketplaceId: string): Promise<FbaStock[]> {
    this.calls++;
    if (this.failWith) throw this.failWith;
    return this.rows.filter((r) => r.marketplaceId === marketplaceId);
  }
}

export class FakeJournals implements D365InventoryJournals {
  journals: (JournalRef & { description: string; warehouseId: string; lines: JournalLineInput[] })[] = [];
  /** Fail addLines this many times (a crash between header and lines). */
  failAddLines = 0;
  async findByDescription(kind: JournalKind, company: string, description: string): Promise<JournalRef | undefined> {
    return this.journals.find((j) => j.kind === kind && j.company === company && j.description === description);
  }
  async get(kind: JournalKind, company: string, journalNumber: string): Promise<JournalRef | undefined> {
    return this.journals.find((j) => j.kind === kind && j.company === company && j.journalNumber === journalNumber);
  }
  async createHeader(kind: JournalKind, h: { company: string; description: string; warehouseId: string }): Promise<JournalRef> {
    const j = {
      kind,
      company: h.company,
      journalNumber: `INVJ-${String(this.journals.length + 1).padStart(6, "0")}`,
      posted: false,
      description: h.description,
      warehouseId: h.warehouseId,
      lines: [],
    };
    this.journals.push(j);
    return j;
  }
  async lineNumbers(kind: JournalKind, company: string, journalNumber: string): Promise<Set<number>> {
    const j = this.journals.find((x) => x.kind === kind && x.company === company && x.journalNumber === journalNumber);
    return new Set(j?.lines.map((l) => l.lineNumber) ?? []);
  }
  async addLines(kind: JournalKind, company: string, journalNumber: string, lines: readonly JournalLineInput[]): Promise<void> {
    const j = this.journals.find((x) => x.kind === kind && x.company === company && x.journalNumber === journalNumber)!;
    for (const l of lines) {
      if (this.failAddLines > 0) {
        this.failAddLines--;
        throw new UnavailableError("d365.unreachable", "D365 went away while writing lines");
      }
      j.lines.push(l);
    }
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

export const REVIEW_QUEUE = "inventory-sync";

export function pushDeps(mappings: Mappings, over: Partial<Omit<PushDeps, "options">> & { options?: Partial<PushDeps["options"]> } = {}) {
  const d365 = new FakeOnHand();
  const amazon = new FakeFbm();
  const state = new MemoryStateStore();
  const clock = new ManualClock("2026-03-02T10:00:00Z");
  const telemetry = new MemoryTelemetry();
  const deps: PushDeps = {
    d365,
    amazon,
    mappings,
    state,
    blobs: new MemoryBlobStore(),
    clock,
    telemetry,
    ...over,
    options: {
      defaultCompany: "usmf",
      feedThreshold: 3,
      feedWaitMs: 60_000,
      feedPollMs: 5_000,
      reviewQueue: REVIEW_QUEUE,
      ...over.options,
    },
  };
  return { deps, d365, amazon, state, clock, telemetry };
}

export function reconcileDeps(mappings: Mappings, state = new MemoryStateStore()) {
  const amazon = new FakeFbaStock();
  const d365 = new FakeOnHand();
  const journals = new FakeJournals();
  const clock = new ManualClock("2026-03-02T10:00:00Z");
  const telemetry = new MemoryTelemetry();
  const deps: ReconcileDeps = { amazon, d365, journals, mappings, state, clock, telemetry, options: { defaultCompany: "usmf" } };
  return { deps, amazon, d365, journals, state, clock, telemetry };
}
