/**
 * Use case: push FBM quantities from D365 to Amazon.
 *
 * 1. Read on-hand of every warehouse that feeds a channel (or of the items asked for). When D365 cannot be read
 *    completely, stop: nothing is pushed, the last pushed quantities stay on Amazon, the run is recorded as failed
 *    and `inventory.d365Unavailable` is raised (an alert). A feeding warehouse that answers with no row at all is
 *    treated the same way unless inventory.json allows it (a wrong company or warehouse id would push zeros).
 * 2. Allocate per channel and SKU by the rules of mappings/inventory.json (allocation.ts).
 * 3. Compare with the last quantity Amazon took (state): only changes go out, so a quiet catalogue costs no SP-API
 *    call. A quantity Amazon refused is not sent again until it changes (or a replay / single-SKU sync forces it).
 *    SKUs Amazon lists as FBA in the marketplace are never sent (a DEFAULT quantity would make them FBM).
 * 4. Few changes (≤ INVENTORY_FEED_THRESHOLD): one patchListingsItem each. More: JSON_LISTINGS_FEED (≤ 10,000
 *    messages per feed, one feed per marketplace at a time), waited for up to INVENTORY_FEED_WAIT_SECONDS; a feed
 *    still processing is finished by the next run or by FEED_PROCESSING_FINISHED (settleFeed). Per-SKU refusals
 *    become review items (parked messages with Amazon's code and message; replaying one pushes the SKU again). A
 *    feed Amazon refuses whole (FATAL, CANCELLED) changes no last-pushed quantity, so the next run sends it again.
 */
import type { Mappings } from "../../mapping/mappings";
import { inventoryFile } from "../../mapping/inventory";
import type { Clock } from "../../platform/clock";
import { NotFoundError, ValidationError, describeError } from "../../platform/errors";
import { parkMessage, removeParked } from "../../platform/parked-messages";
import type { BlobStore, StateStore } from "../../platform/ports";
import { type RunOutcome, recordRun } from "../../platform/run-records";
import type { Telemetry } from "../../platform/telemetry";
import { allocate, type ExcludedSku, feedingWarehouses, resolveChannels, type SkuTarget, warehouseKey } from "./allocation";
import { knownFbaSkus } from "./fba-records";
import type { InventoryMessage } from "./messages";
import type { AmazonFbmQuantities, D365OnHand, OnHandRow, QuantityResult, QuantityUpdate } from "./ports";
import {
  clearPendingFeed,
  type FeedContent,
  getPendingFeed,
  type PushedState,
  readFeedContent,
  readPushed,
  savePendingFeed,
  takePushLease,
  writePushed,
} from "./push-records";
import { writePushSummary } from "./status-page";

export const PUSH_FLOW = "inventory-push";
export const PUSH_SKU_FLOW = "inventory-push-sku";
/** Amazon: at most 10,000 messages in one JSON_LISTINGS_FEED. */
export const FEED_MAX_MESSAGES = 10_000;
/** A full push holds the lease at most this long (a crashed run's lease expires). */
const LEASE_MS = 30 * 60_000;

export type PushTrigger = "timer" | "http" | "event" | "replay" | "notification";

export interface PushOptions {
  /** Legal entity where neither inventory.json nor marketplaces.json names one (D365_COMPANY). */
  defaultCompany: string;
  /** More changed SKUs than this in a marketplace go as a feed (INVENTORY_FEED_THRESHOLD). */
  feedThreshold: number;
  /** How long a run waits for its feed (INVENTORY_FEED_WAIT_SECONDS, in ms). */
  feedWaitMs: number;
  /** Between two feed status reads (INVENTORY_FEED_POLL_SECONDS, in ms). */
  feedPollMs: number;
  /** The inventory queue: review items are parked there, and a replay sends the SKU's push to it. */
  reviewQueue: string;
}

export interface PushDeps {
  d365: D365OnHand;
  amazon: AmazonFbmQuantities;
  mappings: Mappings;
  state: StateStore;
  blobs: BlobStore;
  clock: Clock;
  telemetry: Telemetry;
  options: PushOptions;
}

