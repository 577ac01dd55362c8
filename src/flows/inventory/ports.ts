/**
 * The inventory flow's model and ports: what it reads from D365 (on-hand per item and warehouse), what it asks of
 * Amazon (FBM quantities by patch or feed, FBA stock) and the D365 inventory journals it may prepare. The adapters
 * in src/wiring/adapters/ implement them with the connectors; quantities cross these ports as decimal strings
 * (D365) or whole units (Amazon), never as binary fractions.
 */

/** A D365 warehouse by legal entity and id. */
export interface WarehouseKey {
  company: string;
  warehouseId: string;
}

/** One WarehousesOnHandV2 row: an item (with its product dimensions) in a site and warehouse. */
export interface OnHandRow {
  company: string;
  itemNumber: string;
  colorId: string;
  sizeId: string;
  styleId: string;
  configurationId: string;
  siteId: string;
  warehouseId: string;
  /** OnHandQuantity (decimal string). */
  physicalInventory: string;
  /** AvailableOnHandQuantity: on hand less what is reserved (decimal string). */
  availablePhysical: string;
  /** TotalAvailableQuantity: available physical plus available ordered (decimal string). */
  totalAvailable: string;
}

export interface D365OnHand {
  /**
   * Every on-hand row of these warehouses (all pages), or only of these items. Throws when D365 cannot be read
   * completely: the caller never sees part of the answer.
   */
  read(query: { warehouses: readonly WarehouseKey[]; itemNumbers?: readonly string[] }): Promise<OnHandRow[]>;
}

/** One FBM quantity for Amazon (channel DEFAULT). */
export interface QuantityUpdate {
  sellerSku: string;
  /** Whole Amazon units, ≥ 0. */
  quantity: number;
  productType: string;
  leadTimeToShipMaxDays?: number;
}

/** An issue Amazon reported for a listing or a feed message. */
export interface AmazonIssue {
  code: string;
  message: string;
  severity: "ERROR" | "WARNING" | "INFO";
}

export interface QuantityResult {
  sellerSku: string;
  /** Amazon took the quantity (no ERROR issue). */
  accepted: boolean;
  issues: AmazonIssue[];
}

export interface FeedOutcome {
  feedId: string;
  /** DONE: every message has its result; FATAL or CANCELLED: Amazon applied nothing. */
  status: "DONE" | "FATAL" | "CANCELLED";
  results: QuantityResult[];
  /** Amazon's reason when the whole feed was refused (FATAL). */
  error?: string;
}

export interface AmazonFbmQuantities {
  /**
   * patchListingsItem of fulfillment_availability; a refusal is an answer (accepted false), not an exception.
   * `preview`: Amazon only validates (VALIDATION_PREVIEW) and changes nothing.
   */
  patch(marketplaceId: string, update: QuantityUpdate, options?: { preview?: boolean }): Promise<QuantityResult>;
  /** JSON_LISTINGS_FEED with these updates (≤ 10,000) for one marketplace; returns the feed id. */
  submitFeed(marketplaceId: string, updates: readonly QuantityUpdate[]): Promise<string>;
  /** The outcome of a submitted feed, or undefined while Amazon is still processing it. */
  feedOutcome(feedId: string, updates: readonly QuantityUpdate[]): Promise<FeedOutcome | undefined>;
}

/** Amazon's FBA stock of one SKU in one marketplace (whole units). */
export interface FbaStock {
  marketplaceId: string;
  sellerSku: string;
  asin?: string;
  fnSku?: string;
  fulfillable: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  reserved: number;
  unfulfillable: number;
  researching: number;
  /** When Amazon last changed it (ISO 8601), where it says. */
  lastUpdatedTime?: string;
}

export interface AmazonFbaStock {
  /** Every SKU of the marketplace (all pages, with details). */
  summaries(marketplaceId: string): Promise<FbaStock[]>;
}

export type JournalKind = "counting" | "adjustment";

export interface JournalRef {
  kind: JournalKind;
  company: string;
  journalNumber: string;
  posted: boolean;
}

/** One line of a reconciliation journal: Amazon's quantity as counted, or the difference to book. */
export interface JournalLineInput {
  lineNumber: number;
  itemNumber: string;
  warehouseId: string;
  siteId?: string;
  /** Counting journals: the quantity counted (Amazon's, in D365 units; decimal string). */
  countedQuantity: string;
  /** Adjustment journals: the quantity to add (negative to remove; decimal string). */
  adjustmentQuantity: string;
  /** The date of the count (ISO 8601 date-time). */
  date: string;
}

export interface D365InventoryJournals {
  /** The journal with this description (the app's business key), posted or not; undefined when there is none. */
  findByDescription(kind: JournalKind, company: string, description: string): Promise<JournalRef | undefined>;
  /** The journal as D365 has it now (undefined when it was deleted). */
  get(kind: JournalKind, company: string, journalNumber: string): Promise<JournalRef | undefined>;
  createHeader(
    kind: JournalKind,
    header: { company: string; description: string; warehouseId: string; journalNameId?: string },
  ): Promise<JournalRef>;
  /** Line numbers the journal has already (to resume without duplicating). */
  lineNumbers(kind: JournalKind, company: string, journalNumber: string): Promise<Set<number>>;
  addLines(kind: JournalKind, company: string, journalNumber: string, lines: readonly JournalLineInput[]): Promise<void>;
}
