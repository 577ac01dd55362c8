/**
 * The inventory flow's D365OnHand on WarehousesOnHandV2: one query per legal entity over every warehouse asked for
 * (`dataAreaId eq … and (InventoryWarehouseId eq … or …)`, cross-company, only the columns the flow reads), every
 * page followed through @odata.nextLink (F&O pages at 10,000 rows). A list of items goes as `ItemNumber eq … or …`
 * chains of 25 (F&O's $filter has no `in`). Any failed page fails the whole read: the flow never sees part of it.
 */
import type { D365Client } from "../../d365/client";
import { chunk, decimalOf, f } from "../../d365/index";
import type { D365OnHand, OnHandRow, WarehouseKey } from "../../flows/inventory/ports";

/** The columns the inventory flow reads (product dimensions, site, warehouse and the three quantities). */
export const ON_HAND_SELECT = [
  "dataAreaId",
  "ItemNumber",
  "ProductColorId",
  "ProductSizeId",
  "ProductStyleId",
  "ProductConfigurationId",
  "InventorySiteId",
  "InventoryWarehouseId",
  "OnHandQuantity",
  "AvailableOnHandQuantity",
  "TotalAvailableQuantity",
] as const;

interface Row {
  dataAreaId: string;
  ItemNumber: string;
  ProductColorId?: string;
  ProductSizeId?: string;
  ProductStyleId?: string;
  ProductConfigurationId?: string;
  InventorySiteId: string;
  InventoryWarehouseId: string;
  OnHandQuantity: unknown;
  AvailableOnHandQuantity: unknown;
  TotalAvailableQuantity: unknown;
}

const ITEMS_PER_QUERY = 25;

export class ODataOnHand implements D365OnHand {
  constructor(private readonly d365: D365Client) {}

  async read(query: { warehouses: readonly WarehouseKey[]; itemNumbers?: readonly string[] }): Promise<OnHandRow[]> {
    const byCompany = new Map<string, string[]>();
    for (const w of query.warehouses) {
      const c = w.company.toLowerCase();
      const list = byCompany.get(c) ?? [];
      if (!list.includes(w.warehouseId)) list.push(w.warehouseId);
      byCompany.set(c, list);
    }
    const items = query.itemNumbers ? chunk([...new Set(query.itemNumbers)], ITEMS_PER_QUERY) : [undefined];
    const out: OnHandRow[] = [];
    for (const [company, warehouses] of byCompany) {
      for (const part of items) {
        if (part && part.length === 0) continue;
        const filter = f.and(
          f.eq("dataAreaId", company),
          f.anyOf("InventoryWarehouseId", warehouses),
          part ? f.anyOf("ItemNumber", part) : undefined,
        );
        for await (const r of this.d365.query<Row>("WarehousesOnHandV2", { filter, select: ON_HAND_SELECT })) out.push(toOnHand(r));
      }
    }
    return out;
  }
}

function toOnHand(r: Row): OnHandRow {
  return {
    company: r.dataAreaId.toLowerCase(),
    itemNumber: r.ItemNumber,
    colorId: r.ProductColorId ?? "",
    sizeId: r.ProductSizeId ?? "",
    styleId: r.ProductStyleId ?? "",
    configurationId: r.ProductConfigurationId ?? "",
    siteId: r.InventorySiteId,
    warehouseId: r.InventoryWarehouseId,
    physicalInventory: decimalOf(r.OnHandQuantity).toFixed(),
    availablePhysical: decimalOf(r.AvailableOnHandQuantity).toFixed(),
    totalAvailable: decimalOf(r.TotalAvailableQuantity).toFixed(),
  };
}
