/**
 * Reads what the products mapping needs from D365 (released products, bar codes, trade agreement prices) and
 * turns it into the desired listing of every item in every marketplace that sells it. Used by the sync (for
 * every selected product) and by a publish batch (for its items), so both see the same listing.
 */
import type { MarketplaceMapping } from "../../mapping/marketplaces";
import type { ProductsFile } from "../../mapping/products";
import type { SkuMapping } from "../../mapping/sku-crossref";
import { ConfigurationError } from "../../platform/errors";
import { type DesiredListing, desiredListing, fieldsRead, type MarketplaceSettings, marketplaceSettings } from "./desired";
import type { D365Barcode, D365Product, SalesPriceLine } from "./model";
import type { D365Products } from "./ports";

export interface ProductsContext {
  file: ProductsFile;
  settings: MarketplaceSettings[];
  crossref: readonly SkuMapping[];
  problems: string[];
}

/** The mapping as the flow uses it; throws a ConfigurationError when products.json is missing. */
export function productsContext(
  file: ProductsFile | undefined,
  marketplace: (id: string) => MarketplaceMapping | undefined,
  crossref: readonly SkuMapping[],
  marketplaceIds?: readonly string[],
): ProductsContext {
  if (!file)
    throw new ConfigurationError(
      "products.notConfigured",
      "The products flow needs mappings/products.json (which products each marketplace sells, product types, templates): see docs/products.md",
      { where: "products.json" },
    );
  const { settings, problems } = marketplaceSettings(file, marketplace);
  const wanted = marketplaceIds ? settings.filter((s) => marketplaceIds.includes(s.marketplaceId)) : settings;
  return { file, settings: wanted, crossref, problems };
}

export const listingKey = (itemNumber: string, marketplaceId: string) => `${itemNumber.toLowerCase()}|${marketplaceId}`;

export interface LoadedListings {
  /** Desired listing per item and marketplace (listingKey). */
  desired: Map<string, DesiredListing>;
  /** Every product read, per legal entity. */
  products: Map<string, D365Product[]>;
}

/** Whether a legal entity's marketplaces can narrow the read to item groups and item numbers. */
function narrowQuery(settings: MarketplaceSettings[]): { itemGroups?: string[]; itemNumbers?: string[] } | undefined {
  const groups = new Set<string>();
  const items = new Set<string>();
  for (const s of settings) {
    if (s.selection.where || s.selection.itemGroups?.includes("*")) return undefined;
    for (const g of s.selection.itemGroups ?? []) groups.add(g);
    for (const i of s.selection.items ?? []) items.add(i);
  }
  return { ...(groups.size ? { itemGroups: [...groups] } : {}), ...(items.size ? { itemNumbers: [...items] } : {}) };
}

/**
 * The desired listings of `itemNumbers` (a publish batch), or of every product some marketplace sells (a
 * sync), on `today` (yyyy-mm-dd, the day trade agreement prices must be valid on).
 */
export async function loadDesired(
  ctx: ProductsContext,
  d365: D365Products,
  opts: { itemNumbers?: string[]; today: string },
): Promise<LoadedListings> {
  const desired = new Map<string, DesiredListing>();
  const products = new Map<string, D365Product[]>();
  const fields = fieldsRead(ctx.file);
  const companies = [...new Set(ctx.settings.map((s) => s.company))];
  for (const company of companies) {
    const markets = ctx.settings.filter((s) => s.company === company);
    let rows: D365Product[];
    if (opts.itemNumbers)
      rows = opts.itemNumbers.length ? await d365.releasedProducts({ company, itemNumbers: opts.itemNumbers, fields }) : [];
    else {
      const narrow = narrowQuery(markets);
      rows = await d365.releasedProducts({ company, fields, ...(narrow ?? {}) });
    }
    products.set(company, rows);
    if (!rows.length) continue;
    const itemNumbers = opts.itemNumbers ? rows.map((r) => r.itemNumber) : undefined;
    const setups = ctx.file.barcodes.map((b) => b.barcodeSetupId);
    const barcodes: D365Barcode[] = setups.length
      ? await d365.barcodes({ company, barcodeSetupIds: setups, ...(itemNumbers ? { itemNumbers } : {}) })
      : [];
    const barcodesByItem = groupBy(barcodes, (b) => b.itemNumber.toLowerCase());
    for (const m of markets) {
      let prices: SalesPriceLine[] = [];
      if (m.price?.source === "tradeAgreement") {
        const who = m.price.priceGroup
          ? { priceGroup: m.price.priceGroup }
          : m.customerAccount
            ? { customerAccount: m.customerAccount }
            : undefined;
        if (who) prices = await d365.salesPrices({ company, currency: m.currency, ...who, ...(itemNumbers ? { itemNumbers } : {}) });
      }
      const pricesByItem = groupBy(prices, (p) => p.itemNumber.toLowerCase());
      for (const p of rows) {
        const d = desiredListing({
          file: ctx.file,
          marketplace: m,
          product: p,
          barcodes: barcodesByItem.get(p.itemNumber.toLowerCase()) ?? [],
          prices: pricesByItem.get(p.itemNumber.toLowerCase()) ?? [],
          crossref: ctx.crossref,
          today: opts.today,
        });
        if (d) desired.set(listingKey(p.itemNumber, m.marketplaceId), d);
      }
    }
  }
  return { desired, products };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