export interface PushRequest {
  /** One SKU (in every channel that has it, or in `marketplaceIds`). */
  sellerSku?: string;
  /** Only the SKUs of these items (a D365 business event). */
  itemNumbers?: string[];
  marketplaceIds?: string[];
  /** Send even what equals the last pushed quantity or was refused before (single-SKU syncs, replays). */
  force?: boolean;
  /**
   * Single SKU only: compute the quantities and let Amazon validate them (VALIDATION_PREVIEW) without changing the
   * listing; nothing is recorded and no review item is made.
   */
  preview?: boolean;
  trigger: PushTrigger;
}

export interface RefusedSku {
  sellerSku: string;
  quantity: number;
  code: string;
  message: string;
}

export interface MarketplacePush {
  marketplaceId: string;
  ok: boolean;
  /** SKUs the rules give a quantity for. */
  skus: number;
  unchanged: number;
  changed: number;
  path: "none" | "patch" | "feed";
  accepted: number;
  refused: RefusedSku[];
  /** Refused before at the same quantity: not sent again. */
  heldBack: number;
  /** Amazon lists them as FBA in this marketplace: never sent. */
  skippedFba: string[];
  excluded: number;
  feed?: { feedId: string; status: "pending" | "DONE" | "FATAL" | "CANCELLED"; messages: number; error?: string };
  /** A feed of an earlier run still being processed: this marketplace waits for it. */
  waitingForFeed?: string;
  /** The quantities pushed (single-SKU syncs only). */
  quantities?: { sellerSku: string; quantity: number; pool: string }[];
  error?: string;
}

export interface PushResult {
  outcome: RunOutcome | "not-configured";
  trigger: PushTrigger;
  startedAt: string;
  finishedAt: string;
  d365?: { rows: number; warehouses: number };
  marketplaces: MarketplacePush[];
  unmappedItems: { count: number; first: string[] };
  excluded: { count: number; first: ExcludedSku[] };
  /** Another full push holds the lease (since then): nothing was done. */
  busySince?: string;
  error?: string;
}

function emptyMarketplace(marketplaceId: string): MarketplacePush {
  return {
    marketplaceId,
    ok: true,
    skus: 0,
    unchanged: 0,
    changed: 0,
    path: "none",
    accepted: 0,
    refused: [],
    heldBack: 0,
    skippedFba: [],
    excluded: 0,
  };
}

/** The review item (parked message) of a refused SKU; replaying it pushes the SKU again. */
export function reviewMessageId(marketplaceId: string, sellerSku: string): string {
  return `inventory:${marketplaceId}:${sellerSku}`;
}

function updateOf(t: SkuTarget): QuantityUpdate {
  return {
    sellerSku: t.sellerSku,
    quantity: t.quantity,
    productType: t.productType,
    ...(t.leadTimeToShipMaxDays !== undefined ? { leadTimeToShipMaxDays: t.leadTimeToShipMaxDays } : {}),
  };
}

function firstError(r: QuantityResult): { code: string; message: string } {
  const e = r.issues.find((i) => i.severity === "ERROR") ?? r.issues[0];
  return { code: e?.code ?? "unknown", message: e?.message ?? "Amazon did not accept the quantity and gave no reason" };
}

