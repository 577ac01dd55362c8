/**
 * What the FBM push keeps in state:
 * - table "inventoryPushed", per (marketplace, SellerSKU) in bucket rows (bucket-store.ts): the quantity Amazon last
 *   took, when and how (patch or feed), and the last refusal (quantity, Amazon's code and message) so that a
 *   refused quantity is not sent again until it changes or a person asks (a replay, a single-SKU sync);
 * - table "inventoryFeeds", one row per marketplace while a quantity feed is being processed by Amazon, with the
 *   updates it carries in blob container "inventory-feeds" (too large for a table row); the run that finds it
 *   finished (or the FEED_PROCESSING_FINISHED notification) applies its outcome and removes the row;
 * - table "inventoryPush", row "lease": one full push at a time (HTTP, queue and timer may start one together).
 * Partition keys are marketplace ids. No buyer data is involved.
 */
import type { Clock } from "../../platform/clock";
import { ConcurrencyError, ConflictError } from "../../platform/errors";
import type { BlobStore, StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import { BucketStore } from "./bucket-store";
import type { QuantityUpdate } from "./ports";

export const PUSHED_TABLE = "inventoryPushed";
export const FEEDS_TABLE = "inventoryFeeds";
export const PUSH_TABLE = "inventoryPush";
export const FEEDS_CONTAINER = "inventory-feeds";

export interface Refusal {
  quantity: number;
  at: Date;
  code: string;
  message: string;
}

export interface PushedState {
  sellerSku: string;
  itemNumber?: string;
  /** The quantity Amazon last took (undefined: never pushed, or only refused). */
  quantity?: number;
  pushedAt?: Date;
  via?: "patch" | "feed";
  feedId?: string;
  refused?: Refusal;
}

/** How a SKU's state is kept inside its bucket row (dates as ISO strings). */
interface PushedEntry {
  itemNumber?: string;
  quantity?: number;
  pushedAt?: string;
  via?: "patch" | "feed";
  feedId?: string;
  refused?: { quantity: number; at: string; code: string; message: string };
}

function toState(sellerSku: string, e: PushedEntry): PushedState {
  return {
    sellerSku,
    ...(e.itemNumber ? { itemNumber: e.itemNumber } : {}),
    ...(e.quantity !== undefined ? { quantity: e.quantity } : {}),
    ...(e.pushedAt ? { pushedAt: new Date(e.pushedAt) } : {}),
    ...(e.via ? { via: e.via } : {}),
    ...(e.feedId ? { feedId: e.feedId } : {}),
    ...(e.refused ? { refused: { ...e.refused, at: new Date(e.refused.at) } } : {}),
  };
}

function toEntry(s: PushedState): PushedEntry {
  return {
    ...(s.itemNumber ? { itemNumber: s.itemNumber } : {}),
    ...(s.quantity !== undefined ? { quantity: s.quantity } : {}),
    ...(s.pushedAt ? { pushedAt: s.pushedAt.toISOString() } : {}),
    ...(s.via ? { via: s.via } : {}),
    ...(s.feedId ? { feedId: s.feedId } : {}),
    ...(s.refused
      ? {
          refused: {
            quantity: s.refused.quantity,
            at: s.refused.at.toISOString(),
            code: s.refused.code.slice(0, 100),
            // Amazon's messages are short; a long one must not make the bucket row too large.
            message: s.refused.message.slice(0, 1000),
          },
        }
      : {}),
  };
}

const pushed = (state: StateStore) => new BucketStore<PushedEntry>(state, PUSHED_TABLE);

/** The last pushed state of these SKUs (all of the marketplace when `skus` is absent or long). */
export async function readPushed(state: StateStore, marketplaceId: string, skus?: readonly string[]): Promise<Map<string, PushedState>> {
  const entries =
    skus && skus.length <= 20 ? await pushed(state).readSome(marketplaceId, skus) : await pushed(state).readAll(marketplaceId);
  const wanted = skus ? new Set(skus) : undefined;
  const out = new Map<string, PushedState>();
  for (const [sku, e] of entries) if (!wanted || wanted.has(sku)) out.set(sku, toState(sku, e));
  return out;
}

/** Writes these SKUs' state (rows of other SKUs in the same buckets are kept). */
export async function writePushed(state: StateStore, marketplaceId: string, rows: readonly PushedState[]): Promise<void> {
  await pushed(state).write(marketplaceId, new Map(rows.map((r) => [r.sellerSku, toEntry(r)])));
}

// ---------------------------------------------------------------------------------------------------------
// Feeds being processed

export interface PendingFeed {
  marketplaceId: string;
  feedId: string;
  submittedAt: Date;
  messages: number;
  blobName: string;
}

interface PendingFeedRow extends StateEntity {
  marketplaceId: string;
  feedId: string;
  submittedAt: Date;
  messages: number;
  blobName: string;
}

/** What a feed carried: the updates (in message order) and each SKU's item. */
export interface FeedContent {
  marketplaceId: string;
  feedId: string;
  updates: QuantityUpdate[];
  itemNumbers: Record<string, string>;
}

const PENDING = "pending";

export async function getPendingFeed(state: StateStore, marketplaceId: string): Promise<{ feed: PendingFeed; etag: string } | undefined> {
  const row = await state.get<PendingFeedRow>(FEEDS_TABLE, PENDING, safeKey(marketplaceId));
  if (!row) return undefined;
  const e = row.entity;
  return {
    feed: {
      marketplaceId: e.marketplaceId,
      feedId: e.feedId,
      submittedAt: e.submittedAt,
      messages: Number(e.messages),
      blobName: e.blobName,
    },
    etag: row.etag,
  };
}

export async function listPendingFeeds(state: StateStore): Promise<PendingFeed[]> {
  const out: PendingFeed[] = [];
  for await (const row of state.query<PendingFeedRow>(FEEDS_TABLE, { partitionKey: PENDING })) {
    const e = row.entity;
    out.push({
      marketplaceId: e.marketplaceId,
      feedId: e.feedId,
      submittedAt: e.submittedAt,
      messages: Number(e.messages),
      blobName: e.blobName,
    });
  }
  return out;
}

/** Keeps the feed's content (blob) and marks it pending for its marketplace. */
export async function savePendingFeed(state: StateStore, blobs: BlobStore, content: FeedContent, clock: Clock): Promise<PendingFeed> {
  const blobName = `${safeKey(content.marketplaceId)}/${safeKey(content.feedId)}.json`;
  await blobs.put(FEEDS_CONTAINER, blobName, new TextEncoder().encode(JSON.stringify(content)), "application/json");
  const feed: PendingFeed = {
    marketplaceId: content.marketplaceId,
    feedId: content.feedId,
    submittedAt: clock.now(),
    messages: content.updates.length,
    blobName,
  };
  await state.upsert(FEEDS_TABLE, { partitionKey: PENDING, rowKey: safeKey(content.marketplaceId), ...feed });
  return feed;
}

export async function readFeedContent(blobs: BlobStore, feed: PendingFeed): Promise<FeedContent | undefined> {
  const bytes = await blobs.get(FEEDS_CONTAINER, feed.blobName);
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as FeedContent) : undefined;
}

