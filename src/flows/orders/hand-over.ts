/**
 * Handing orders over for import: the catch-up, the manual sync and the backfill put the orders they found on
 * the order import queue through here.
 *
 * 1. The hand-over is recorded in the ledger first (OrderLedger.handOver): from then on the sweeper
 *    re-enqueues the order if its message is lost, so a caller may move its watermark once this is done
 *    (the crash that lost orders: the catch-up had moved it while its messages were only in memory).
 * 2. Then the messages: one per order while few orders come (the fast path, each imported on its own), or,
 *    once a run has found `bulk.minOrders`, one BULK message per `bulk.groupSize` orders. A bulk's orders are
 *    in a blob (content-addressed; the message holds the reference), and the bulk import writes a whole group
 *    to D365 with three requests (import-orders-bulk.ts).
 *
 * Why the backlog reaches the bulk path here, where the orders are found, and not through a batch trigger
 * (`cardinality: "many"`) on the queue: the catch-up and the backfill know how many orders they hand over
 * and hold what the import needs of each (the listing rows), so a group costs no extra SP-API call; the
 * single messages keep their own settlement (one parked or retried message per order), which a batch
 * trigger gives up (it completes or abandons the whole batch); and neither the Azure binding nor the local
 * bus has to change. Orders that reach the queue one by one during an outage (notifications) are still
 * written one by one.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../platform/clock";
import type { BlobStore, MessageBus, OutgoingMessage } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import type { OrderLedger } from "./ledger";
import { type OrderBulkImportMessage, type OrderImportMessage, type OrderImportSource, toOrderImportMessage } from "./messages";

/** The blob container of bulk imports. */
export const BULK_CONTAINER = "orders-bulk";

export interface BulkOptions {
  /** A run that hands over at least this many orders sends them in bulk (setting ORDERS_BULK_MIN_ORDERS). */
  minOrders: number;
  /** Orders per bulk message (setting ORDERS_BULK_GROUP_SIZE). */
  groupSize: number;
}

export interface HandOverDeps {
  ledger: Pick<OrderLedger, "handOver">;
  bus: MessageBus;
  queue: string;
  /** Where bulk groups are stored; without it every order goes as a single message. */
  blobs?: BlobStore;
  clock: Clock;
  telemetry: Telemetry;
}

export interface HandOverCounts {
  singles: number;
  bulks: number;
  inBulk: number;
}

const SEND_CHUNK = 100;

/**
 * Collects a run's orders and hands them over: `add` each one, then `finish`. A group is written as soon as
 * it is full, so a long listing hands over as it goes.
 */
export class OrderHandOverBatch {
  private readonly pending: OrderImportMessage[] = [];
  private bulkMode = false;
  readonly counts: HandOverCounts = { singles: 0, bulks: 0, inBulk: 0 };

  constructor(
    private readonly deps: HandOverDeps,
    private readonly opts: {
      source: OrderImportSource;
      bulk?: BulkOptions;
      /** Tag of single message ids (default: the source). */
      tag?: string;
    },
  ) {}

  private get groupSize(): number {
    return Math.max(1, this.opts.bulk?.groupSize ?? Number.POSITIVE_INFINITY);
  }

  async add(message: OrderImportMessage): Promise<void> {
    this.pending.push(message);
    if (this.opts.bulk && this.deps.blobs && this.pending.length >= this.groupSize) {
      this.bulkMode = true;
      await this.flushBulk(this.pending.splice(0, this.groupSize));
    } else if (!this.opts.bulk && this.pending.length >= SEND_CHUNK) {
      await this.flushSingles(this.pending.splice(0, this.pending.length));
    }
  }

  /** Hands over what is left: in bulk when the run found enough, else one message per order. */
  async finish(): Promise<HandOverCounts> {
    const bulk = this.opts.bulk;
    if (bulk && this.deps.blobs && (this.bulkMode || this.pending.length >= bulk.minOrders)) {
      while (this.pending.length) await this.flushBulk(this.pending.splice(0, this.groupSize));
    } else {
      await this.flushSingles(this.pending.splice(0, this.pending.length));
    }
    return this.counts;
  }

  private async record(messages: OrderImportMessage[]): Promise<void> {
    await this.deps.ledger.handOver(
      messages.map((m) => ({ amazonOrderId: m.amazonOrderId, lastUpdate: m.lastUpdate, marketplaceId: m.marketplaceId, source: m.source })),
      this.deps.clock.now(),
    );
  }

  private async flushSingles(messages: OrderImportMessage[]): Promise<void> {
    if (!messages.length) return;
    await this.record(messages);
    const out: OutgoingMessage[] = messages.map((m) =>
      toOrderImportMessage(m, m.lastUpdate ?? this.deps.clock.now().toISOString(), this.opts.tag),
    );
    for (let i = 0; i < out.length; i += SEND_CHUNK) await this.deps.bus.send(this.deps.queue, out.slice(i, i + SEND_CHUNK));
    this.counts.singles += messages.length;
  }

  private async flushBulk(messages: OrderImportMessage[]): Promise<void> {
    if (!messages.length) return;
    await this.record(messages);
    const content = JSON.stringify({ orders: messages });
    const hash = createHash("sha256").update(content).digest("hex");
    const name = `${this.opts.source}/${hash}.json`;
    await this.deps.blobs!.put(BULK_CONTAINER, name, new TextEncoder().encode(content), "application/json");
    const body: OrderBulkImportMessage = { bulk: { container: BULK_CONTAINER, name }, orders: messages.length, source: this.opts.source };
    // The same group again (a catch-up overlap re-read) has the same content, hence the same id: dropped as a duplicate.
    await this.deps.bus.send(this.deps.queue, {
      messageId: `bulk#${hash.slice(0, 40)}`,
      body,
      subject: "order-import-bulk",
      applicationProperties: { orders: messages.length, source: this.opts.source },
    });
    this.counts.bulks++;
    this.counts.inBulk += messages.length;
    this.deps.telemetry.metric("orders.handOver.bulk", messages.length, { source: this.opts.source });
  }
}