export async function pushInventory(request: PushRequest, deps: PushDeps): Promise<PushResult> {
  const startedAt = deps.clock.now();
  const single = request.sellerSku !== undefined || request.itemNumbers !== undefined;
  if (request.preview && request.sellerSku === undefined)
    throw new ValidationError("inventory.previewNeedsSku", "A preview validates one SKU: name the SellerSKU", { where: "sellerSku" });
  const result: PushResult = {
    outcome: "succeeded",
    trigger: request.trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    marketplaces: [],
    unmappedItems: { count: 0, first: [] },
    excluded: { count: 0, first: [] },
  };
  const rules = inventoryFile(deps.mappings)?.fbm;
  if (!rules?.enabled) {
    result.outcome = "not-configured";
    return result;
  }
  let channels = resolveChannels(rules, deps.mappings, deps.options.defaultCompany);
  if (request.marketplaceIds) channels = channels.filter((c) => request.marketplaceIds!.includes(c.marketplaceId));
  if (request.sellerSku !== undefined) {
    const sku = request.sellerSku;
    const withSku = channels.filter(
      (c) => deps.mappings.sku(sku, c.marketplaceId) && deps.mappings.skuFile.items.some((i) => i.sellerSku === sku),
    );
    if (!withSku.length)
      throw new NotFoundError(
        "inventory.skuUnknown",
        `SellerSKU ${sku} is not in mappings/sku-crossref.json for any FBM channel of inventory.json`,
        {
          where: "sellerSku",
        },
      );
    channels = withSku;
  }
  const itemNumbers =
    request.sellerSku !== undefined
      ? [...new Set(channels.map((c) => deps.mappings.sku(request.sellerSku!, c.marketplaceId)!.itemNumber))]
      : request.itemNumbers;

  let release: (() => Promise<void>) | undefined;
  if (!single) {
    const lease = await takePushLease(deps.state, `${request.trigger}@${startedAt.toISOString()}`, LEASE_MS, deps.clock);
    if ("heldSince" in lease) {
      result.outcome = "skipped";
      result.busySince = lease.heldSince.toISOString();
      return result;
    }
    release = lease.release;
  }
  try {
    const warehouses = feedingWarehouses(channels);
    let rows: OnHandRow[];
    try {
      rows = await deps.d365.read({ warehouses, ...(itemNumbers ? { itemNumbers } : {}) });
      if (!itemNumbers && rules.emptyWarehouse === "stop") {
        const answered = new Set(rows.map((r) => warehouseKey(r)));
        const empty = warehouses.filter((w) => !answered.has(warehouseKey(w)));
        if (empty.length)
          throw new ValidationError(
            "inventory.emptyWarehouse",
            `D365 has no on-hand row in ${empty.map((w) => `${w.company}/${w.warehouseId}`).join(", ")}: check the warehouse ids and ` +
              `legal entities in mappings/inventory.json (set fbm.emptyWarehouse to "allow" if the warehouse is really empty)`,
            { where: "inventory.json: $.fbm.channels" },
          );
      }
    } catch (err) {
      return await stopOnD365(err, channels, result, request, deps, single);
    }
    result.d365 = { rows: rows.length, warehouses: warehouses.length };
    const allocation = allocate({
      fbm: rules,
      channels,
      rows,
      mappings: deps.mappings,
      ...(request.sellerSku !== undefined ? { only: { sellerSkus: [request.sellerSku] } } : itemNumbers ? { only: { itemNumbers } } : {}),
    });
    result.unmappedItems = { count: allocation.unmappedItems.length, first: allocation.unmappedItems.slice(0, 100) };
    result.excluded = { count: allocation.excluded.length, first: allocation.excluded.slice(0, 100) };

    for (const channel of channels) {
      const mp = await pushMarketplace(
        channel.marketplaceId,
        allocation.targets.filter((t) => t.marketplaceId === channel.marketplaceId),
        allocation.excluded.filter((e) => e.marketplaceId === channel.marketplaceId).length,
        request,
        deps,
        single,
      );
      result.marketplaces.push(mp);
    }
    const failed = result.marketplaces.filter((m) => !m.ok).length;
    result.outcome = failed === 0 ? "succeeded" : failed === result.marketplaces.length ? "failed" : "partial";
    result.finishedAt = deps.clock.now().toISOString();
    for (const mp of request.preview ? [] : result.marketplaces) {
      await recordRun(deps.state, {
        flow: single ? PUSH_SKU_FLOW : PUSH_FLOW,
        scope: mp.marketplaceId,
        startedAt,
        finishedAt: deps.clock.now(),
        outcome: !mp.ok ? (mp.accepted ? "partial" : "failed") : mp.waitingForFeed ? "skipped" : "succeeded",
        counts: {
          skus: mp.skus,
          changed: mp.changed,
          accepted: mp.accepted,
          refused: mp.refused.length,
          heldBack: mp.heldBack,
          feeds: mp.feed ? 1 : 0,
        },
        ...(mp.error ? { error: mp.error } : {}),
      });
    }
    if (!single) await writePushSummary(deps.state, result);
    deps.telemetry.log("info", "inventory.pushed", {
      trigger: request.trigger,
      outcome: result.outcome,
      marketplaces: result.marketplaces.map((m) => ({
        marketplaceId: m.marketplaceId,
        changed: m.changed,
        path: m.path,
        accepted: m.accepted,
      })),
    });
    return result;
  } finally {
    await release?.();
  }
}

