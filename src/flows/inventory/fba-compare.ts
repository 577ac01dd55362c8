/**
 * Pure: Amazon's FBA stock of one marketplace against D365 on-hand in the warehouse that stands for it.
 *
 * Per D365 item (the SKUs of one item are added up, each converted to D365 units with its cross-reference's
 * unitsPerAmazonUnit): the Amazon quantities the file's `compare` list names (default fulfillable + reserved +
 * unfulfillable: the units physically in Amazon's fulfillment centers) against OnHandQuantity in the FBA warehouse
 * (negative on-hand counts as 0). difference = D365 − Amazon: positive when D365 shows more than Amazon has.
 *
 * Amazon SKUs that the cross-reference does not know, and D365 items on hand in the FBA warehouse that no SKU of the
 * marketplace names, cannot be compared: they are listed apart.
 */
import type { FbaComponent } from "../../mapping/inventory";
import type { Mappings } from "../../mapping/mappings";
import { Dec } from "../../platform/money";
import type { FbaStock, OnHandRow } from "./ports";

export interface AmazonQuantities {
  fulfillable: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  reserved: number;
  unfulfillable: number;
  researching: number;
}

export interface ItemComparison {
  marketplaceId: string;
  itemNumber: string;
  sellerSkus: string[];
  /** Amazon units, added over the item's SKUs. */
  amazon: AmazonQuantities;
  /** The compared Amazon quantity in D365 units (decimal string). */
  amazonCompared: string;
  /** D365 OnHandQuantity in the FBA warehouse (decimal string). */
  d365OnHand: string;
  /** D365 − Amazon (decimal string). */
  difference: string;
}

export interface FbaComparison {
  items: ItemComparison[];
  /** Amazon SKUs with FBA stock rows that are not in the cross-reference for this marketplace. */
  unmappedSkus: string[];
  /** D365 items on hand in the FBA warehouse that no SKU of this marketplace names. */
  unmappedItems: string[];
}

const ZERO: AmazonQuantities = {
  fulfillable: 0,
  inboundWorking: 0,
  inboundShipped: 0,
  inboundReceiving: 0,
  reserved: 0,
  unfulfillable: 0,
  researching: 0,
};

/** The Amazon units a comparison counts for one stock row. */
export function comparedUnits(q: AmazonQuantities, compare: readonly FbaComponent[]): number {
  let n = 0;
  for (const c of compare) {
    if (c === "inbound") n += q.inboundWorking + q.inboundShipped + q.inboundReceiving;
    else n += q[c];
  }
  return n;
}

function onHandOf(rows: readonly OnHandRow[]): Dec {
  let total = new Dec(0);
  for (const r of rows) {
    const v = new Dec(r.physicalInventory || "0");
    if (!v.isNegative()) total = total.plus(v);
  }
  return total;
}

export function compareFba(input: {
  marketplaceId: string;
  stock: readonly FbaStock[];
  /** On-hand rows of the FBA warehouse. */
  rows: readonly OnHandRow[];
  mappings: Mappings;
  compare: readonly FbaComponent[];
}): FbaComparison {
  const { marketplaceId, mappings, compare } = input;
  const items = new Map<string, { skus: string[]; amazon: AmazonQuantities; compared: Dec }>();
  const entry = (itemNumber: string) => {
    let e = items.get(itemNumber);
    if (!e) items.set(itemNumber, (e = { skus: [], amazon: { ...ZERO }, compared: new Dec(0) }));
    return e;
  };
  const unmappedSkus: string[] = [];
  // Only SKUs the file lists (its `unmappedSku: identity` is for orders, not for guessing items here).
  const listed = new Set(mappings.skuFile.items.map((i) => i.sellerSku));
  for (const s of input.stock) {
    const m = listed.has(s.sellerSku) ? mappings.sku(s.sellerSku, marketplaceId) : undefined;
    if (!m || (m.marketplaceIds && !m.marketplaceIds.includes(marketplaceId))) {
      unmappedSkus.push(s.sellerSku);
      continue;
    }
    const e = entry(m.itemNumber);
    e.skus.push(s.sellerSku);
    for (const k of Object.keys(ZERO) as (keyof AmazonQuantities)[]) e.amazon[k] += s[k];
    e.compared = e.compared.plus(new Dec(comparedUnits(s, compare)).times(m.unitsPerAmazonUnit ?? 1));
  }
  const rowsByItem = new Map<string, OnHandRow[]>();
  for (const r of input.rows) {
    const list = rowsByItem.get(r.itemNumber);
    if (list) list.push(r);
    else rowsByItem.set(r.itemNumber, [r]);
  }
  const itemsWithSku = new Set<string>();
  for (const i of mappings.skuFile.items) {
    if (!i.marketplaceIds || i.marketplaceIds.includes(marketplaceId)) itemsWithSku.add(i.itemNumber);
  }
  const unmappedItems: string[] = [];
  for (const [itemNumber, rows] of rowsByItem) {
    if (items.has(itemNumber)) continue;
    if (itemsWithSku.has(itemNumber)) entry(itemNumber);
    else if (onHandOf(rows).gt(0)) unmappedItems.push(itemNumber);
  }
  const out: ItemComparison[] = [];
  for (const [itemNumber, e] of items) {
    const d365 = onHandOf(rowsByItem.get(itemNumber) ?? []);
    out.push({
      marketplaceId,
      itemNumber,
      sellerSkus: e.skus.sort(),
      amazon: e.amazon,
      amazonCompared: e.compared.toFixed(),
      d365OnHand: d365.toFixed(),
      difference: d365.minus(e.compared).toFixed(),
    });
  }
  out.sort((a, b) => (a.itemNumber < b.itemNumber ? -1 : a.itemNumber > b.itemNumber ? 1 : 0));
  return { items: out, unmappedSkus: unmappedSkus.sort(), unmappedItems: unmappedItems.sort() };
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  const field = (v: string | number | undefined) => {
    const s = v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}
