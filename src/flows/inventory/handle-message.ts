/**
 * Use case: one message of the inventory queue (messages.ts): runs the push or the reconciliation it asks for and
 * records the result on its request (requests.ts). A full push that finds another one running is put back on the
 * queue a minute later (a scheduled message: an abandoned one would come back at once).
 */
import type { Clock } from "../../platform/clock";
import { describeError } from "../../platform/errors";
import type { MessageBus, StateStore } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import { type ReconcileDeps, type ReconcileResult, reconcileFba } from "./fba-reconcile";
import type { ParsedInventoryMessage } from "./messages";
import { type PushDeps, type PushResult, pushInventory } from "./push";
import { finishRequest, markRequestRunning } from "./requests";

export interface InventoryMessageDeps {
  /** Built only for the kind of message that needs it. */
  push: () => PushDeps;
  reconcile: () => ReconcileDeps;
  state: StateStore;
  bus: MessageBus;
  queue: string;
  clock: Clock;
  telemetry: Telemetry;
}

/** How long a full push waits when another one holds the lease. */
export const BUSY_RETRY_MS = 60_000;

export async function handleInventoryMessage(
  message: ParsedInventoryMessage,
  messageId: string,
  deps: InventoryMessageDeps,
): Promise<PushResult | ReconcileResult | { rescheduled: string }> {
  const requestId = message.requestId;
  if (requestId) await markRequestRunning(deps.state, requestId, message.kind, deps.clock);
  try {
    if (message.kind === "fba-reconcile") {
      const result = await reconcileFba(
        { ...(message.marketplaceIds ? { marketplaceIds: message.marketplaceIds } : {}) },
        deps.reconcile(),
      );
      if (requestId)
        await finishRequest(deps.state, requestId, { status: result.outcome === "failed" ? "failed" : "done", result }, deps.clock);
      return result;
    }
    const result = await pushInventory(
      {
        trigger: message.trigger,
        ...(message.sellerSku !== undefined ? { sellerSku: message.sellerSku } : {}),
        ...(message.itemNumbers ? { itemNumbers: message.itemNumbers } : {}),
        ...(message.marketplaceIds ? { marketplaceIds: message.marketplaceIds } : {}),
        ...(message.force ? { force: true } : {}),
      },
      deps.push(),
    );
    if (result.outcome === "skipped" && result.busySince) {
      const at = new Date(deps.clock.now().getTime() + BUSY_RETRY_MS);
      const retryId = `${messageId.replace(/:busy:\d+$/, "")}:busy:${Math.floor(at.getTime() / BUSY_RETRY_MS)}`;
      await deps.bus.send(deps.queue, { messageId: retryId, body: message, subject: message.kind, scheduledEnqueueTime: at });
      deps.telemetry.log("info", "inventory.pushBusy", { messageId, retryId, busySince: result.busySince });
      return { rescheduled: retryId };
    }
    if (requestId)
      await finishRequest(deps.state, requestId, { status: result.outcome === "failed" ? "failed" : "done", result }, deps.clock);
    return result;
  } catch (err) {
    if (requestId)
      await finishRequest(deps.state, requestId, { status: "failed", error: describeError(err) }, deps.clock).catch(() => undefined);
    throw err;
  }
}