async function stopOnD365(
  err: unknown,
  channels: { marketplaceId: string }[],
  result: PushResult,
  request: PushRequest,
  deps: PushDeps,
  single: boolean,
): Promise<PushResult> {
  const error = describeError(err);
  result.outcome = "failed";
  result.error = `D365 on-hand could not be read, nothing was pushed (Amazon keeps the last pushed quantities): ${error}`;
  result.finishedAt = deps.clock.now().toISOString();
  result.marketplaces = channels.map((c) => ({ ...emptyMarketplace(c.marketplaceId), ok: false, error: result.error }));
  deps.telemetry.event("inventory.d365Unavailable", { trigger: request.trigger, error });
  for (const c of channels) {
    await recordRun(deps.state, {
      flow: single ? PUSH_SKU_FLOW : PUSH_FLOW,
      scope: c.marketplaceId,
      startedAt: new Date(result.startedAt),
      finishedAt: deps.clock.now(),
      outcome: "failed",
      error: result.error,
    });
  }
  if (!single) await writePushSummary(deps.state, result);
  return result;
}

async function pushMarketplace(
  marketplaceId: string,
  targets: SkuTarget[],
  excluded: number,
  request: PushRequest,
  deps: PushDeps,
  single: boolean,
): Promise<MarketplacePush> {
  const mp = emptyMarketplace(marketplaceId);
  mp.excluded = excluded;
  try {
    // A feed of an earlier run first: its quantities would land after ours.
    const pending = await settlePendingFeed(marketplaceId, deps, 0);
    if (pending?.status === "pending") {
      mp.waitingForFeed = pending.feedId;
      mp.skus = targets.length;
      return mp;
    }
    const fba = await knownFbaSkus(deps.state, marketplaceId);
    const eligible = targets.filter((t) => {
      if (!fba.has(t.sellerSku)) return true;
      mp.skippedFba.push(t.sellerSku);
      return false;
    });
    mp.skus = eligible.length;
    if (single) mp.quantities = eligible.map((t) => ({ sellerSku: t.sellerSku, quantity: t.quantity, pool: t.pool }));
    const last = await readPushed(deps.state, marketplaceId, single ? eligible.map((t) => t.sellerSku) : undefined);
    const changed: SkuTarget[] = [];
    for (const t of eligible) {
      const before = last.get(t.sellerSku);
      if (!request.force && before?.quantity === t.quantity) mp.unchanged++;
      else if (!request.force && before?.refused?.quantity === t.quantity) mp.heldBack++;
      else changed.push(t);
    }
    mp.changed = changed.length;
    if (!changed.length) return mp;
    if (request.preview) {
      mp.path = "patch";
      for (const t of changed) {
        const r = await deps.amazon.patch(marketplaceId, updateOf(t), { preview: true });
        if (r.accepted) mp.accepted++;
        else mp.refused.push({ sellerSku: t.sellerSku, quantity: t.quantity, ...firstError(r) });
      }
      return mp;
    }
    if (changed.length <= deps.options.feedThreshold) {
      mp.path = "patch";
      await patchAll(marketplaceId, changed, last, mp, deps);
    } else {
      mp.path = "feed";
      await feedAll(marketplaceId, changed, mp, deps);
    }
  } catch (err) {
    mp.ok = false;
    mp.error = describeError(err);
    deps.telemetry.log("warn", "inventory.push.failed", { marketplaceId, error: mp.error });
  }
  return mp;
}

async function patchAll(
  marketplaceId: string,
  changed: SkuTarget[],
  last: Map<string, PushedState>,
  mp: MarketplacePush,
  deps: PushDeps,
): Promise<void> {
  const done: { target: SkuTarget; result: QuantityResult }[] = [];
  try {
    for (const t of changed) {
      let r: QuantityResult;
      try {
        r = await deps.amazon.patch(marketplaceId, updateOf(t));
      } catch (err) {
        // Amazon refused the request itself (400): that SKU's answer, not the run's.
        if (!(err instanceof ValidationError)) throw err;
        r = { sellerSku: t.sellerSku, accepted: false, issues: [{ code: err.code, message: err.message, severity: "ERROR" }] };
      }
      done.push({ target: t, result: r });
    }
  } finally {
    // What Amazon answered is kept even when a later call failed (throttled, down): those are sent next run.
    await applyResults(marketplaceId, done, last, "patch", undefined, mp, deps);
  }
}

