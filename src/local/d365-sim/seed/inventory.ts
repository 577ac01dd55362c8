/**
 * Seed: on-hand per warehouse (WarehousesOnHandV2, a read-only view in F&O) for the demo items: every item
 * in the FBM warehouse "11" (the main distribution center merchant-fulfilled orders ship from), the FBA items
 * also in the FBA warehouses (FBA-US, FBA-UK, FBA-DE) that stand for Amazon's network. Tests and flows change
 * on-hand through the simulator's setOnHand / adjustOnHand or POST /_control/onhand.
 */
import { DEMO_PRODUCTS } from "../../demo-catalog";
import type { Row, SimStore } from "../store";

/** The FBM warehouse (site 1) and the FBA warehouses (site FBA), as mappings/marketplaces.json names them. */
export const DEMO_FBM_WAREHOUSE = { siteId: "1", warehouseId: "11" } as const;
export const DEMO_FBA_WAREHOUSES = ["FBA-US", "FBA-UK", "FBA-DE"] as const;

const EMPTY_DIMS = { ProductColorId: "", ProductConfigurationId: "", ProductSizeId: "", ProductStyleId: "", ProductVersionId: "" };

/** One WarehousesOnHandV2 row; available = on hand - reserved; nothing ordered or on order. */
export function onHandRow(
  company: string,
  itemNumber: string,
  productName: string,
  siteId: string,
  warehouseId: string,
  onHand: number,
  reserved = 0,
): Row {
  const available = onHand - reserved;
  return {
    dataAreaId: company,
    ItemNumber: itemNumber,
    ...EMPTY_DIMS,
    InventorySiteId: siteId,
    InventoryWarehouseId: warehouseId,
    ProductName: productName,
    OnHandQuantity: onHand,
    ReservedOnHandQuantity: reserved,
    AvailableOnHandQuantity: available,
    OrderedQuantity: 0,
    ReservedOrderedQuantity: 0,
    AvailableOrderedQuantity: 0,
    OnOrderQuantity: 0,
    TotalAvailableQuantity: available,
    AreWarehouseManagementProcessesUsed: "No",
  };
}

/** On-hand drawn from `random` (the simulator's seeded PRNG), in the same order for the same seed. */
export function seedInventory(store: SimStore, company: string, random: () => number): void {
  for (const p of DEMO_PRODUCTS) {
    const main = Math.floor(random() * 200) + 20;
    const reserved = Math.floor(random() * 5);
    store.put(
      "WarehousesOnHandV2",
      onHandRow(company, p.itemNumber, p.title, DEMO_FBM_WAREHOUSE.siteId, DEMO_FBM_WAREHOUSE.warehouseId, main, reserved),
      "seed",
    );
    if (p.fba) {
      for (const wh of DEMO_FBA_WAREHOUSES) {
        store.put("WarehousesOnHandV2", onHandRow(company, p.itemNumber, p.title, "FBA", wh, Math.floor(random() * 80)), "seed");
      }
    }
  }
}
