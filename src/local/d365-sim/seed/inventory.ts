/**
 * Seed: on-hand per warehouse (WarehousesOnHandV2, a read-only view in F&O) for the demo items: every item
 * in the FBM warehouse "11" (the main distribution center merchant-fulfilled orders ship from), the FBA items
 * also in the FBA warehouses (FBA-US, FBA-UK, FBA-DE) that stand for Amazon's network. Tests and flows change
 * on-hand through the simulator's setOnHand / adjustOnHand or POST /_control/onhand.
 *
 * The FBA warehouses hold what src/local/demo-fba-stock.ts says D365 shows for each marketplace (the stock the
 * SP-API simulator reports, except the two rows seeded to differ), so an FBA reconciliation of the two
 * simulators finds exactly those two differences.
 */
import { DEMO_PRODUCTS } from "../../demo-catalog";
import { DEMO_FBA_STOCK } from "../../demo-fba-stock";
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

/** The FBA warehouse that stands for each demo marketplace (as mappings/marketplaces.json names them). */
export const DEMO_FBA_WAREHOUSE_BY_MARKETPLACE: Readonly<Record<string, (typeof DEMO_FBA_WAREHOUSES)[number]>> = {
  ATVPDKIKX0DER: "FBA-US",
  A1F83G8C2ARO7P: "FBA-UK",
  A1PA6795UKMFR9: "FBA-DE",
};

/** D365's on-hand of an FBA item in an FBA warehouse: the shared demo table's `d365OnHand` (0 when it has no row). */
export function demoFbaOnHand(sku: string, warehouseId: string): number {
  const row = DEMO_FBA_STOCK.find((s) => s.sku === sku && DEMO_FBA_WAREHOUSE_BY_MARKETPLACE[s.marketplaceId] === warehouseId);
  return row?.d365OnHand ?? 0;
}

/**
 * On-hand of warehouse 11 drawn from `random` (the simulator's seeded PRNG), in the same order for the same
 * seed; the FBA warehouses from the shared FBA table. One draw per FBA warehouse is still taken and dropped,
 * so warehouse 11 keeps the quantities it had for every seed when the FBA warehouses were drawn too.
 */
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
        random();
        store.put("WarehousesOnHandV2", onHandRow(company, p.itemNumber, p.title, "FBA", wh, demoFbaOnHand(p.sku, wh)), "seed");
      }
    }
  }
}