async function feedAll(marketplaceId: string, changed: SkuTarget[], mp: MarketplacePush, deps: PushDeps): Promise<void> {
  for (let i = 0; i < changed.length; i += FEED_MAX_MESSAGES) {
    const chunk = changed.slice(i, i + FEED_MAX_MESSAGES);
    const updates = chunk.map(updateOf);
    const feedId = await deps.amazon.submitFeed(marketplaceId, updates);
    const content: FeedContent = {
      marketplaceId,
      feedId,
      updates,
      itemNumbers: Object.fromEntries(chunk.map((t) => [t.sellerSku, t.itemNumber])),
    };
    await savePendingFeed(deps.state, deps.blobs, content, deps.clock);
    deps.telemetry.log("info", "inventory.feedSubmitted", { marketplaceId, feedId, messages: updates.length });
    const settled = await settlePendingFeed(marketplaceId, deps, deps.options.feedWaitMs, content);
    mp.feed = {
      feedId,
      status: settled?.status === "settled" ? settled.outcome.status : "pending",
      messages: updates.length,
      ...(settled?.status === "settled" && settled.outcome.error ? { error: settled.outcome.error } : {}),
    };
    if (settled?.status === "settled") {
      mp.accepted += settled.accepted;
      mp.refused.push(...settled.refused);
      if (settled.outcome.status !== "DONE") {
        mp.ok = false;
        const why = settled.outcome.error ?? "no reason given";
        mp.error = `Amazon did not process feed ${feedId} (${settled.outcome.status}): ${why}; the quantities are sent again next run`;
        return;
      }
    } else {
      // Still processing: the next run or FEED_PROCESSING_FINISHED finishes it; later chunks wait for that.
      return;
    }
  }
}

/** Writes what Amazon answered: accepted quantities, refusals (review items), cleared review items. */
async function applyResults(
  marketplaceId: string,
  done: { target: Pick<SkuTarget, "sellerSku" | "itemNumber" | "quantity">; result: QuantityResult }[],
  last: Map<string, PushedState>,
  via: "patch" | "feed",
  feedId: string | undefined,
  mp: MarketplacePush | undefined,
  deps: Pick<PushDeps, "state" | "clock" | "telemetry" | "options">,
): Promise<{ accepted: number; refused: RefusedSku[] }> {
  const now = deps.clock.now();
  const rows: PushedState[] = [];
  const refused: RefusedSku[] = [];
  let accepted = 0;
  for (const { target: t, result: r } of done) {
    const before = last.get(t.sellerSku);
    if (r.accepted) {
      accepted++;
      rows.push({
        sellerSku: t.sellerSku,
        itemNumber: t.itemNumber,
        quantity: t.quantity,
        pushedAt: now,
        via,
        ...(feedId ? { feedId } : {}),
      });
      if (before?.refused) await removeParked(deps.state, deps.options.reviewQueue, reviewMessageId(marketplaceId, t.sellerSku));
    } else {
      const e = firstError(r);
      refused.push({ sellerSku: t.sellerSku, quantity: t.quantity, ...e });
      rows.push({
        ...(before ?? { sellerSku: t.sellerSku }),
        itemNumber: t.itemNumber,
        refused: { quantity: t.quantity, at: now, code: e.code, message: e.message },
      });
      await parkMessage(
        deps.state,
        {
          queue: deps.options.reviewQueue,
          messageId: reviewMessageId(marketplaceId, t.sellerSku),
          body: {
            kind: "push",
            sellerSku: t.sellerSku,
            marketplaceIds: [marketplaceId],
            force: true,
            trigger: "replay",
          } satisfies InventoryMessage,
          reason: "amazon-refused",
          code: e.code,
          description: `Amazon refused quantity ${t.quantity} for ${t.sellerSku} in ${marketplaceId}: ${e.message}`,
          where: `${marketplaceId}/${t.sellerSku}`,
          suggestion:
            `Fix the listing in Seller Central (or exclude ${t.sellerSku} in mappings/inventory.json), then replay this message ` +
            `or POST /api/inventory/sync/${t.sellerSku}`,
        },
        deps.clock,
      );
      deps.telemetry.event("inventory.skuRefused", { marketplaceId, sellerSku: t.sellerSku, code: e.code });
    }
  }
  await writePushed(deps.state, marketplaceId, rows);
  if (mp) {
    mp.accepted += accepted;
    mp.refused.push(...refused);
  }
  return { accepted, refused };
}

