/**
 * Product type definitions, cached per product type, marketplace and requirements: in the app's state (table
 * "productTypes", shared by every instance, for PRODUCTS_DEFINITION_CACHE_HOURS) and in memory, so a sync
 * asks Amazon once per product type and marketplace, however many listings it checks (the definition of a
 * product type changes rarely; Amazon versions it). A definition is stored in parts when it is longer than a
 * Table property holds.
 */
import type { Clock } from "../../platform/clock";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import type { ProductTypeInfo, Requirements } from "./model";
import type { AmazonListings } from "./ports";

export const PRODUCT_TYPES_TABLE = "productTypes";
const PART_CHARS = 30_000;
const MAX_PARTS = 30;

interface Row extends StateEntity {
  fetchedAt: Date;
  parts: number;
}

export interface ProductTypeDefinitions {
  get(productType: string, marketplaceId: string, requirements: Requirements): Promise<ProductTypeInfo>;
}

export class CachedProductTypes implements ProductTypeDefinitions {
  private readonly memory = new Map<string, { at: number; info: Promise<ProductTypeInfo> }>();

  constructor(
    private readonly amazon: Pick<AmazonListings, "productType">,
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly ttlHours: number,
  ) {}

  get(productType: string, marketplaceId: string, requirements: Requirements): Promise<ProductTypeInfo> {
    const key = `${productType}|${requirements}`;
    const mem = this.memory.get(`${marketplaceId}|${key}`);
    const now = this.clock.now().getTime();
    if (mem && now - mem.at < this.ttlHours * 3_600_000) return mem.info;
    const info = this.load(productType, marketplaceId, requirements, key);
    this.memory.set(`${marketplaceId}|${key}`, { at: now, info });
    info.catch(() => this.memory.delete(`${marketplaceId}|${key}`));
    return info;
  }

  private async load(productType: string, marketplaceId: string, requirements: Requirements, key: string): Promise<ProductTypeInfo> {
    const stored = await this.state.get<Row>(PRODUCT_TYPES_TABLE, safeKey(marketplaceId), safeKey(key));
    const now = this.clock.now().getTime();
    if (stored && now - stored.entity.fetchedAt.getTime() < this.ttlHours * 3_600_000) {
      let json = "";
      for (let i = 0; i < stored.entity.parts; i++) json += String(stored.entity[`part${i}`] ?? "");
      try {
        return JSON.parse(json) as ProductTypeInfo;
      } catch {
        // fall through: fetch it again
      }
    }
    const info = await this.amazon.productType(productType, marketplaceId, requirements);
    const json = JSON.stringify(info);
    const parts = Math.ceil(json.length / PART_CHARS);
    if (parts <= MAX_PARTS) {
      const row: Row = { partitionKey: safeKey(marketplaceId), rowKey: safeKey(key), fetchedAt: this.clock.now(), parts };
      for (let i = 0; i < parts; i++) row[`part${i}`] = json.slice(i * PART_CHARS, (i + 1) * PART_CHARS);
      await this.state.upsert(PRODUCT_TYPES_TABLE, row);
    }
    return info;
  }
}
