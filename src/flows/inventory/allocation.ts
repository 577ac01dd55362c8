/**
 * Pure: from D365 on-hand rows and the allocation rules of mappings/inventory.json to the FBM quantity each
 * cross-referenced SKU should show in each marketplace. The formula is in src/mapping/inventory.ts and
 * docs/inventory.md; quantities are decimals until the last step, which floors to whole Amazon units.
 *
 * Which SKUs: every SellerSKU of mappings/sku-crossref.json that applies to the channel's marketplace. An item on
 * hand in a feeding warehouse that no SKU names is not pushed and is listed (`unmappedItems`); the cross-reference's
 * `unmappedSku: identity` (for orders) does not make the push invent SKUs from item numbers.
 */
import type { FbmChannel, InventoryFile, QuantityBasis } from "../../mapping/inventory";
import type { Mappings } from "../../mapping/mappings";
import type { SkuMapping } from "../../mapping/sku-crossref";
import { ConfigurationError } from "../../platform/errors";
import { Dec } from "../../platform/money";
import type { OnHandRow, WarehouseKey } from "./ports";

export type FbmRules = NonNullable<InventoryFile["fbm"]>;

export interface ResolvedChannel {
  marketplaceId: string;
  name?: string;
  warehouses: WarehouseKey[];
  /** The channel's rule fields as the file gives them (merged per SKU by effectiveRule). */
  rule: FbmChannel;
}

/** The rule that applies to one SKU in one channel, every field resolved. */
export interface EffectiveRule {
  quantity: QuantityBasis;
  safetyStock: number;
  percent: number;
  min: number;
  max?: number;
  leadTimeToShipMaxDays?: number;
  productType: string;
  exclude: boolean;
  reason?: string;
}

export interface SkuTarget {
  marketplaceId: string;
  sellerSku: string;
  itemNumber: string;
  /** Whole Amazon units to show. */
  quantity: number;
  productType: string;
  leadTimeToShipMaxDays?: number;
  /** The D365 quantity the rules started from (sum over the channel's warehouses, negatives as 0). */
  pool: string;
}

export interface ExcludedSku {
  marketplaceId: string;
  sellerSku: string;
  itemNumber: string;
  reason: string;
}

export interface Allocation {
  targets: SkuTarget[];
  excluded: ExcludedSku[];
  /** D365 items on hand in a feeding warehouse that no cross-referenced SKU names (sorted). */
  unmappedItems: string[];
}

const HARD_DEFAULTS = { quantity: "available-physical", safetyStock: 0, percent: 100, min: 0, productType: "PRODUCT" } as const;

/**
 * The channels of the file with their warehouses: the listed ones, or the marketplace's MFN warehouse from
 * marketplaces.json; the legal entity is the warehouse entry's, else the marketplace's, else `defaultCompany`.
 */
export function resolveChannels(fbm: FbmRules, mappings: Mappings, defaultCompany: string): ResolvedChannel[] {
  return fbm.channels.map((c, i) => {
    const market = mappings.marketplace(c.marketplaceId);
    const company = (market?.dataAreaId ?? defaultCompany).toLowerCase();
    const listed = c.warehouses?.map((w) =>
      typeof w === "string"
        ? { company, warehouseId: w }
        : { company: (w.dataAreaId ?? company).toLowerCase(), warehouseId: w.warehouseId },
    );
    const warehouses = listed ?? (market ? [{ company, warehouseId: market.fulfillment.MFN.warehouseId }] : undefined);
    if (!warehouses)
      throw new ConfigurationError(
        "inventory.channelWarehouse",
        `mappings/inventory.json: channel ${c.marketplaceId} names no warehouses and marketplaces.json has no such marketplace`,
        { where: `inventory.json: $.fbm.channels[${i}].warehouses` },
      );
    return { marketplaceId: c.marketplaceId, ...(c.name ? { name: c.name } : {}), warehouses, rule: c };
  });
}

/** Every feeding warehouse once. */
export function feedingWarehouses(channels: readonly ResolvedChannel[]): WarehouseKey[] {
  const seen = new Map<string, WarehouseKey>();
  for (const c of channels) for (const w of c.warehouses) seen.set(warehouseKey(w), w);
  return [...seen.values()];
}

export function warehouseKey(w: WarehouseKey): string {
  return `${w.company.toLowerCase()}\u0000${w.warehouseId.toLowerCase()}`;
}

function pick<T>(...values: (T | undefined)[]): T | undefined {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== undefined) return values[i];
  return undefined;
}

/** defaults, then the channel, then each matching override in file order (later wins). */
export function effectiveRule(fbm: FbmRules, channel: FbmChannel, sellerSku: string, itemNumber: string): EffectiveRule {
  const layers = [fbm.defaults ?? {}, channel];
  let exclude = false;
  let reason: string | undefined;
  for (const o of fbm.overrides ?? []) {
    if (o.marketplaceIds && !o.marketplaceIds.includes(channel.marketplaceId)) continue;
    if (!(o.sellerSkus?.includes(sellerSku) || o.itemNumbers?.includes(itemNumber))) continue;
    layers.push(o);
    if (o.exclude !== undefined) {
      exclude = o.exclude;
      reason = o.reason;
    }
  }
  const field = <K extends keyof FbmChannel>(k: K) => pick(...layers.map((l) => (l as FbmChannel)[k]));
  return {
    quantity: field("quantity") ?? HARD_DEFAULTS.quantity,
    safetyStock: field("safetyStock") ?? HARD_DEFAULTS.safetyStock,
    percent: field("percent") ?? HARD_DEFAULTS.percent,
    min: field("min") ?? HARD_DEFAULTS.min,
    max: field("max"),
    leadTimeToShipMaxDays: field("leadTimeToShipMaxDays"),
    productType: field("productType") ?? HARD_DEFAULTS.productType,
    exclude,
    ...(reason ? { reason } : {}),
  };
}

