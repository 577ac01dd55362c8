/**
 * FBA inventory in the simulator: the seeded stock (demo-fba-stock.ts, with the two rows that deliberately
 * differ from D365), changes through the control endpoint, and FBA_INVENTORY_AVAILABILITY_CHANGES
 * notifications for every change.
 */
import { randomUUID } from "node:crypto";
import { DEMO_FBA_STOCK } from "../demo-fba-stock";
import { notificationMetadata, type SimContext } from "./context";
import type { SimInventory } from "./data";
import { SIM_SELLER_ID } from "./seed";

export type InventoryChange = Partial<
  Pick<
    SimInventory,
    "fulfillable" | "inboundWorking" | "inboundShipped" | "inboundReceiving" | "reserved" | "unfulfillable" | "researching"
  >
>;

export class InventorySim {
  constructor(private readonly ctx: SimContext) {}

  /** Replaces the generated quantities with the seeded table (the generator's random values are not used). */
  seed(): void {
    for (const i of this.ctx.data.inventory) {
      const s = DEMO_FBA_STOCK.find((x) => x.marketplaceId === i.marketplaceId && x.sku === i.sku);
      if (!s) continue;
      Object.assign(i, {
        fulfillable: s.fulfillable,
        inboundWorking: s.inboundWorking,
        inboundShipped: s.inboundShipped,
        inboundReceiving: s.inboundReceiving,
        reserved: s.reserved,
        unfulfillable: s.unfulfillable,
        researching: s.researching,
      });
    }
  }

  list(marketplaceId?: string): SimInventory[] {
    return this.ctx.data.inventory.filter((i) => !marketplaceId || i.marketplaceId === marketplaceId);
  }

  set(marketplaceId: string, sku: string, change: InventoryChange): SimInventory {
    const row = this.ctx.data.inventory.find((i) => i.marketplaceId === marketplaceId && i.sku === sku);
    if (!row) throw new Error(`no FBA inventory for ${sku} in ${marketplaceId}`);
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) continue;
      if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${k} must be a non-negative integer`);
      (row as unknown as Record<string, number>)[k] = v as number;
    }
    row.lastUpdated = this.ctx.now();
    this.notify(row);
    return row;
  }

  notify(i: SimInventory): void {
    const now = this.ctx.now();
    this.ctx.emit({
      NotificationVersion: "1.0",
      NotificationType: "FBA_INVENTORY_AVAILABILITY_CHANGES",
      PayloadVersion: "1.0",
      EventTime: now.toISOString(),
      Payload: {
        SellerId: SIM_SELLER_ID,
        FNSKU: i.fnsku,
        ASIN: i.asin,
        SKU: i.sku,
        FulfillmentInventoryByMarketplace: [
          {
            MarketplaceId: i.marketplaceId,
            ItemName: i.title,
            FulfillmentInventory: {
              InboundQuantityBreakdown: { Working: i.inboundWorking, Shipped: i.inboundShipped, Receiving: i.inboundReceiving ?? 0 },
              Fulfillable: i.fulfillable,
              Unfulfillable: i.unfulfillable,
              Researching: i.researching ?? 0,
              ReservedQuantityBreakdown: { WarehouseProcessing: 0, WarehouseTransfer: 0, PendingCustomerOrder: i.reserved },
              FutureSupplyBuyable: 0,
              PendingCustomerOrderInTransit: 0,
            },
            Stores: [],
          },
        ],
      },
      NotificationMetadata: notificationMetadata(now, "fba-inventory-availability-changes", randomUUID()),
    });
  }
}
