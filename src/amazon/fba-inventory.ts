/**
 * FBA Inventory v1 `getInventorySummaries` with details, as flat rows per SKU and marketplace — what the FBA
 * reconciliation compares with D365 on-hand.
 *
 * Amazon: "nextToken … will expire 30 seconds after being created", so pages are fetched back to back; when a
 * token expired anyway (a slow quota wait), Amazon answers 400 and the read starts again from the first page,
 * once, dropping what it had, so a row is never counted twice. Quota: 2 calls/s, burst 2.
 */
import { z } from "zod";
import { ValidationError } from "../platform/errors";
import type { SpApiContext } from "./context";
import { isoDate } from "./context";

const Int = z.number().int();

const InventorySummary = z.looseObject({
  asin: z.string().optional(),
  fnSku: z.string().optional(),
  sellerSku: z.string().optional(),
  condition: z.string().optional(),
  lastUpdatedTime: z.string().optional(),
  productName: z.string().optional(),
  totalQuantity: Int.optional(),
  inventoryDetails: z
    .looseObject({
      fulfillableQuantity: Int.optional(),
      inboundWorkingQuantity: Int.optional(),
      inboundShippedQuantity: Int.optional(),
      inboundReceivingQuantity: Int.optional(),
      reservedQuantity: z
        .looseObject({
          totalReservedQuantity: Int.optional(),
          pendingCustomerOrderQuantity: Int.optional(),
          pendingTransshipmentQuantity: Int.optional(),
          fcProcessingQuantity: Int.optional(),
        })
        .optional(),
      researchingQuantity: z.looseObject({ totalResearchingQuantity: Int.optional() }).optional(),
      unfulfillableQuantity: z.looseObject({ totalUnfulfillableQuantity: Int.optional() }).optional(),
    })
    .optional(),
});

const Response = z.looseObject({
  payload: z.looseObject({ inventorySummaries: z.array(InventorySummary) }),
  pagination: z.looseObject({ nextToken: z.string().optional() }).optional(),
});

/** One SKU in one marketplace, every quantity Amazon reports (0 where it sent none). */
export interface FbaInventoryRow {
  marketplaceId: string;
  sellerSku: string;
  asin?: string;
  fnSku?: string;
  productName?: string;
  condition?: string;
  lastUpdatedTime?: string;
  /** Can be sent to a buyer now. */
  fulfillable: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  /** Reserved in the fulfillment center (customer orders, transfers between centers, FC processing). */
  reserved: number;
  reservedPendingCustomerOrder: number;
  reservedTransshipment: number;
  reservedFcProcessing: number;
  /** Damaged, defective, expired: physically there, not sellable. */
  unfulfillable: number;
  /** Lost or misplaced units Amazon is looking for. */
  researching: number;
  /** Amazon's totalQuantity. */
  total: number;
}

export interface FbaInventoryQuery {
  marketplaceId: string;
  /** At most 50 (one call); leave empty for every SKU of the marketplace. */
  sellerSkus?: string[];
  /** Only SKUs that changed since (Amazon keeps 18 months). */
  startDateTime?: Date | string;
}

function isExpiredToken(err: unknown): boolean {
  return err instanceof ValidationError && /next ?token/i.test(err.message) && /expired|invalid/i.test(err.message);
}

export class FbaInventoryApi {
  constructor(private readonly ctx: SpApiContext) {}

  /** Every row of the marketplace with details; restarts once from the first page when a nextToken expired. */
  async summaries(q: FbaInventoryQuery): Promise<FbaInventoryRow[]> {
    if ((q.sellerSkus?.length ?? 0) > 50)
      throw new ValidationError("spapi.invalidInput", "getInventorySummaries accepts at most 50 SKUs per call");
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.allPages(q);
      } catch (err) {
        if (attempt === 0 && isExpiredToken(err)) continue;
        throw err;
      }
    }
  }

  private async allPages(q: FbaInventoryQuery): Promise<FbaInventoryRow[]> {
    const rows: FbaInventoryRow[] = [];
    let next: string | undefined;
    do {
      const r = await this.ctx.call("getInventorySummaries", Response, {
        query: {
          details: "true",
          granularityType: "Marketplace",
          granularityId: q.marketplaceId,
          marketplaceIds: [q.marketplaceId],
          startDateTime: isoDate(q.startDateTime),
          sellerSkus: q.sellerSkus,
          nextToken: next,
        },
      });
      for (const s of r.payload.inventorySummaries) {
        if (!s.sellerSku) continue;
        const d = s.inventoryDetails ?? {};
        rows.push({
          marketplaceId: q.marketplaceId,
          sellerSku: s.sellerSku,
          asin: s.asin,
          fnSku: s.fnSku,
          productName: s.productName,
          condition: s.condition,
          lastUpdatedTime: s.lastUpdatedTime,
          fulfillable: d.fulfillableQuantity ?? 0,
          inboundWorking: d.inboundWorkingQuantity ?? 0,
          inboundShipped: d.inboundShippedQuantity ?? 0,
          inboundReceiving: d.inboundReceivingQuantity ?? 0,
          reserved: d.reservedQuantity?.totalReservedQuantity ?? 0,
          reservedPendingCustomerOrder: d.reservedQuantity?.pendingCustomerOrderQuantity ?? 0,
          reservedTransshipment: d.reservedQuantity?.pendingTransshipmentQuantity ?? 0,
          reservedFcProcessing: d.reservedQuantity?.fcProcessingQuantity ?? 0,
          unfulfillable: d.unfulfillableQuantity?.totalUnfulfillableQuantity ?? 0,
          researching: d.researchingQuantity?.totalResearchingQuantity ?? 0,
          total: s.totalQuantity ?? 0,
        });
      }
      next = r.pagination?.nextToken;
    } while (next);
    return rows;
  }
}