export type SettleResult =
  | { status: "pending"; feedId: string }
  | {
      status: "settled";
      feedId: string;
      outcome: { status: "DONE" | "FATAL" | "CANCELLED"; error?: string };
      accepted: number;
      refused: RefusedSku[];
    };

/**
 * Finishes the marketplace's pending feed if Amazon is done with it, waiting up to `waitMs`: applies each message's
 * result (DONE) or leaves every last-pushed quantity as it was (FATAL, CANCELLED). Undefined when none is pending.
 */
export async function settlePendingFeed(
  marketplaceId: string,
  deps: Pick<PushDeps, "amazon" | "state" | "blobs" | "clock" | "telemetry" | "options">,
  waitMs: number,
  known?: FeedContent,
): Promise<SettleResult | undefined> {
  const pending = await getPendingFeed(deps.state, marketplaceId);
  if (!pending) return undefined;
  const content = known?.feedId === pending.feed.feedId ? known : await readFeedContent(deps.blobs, pending.feed);
  if (!content) {
    // The blob is gone (it never should be): without the messages the results cannot be matched; send again.
    await clearPendingFeed(deps.state, marketplaceId, pending.etag);
    return undefined;
  }
  const deadline = deps.clock.now().getTime() + waitMs;
  let outcome = await deps.amazon.feedOutcome(content.feedId, content.updates);
  while (!outcome && deps.clock.now().getTime() + deps.options.feedPollMs <= deadline) {
    await deps.clock.sleep(deps.options.feedPollMs);
    outcome = await deps.amazon.feedOutcome(content.feedId, content.updates);
  }
  if (!outcome) return { status: "pending", feedId: content.feedId };
  let applied = { accepted: 0, refused: [] as RefusedSku[] };
  if (outcome.status === "DONE") {
    const byMessage = new Map(outcome.results.map((r) => [r.sellerSku, r]));
    const last = await readPushed(
      deps.state,
      marketplaceId,
      content.updates.map((u) => u.sellerSku),
    );
    const done = content.updates.map((u) => ({
      target: { sellerSku: u.sellerSku, itemNumber: content.itemNumbers[u.sellerSku] ?? "", quantity: u.quantity },
      result: byMessage.get(u.sellerSku) ?? {
        sellerSku: u.sellerSku,
        accepted: false,
        issues: [{ code: "missing", message: "no result for this message", severity: "ERROR" as const }],
      },
    }));
    applied = await applyResults(marketplaceId, done, last, "feed", content.feedId, undefined, deps);
  } else {
    deps.telemetry.event("inventory.feedRejected", { marketplaceId, feedId: content.feedId, status: outcome.status, error: outcome.error });
  }
  await clearPendingFeed(deps.state, marketplaceId, pending.etag);
  deps.telemetry.log("info", "inventory.feedSettled", {
    marketplaceId,
    feedId: content.feedId,
    status: outcome.status,
    accepted: applied.accepted,
    refused: applied.refused.length,
  });
  return {
    status: "settled",
    feedId: content.feedId,
    outcome: { status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) },
    ...applied,
  };
}

/** FEED_PROCESSING_FINISHED: settles the feed if it is one of the push's pending feeds (other flows' feeds are not). */
export async function settleFeed(
  feedId: string,
  deps: Pick<PushDeps, "amazon" | "state" | "blobs" | "clock" | "telemetry" | "options" | "mappings">,
): Promise<SettleResult | undefined> {
  const channels = inventoryFile(deps.mappings)?.fbm?.channels ?? [];
  for (const c of channels) {
    const pending = await getPendingFeed(deps.state, c.marketplaceId);
    if (pending?.feed.feedId === feedId) return settlePendingFeed(c.marketplaceId, deps, 0);
  }
  return undefined;
}
