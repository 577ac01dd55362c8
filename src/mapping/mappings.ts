/**
 * The loaded mapping files with the lookups the flows need. Loaded once per process by the wiring
 * (`app.mappings`, see src/wiring/app.ts) or built directly in tests with `Mappings.fromObjects`.
 */
import type { MarketplaceMapping, MarketplacesFile } from "./marketplaces";
import { OrderStatusesFile, type AmazonOrderStatus, type StatusAction } from "./order-statuses";
import { SkuCrossrefFile, type SkuMapping } from "./sku-crossref";
import { MarketplacesFile as MarketplacesSchema } from "./marketplaces";
import { loadMappingFiles, type LoadedMappingFiles } from "./loader";

export type FulfillmentChannel = "AFN" | "MFN";

export class Mappings {
  private readonly marketplaces = new Map<string, MarketplaceMapping>();
  private readonly skus = new Map<string, SkuMapping[]>();

  constructor(
    readonly marketplacesFile: MarketplacesFile,
    readonly skuFile: SkuCrossrefFile,
    readonly statusFile: OrderStatusesFile,
    /** Every loaded file by name (other flows read theirs from here, e.g. settlement-accounts.json). */
    readonly files: ReadonlyMap<string, unknown> = new Map(),
  ) {
    for (const m of marketplacesFile.marketplaces) this.marketplaces.set(m.marketplaceId, m);
    for (const s of skuFile.items) {
      const list = this.skus.get(s.sellerSku) ?? [];
      list.push(s);
      this.skus.set(s.sellerSku, list);
    }
  }

  static fromLoaded(loaded: LoadedMappingFiles): Mappings {
    return new Mappings(
      loaded.files.get("marketplaces.json") as MarketplacesFile,
      loaded.files.get("sku-crossref.json") as SkuCrossrefFile,
      loaded.files.get("order-statuses.json") as OrderStatusesFile,
      loaded.files,
    );
  }

  /** Loads and validates MAPPINGS_DIR; throws a ConfigurationError naming every file and JSON path at fault. */
  static load(dir: string): Mappings {
    return Mappings.fromLoaded(loadMappingFiles(dir));
  }

  /** For tests: build from plain objects, validated (and defaulted) by the same schemas as the files. */
  static fromObjects(input: { marketplaces: unknown; skus: unknown; statuses: unknown }): Mappings {
    return new Mappings(
      MarketplacesSchema.parse(input.marketplaces),
      SkuCrossrefFile.parse(input.skus),
      OrderStatusesFile.parse(input.statuses),
    );
  }

  marketplace(marketplaceId: string): MarketplaceMapping | undefined {
    return this.marketplaces.get(marketplaceId);
  }

  marketplaceIds(): string[] {
    return [...this.marketplaces.keys()];
  }

  /** The cross-reference entry of a SKU in a marketplace (entries limited to marketplaces win over general ones). */
  sku(sellerSku: string, marketplaceId: string): SkuMapping | undefined {
    const list = this.skus.get(sellerSku);
    if (list) {
      return list.find((s) => s.marketplaceIds?.includes(marketplaceId)) ?? list.find((s) => !s.marketplaceIds);
    }
    if (this.skuFile.unmappedSku === "identity") return { sellerSku, itemNumber: sellerSku };
    return undefined;
  }

  statusAction(status: AmazonOrderStatus, channel: FulfillmentChannel | undefined): StatusAction {
    const override = channel ? this.statusFile.byChannel?.[channel]?.[status] : undefined;
    return override ?? this.statusFile.statuses[status];
  }

  cancelOpenOrderMode(): "delete" | "stop-processing" {
    return this.statusFile.cancelOpenOrder ?? "delete";
  }

  importMcfOrders(): boolean {
    return this.statusFile.mcfOrders === "import";
  }
}