/** Removes the pending mark if it is still the one read (another settler may have removed it). */
export async function clearPendingFeed(state: StateStore, marketplaceId: string, etag: string): Promise<void> {
  await state.delete(FEEDS_TABLE, PENDING, safeKey(marketplaceId), etag).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------------------
// One full push at a time

interface LeaseRow extends StateEntity {
  holder: string;
  until: Date;
  since: Date;
}

const LEASE = "lease";

/**
 * Takes the push lease for `ms` (a crashed holder's lease expires). Returns a release function, or the time the
 * current holder started when someone else holds it.
 */
export async function takePushLease(
  state: StateStore,
  holder: string,
  ms: number,
  clock: Clock,
): Promise<{ release: () => Promise<void> } | { heldSince: Date }> {
  const now = clock.now();
  const row: LeaseRow = { partitionKey: LEASE, rowKey: LEASE, holder, since: now, until: new Date(now.getTime() + ms) };
  const current = await state.get<LeaseRow>(PUSH_TABLE, LEASE, LEASE);
  let etag: string;
  try {
    if (!current) etag = await state.insert(PUSH_TABLE, row);
    else if (current.entity.until.getTime() <= now.getTime()) etag = await state.replace(PUSH_TABLE, row, current.etag);
    else return { heldSince: current.entity.since };
  } catch (err) {
    // Another instance took it between our read and our write.
    if (err instanceof ConflictError || err instanceof ConcurrencyError) {
      const now2 = await state.get<LeaseRow>(PUSH_TABLE, LEASE, LEASE);
      return { heldSince: now2?.entity.since ?? now };
    }
    throw err;
  }
  return { release: () => state.delete(PUSH_TABLE, LEASE, LEASE, etag).catch(() => undefined) };
}
