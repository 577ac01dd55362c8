/**
 * The inventory flow's AmazonFbaStock on the SP-API connector's getInventorySummaries (details on, every page back
 * to back; the connector starts again once when a 30-second nextToken expired).
 */
import type { AmazonApi } from "../../amazon/index";
import type { AmazonFbaStock, FbaStock } from "../../flows/inventory/ports";

export class SpApiFbaStock implements AmazonFbaStock {
  constructor(private readonly client: Pick<AmazonApi, "fbaInventory">) {}

  async summaries(marketplaceId: string): Promise<FbaStock[]> {
    const rows = await this.client.fbaInventory.summaries({ marketplaceId });
    return rows.map((r) => ({
      marketplaceId: r.marketplaceId,
      sellerSku: r.sellerSku,
      ...(r.asin ? { asin: r.asin } : {}),
      ...(r.fnSku ? { fnSku: r.fnSku } : {}),
      fulfillable: r.fulfillable,
      inboundWorking: r.inboundWorking,
      inboundShipped: r.inboundShipped,
      inboundReceiving: r.inboundReceiving,
      reserved: r.reserved,
      unfulfillable: r.unfulfillable,
      researching: r.researching,
      ...(r.lastUpdatedTime ? { lastUpdatedTime: r.lastUpdatedTime } : {}),
    }));
  }
}