function basisOf(row: OnHandRow, basis: QuantityBasis): Dec {
  const raw =
    basis === "available-physical" ? row.availablePhysical : basis === "total-available" ? row.totalAvailable : row.physicalInventory;
  const v = new Dec(raw || "0");
  // Negative on-hand (a posting ahead of its receipt) counts as none.
  return v.isNegative() ? new Dec(0) : v;
}

function dimsMatch(row: OnHandRow, m: SkuMapping): boolean {
  return (
    (m.colorId === undefined || row.colorId === m.colorId) &&
    (m.sizeId === undefined || row.sizeId === m.sizeId) &&
    (m.styleId === undefined || row.styleId === m.styleId) &&
    (m.configurationId === undefined || row.configurationId === m.configurationId)
  );
}

/** The whole Amazon units a rule gives for a pool of D365 units (see the formula in mapping/inventory.ts). */
export function allocatedUnits(pool: Dec, rule: EffectiveRule, unitsPerAmazonUnit = 1): number {
  let available = pool.minus(String(rule.safetyStock));
  if (available.isNegative()) available = new Dec(0);
  const share = available.times(String(rule.percent)).div(100).floor();
  const units = share.div(Math.max(1, unitsPerAmazonUnit)).floor().toNumber();
  if (units < rule.min) return 0;
  if (rule.max !== undefined && units > rule.max) return rule.max;
  return units;
}

/** The cross-referenced SKUs of a marketplace (entries limited to marketplaces win over general ones). */
export function skusOf(mappings: Mappings, marketplaceId: string): SkuMapping[] {
  const out: SkuMapping[] = [];
  const seen = new Set<string>();
  for (const item of mappings.skuFile.items) {
    if (seen.has(item.sellerSku)) continue;
    seen.add(item.sellerSku);
    const m = mappings.sku(item.sellerSku, marketplaceId);
    if (m && (!m.marketplaceIds || m.marketplaceIds.includes(marketplaceId))) out.push(m);
  }
  return out;
}

export interface AllocateInput {
  fbm: FbmRules;
  channels: readonly ResolvedChannel[];
  rows: readonly OnHandRow[];
  mappings: Mappings;
  /** Only these SKUs / items (a single-SKU sync, a D365 event); absent: every SKU. */
  only?: { sellerSkus?: readonly string[]; itemNumbers?: readonly string[] };
}

export function allocate(input: AllocateInput): Allocation {
  const byWarehouseItem = new Map<string, OnHandRow[]>();
  for (const r of input.rows) {
    const key = `${warehouseKey(r)}\u0000${r.itemNumber}`;
    const list = byWarehouseItem.get(key);
    if (list) list.push(r);
    else byWarehouseItem.set(key, [r]);
  }
  const targets: SkuTarget[] = [];
  const excluded: ExcludedSku[] = [];
  const onlySkus = input.only?.sellerSkus ? new Set(input.only.sellerSkus) : undefined;
  const onlyItems = input.only?.itemNumbers ? new Set(input.only.itemNumbers) : undefined;
  for (const channel of input.channels) {
    for (const m of skusOf(input.mappings, channel.marketplaceId)) {
      if (onlySkus && !onlySkus.has(m.sellerSku)) continue;
      if (onlyItems && !onlyItems.has(m.itemNumber)) continue;
      const rule = effectiveRule(input.fbm, channel.rule, m.sellerSku, m.itemNumber);
      if (rule.exclude) {
        excluded.push({
          marketplaceId: channel.marketplaceId,
          sellerSku: m.sellerSku,
          itemNumber: m.itemNumber,
          reason: rule.reason ?? "excluded in inventory.json",
        });
        continue;
      }
      let pool = new Dec(0);
      for (const w of channel.warehouses) {
        for (const r of byWarehouseItem.get(`${warehouseKey(w)}\u0000${m.itemNumber}`) ?? []) {
          if (dimsMatch(r, m)) pool = pool.plus(basisOf(r, rule.quantity));
        }
      }
      targets.push({
        marketplaceId: channel.marketplaceId,
        sellerSku: m.sellerSku,
        itemNumber: m.itemNumber,
        quantity: allocatedUnits(pool, rule, m.unitsPerAmazonUnit ?? 1),
        productType: rule.productType,
        ...(rule.leadTimeToShipMaxDays !== undefined ? { leadTimeToShipMaxDays: rule.leadTimeToShipMaxDays } : {}),
        pool: pool.toFixed(),
      });
    }
  }
  const mapped = new Set(input.mappings.skuFile.items.map((i) => i.itemNumber));
  const unmapped = new Set<string>();
  for (const r of input.rows) if (!mapped.has(r.itemNumber)) unmapped.add(r.itemNumber);
  return { targets, excluded, unmappedItems: [...unmapped].sort() };
}
