/** Settings of the inventory flow (FBM push and FBA reconciliation). The allocation rules are in mappings/inventory.json. */
import type { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const inventorySettings = {
  /** When the FBM push timer sends changed D365 quantities to Amazon (NCRONTAB, UTC). */
  INVENTORY_PUSH_SCHEDULE: setting.cron("0 */15 * * * *"),
  /** When the FBA reconciliation timer compares Amazon's FBA stock with D365 (NCRONTAB, UTC). */
  INVENTORY_FBA_SCHEDULE: setting.cron("0 30 * * * *"),
  /** More changed SKUs than this in one marketplace go to Amazon as one JSON_LISTINGS_FEED instead of one patch each. */
  INVENTORY_FEED_THRESHOLD: setting.int(20, 0, 10000),
  /** How long a push waits for its feed to be processed; a feed still running is finished by the next run or its notification. */
  INVENTORY_FEED_WAIT_SECONDS: setting.int(240, 0, 1500),
  /** Between two reads of a feed's processing status while waiting. */
  INVENTORY_FEED_POLL_SECONDS: setting.int(15, 1, 300),
  /**
   * D365 business events (BusinessEventId, comma-separated) that mean on-hand changed: each queues a push of the item
   * it names (ItemNumber or ItemId in the event), or of everything when it names none. Empty: business events do
   * not trigger pushes (the timer does).
   */
  INVENTORY_D365_EVENT_IDS: setting.optionalString(),
  /** Business events for the same item within this many seconds make one push, after the window. */
  INVENTORY_EVENT_DEBOUNCE_SECONDS: setting.int(60, 0, 3600),
  /** Queue of inventory work: pushes and reconciliations asked for over HTTP, by D365 events and by replays of review items. */
  QUEUE_INVENTORY: setting.string("inventory-sync"),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type InventorySettings = z.infer<z.ZodObject<typeof inventorySettings>>;
