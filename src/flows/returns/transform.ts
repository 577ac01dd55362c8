/**
 * An Amazon return and its D365 sales order -> the D365 return order (ReturnOrderHeadersV2 header and
 * ReturnOrderLinesV2 lines), pure. Field names are D365's (checked against the F&O entity metadata):
 *
 * - header: CustomerAccountNumber (the sales order's customer), CustomersOrderReference (the sales order's: the
 *   Amazon order id, the link to the sales order and its invoices; an MCF order's own reference, else the MCF
 *   order id), CustomerRequisitionNumber (the Amazon return: license
 *   plate, RMA id or MCF return authorization; with the order id it finds the return order again after a
 *   crash), CustomerReturnReasonCode (Amazon's reason mapped), CurrencyCode, DefaultReturnWarehouseId and
 *   DefaultReturnSiteId;
 * - lines: ItemNumber and variant dimensions (SKU cross-reference), ReturnSalesQuantity (negative: D365
 *   refuses a positive return quantity), SalesPrice and SalesUnitSymbol of the original sales line,
 *   ReturnDispositionCode (Amazon's disposition mapped), ReturnWarehouseId/ReturnSiteId, and ExternalItemNumber
 *   (the Amazon SKU: two SKUs of one item stay two lines).
 *
 * Every unknown code and SKU of the return is reported at once in one MappingGapError with the entries to add;
 * nothing is written to D365 before the whole return maps.
 */
import type { MarketplaceMapping } from "../../mapping/marketplaces";
import type { Mappings } from "../../mapping/mappings";
import { isCodeGap, type ReturnCodeGap, type ReturnMappings } from "../../mapping/returns";
import { MappingGapError } from "../../platform/errors";
import { shortHash } from "./model";
import type { SalesOrderForReturn } from "./ports";
import type { ReturnLineRecord, ReturnRecord } from "./records";

export interface ReturnOrderHeaderDraft {
  dataAreaId: string;
  CustomerAccountNumber: string;
  CustomersOrderReference: string;
  CustomerRequisitionNumber: string;
  CustomerReturnReasonCode: string;
  CurrencyCode?: string;
  DefaultReturnWarehouseId: string;
  DefaultReturnSiteId?: string;
}

/** SalesPrice is a decimal string; the adapter writes it as an exact JSON number. */
export interface ReturnOrderLineDraft {
  ItemNumber: string;
  ExternalItemNumber: string;
  /** Negative. */
  ReturnSalesQuantity: number;
  ReturnDispositionCode?: string;
  ReturnWarehouseId: string;
  ReturnSiteId?: string;
  SalesPrice?: string;
  SalesUnitSymbol?: string;
  ProductColorId?: string;
  ProductSizeId?: string;
  ProductStyleId?: string;
  ProductConfigurationId?: string;
}

export interface ReturnOrderDraft {
  header: ReturnOrderHeaderDraft;
  lines: ReturnOrderLineDraft[];
  /** What the record keeps of it. */
  recordLines: ReturnLineRecord[];
  marketplaceId?: string;
}

/**
 * D365's CustomerRequisitionNumber is a short field (20 characters is likely; check the environment's
 * $metadata MaxLength, docs/returns.md): a longer Amazon return id is replaced by a stable short hash.
 */
export const REQUISITION_MAX = 20;

export function requisitionFor(returnId: string): string {
  return returnId.length <= REQUISITION_MAX ? returnId : `AMZ${shortHash(returnId, REQUISITION_MAX - 3).toUpperCase()}`;
}

/** The marketplace of a return: the one whose D365 customer the sales order has (the report's marketplace when several do). */
export function marketplaceOf(
  record: Pick<ReturnRecord, "marketplaceId">,
  so: SalesOrderForReturn,
  mappings: Mappings,
): MarketplaceMapping | undefined {
  const all = mappings.marketplacesFile.marketplaces.filter(
    (m) =>
      m.dataAreaId.toLowerCase() === so.dataAreaId.toLowerCase() && m.customerAccount.toLowerCase() === so.customerAccount.toLowerCase(),
  );
  return (
    all.find((m) => m.marketplaceId === record.marketplaceId) ??
    all[0] ??
    (record.marketplaceId ? mappings.marketplace(record.marketplaceId) : undefined)
  );
}

export function toReturnOrder(
  record: Pick<ReturnRecord, "key" | "channel" | "amazonOrderId" | "returnId" | "marketplaceId" | "items">,
  so: SalesOrderForReturn,
  mappings: Mappings,
  returnMappings: ReturnMappings,
): ReturnOrderDraft {
  const marketplace = marketplaceOf(record, so, mappings);
  const marketplaceId = marketplace?.marketplaceId ?? record.marketplaceId;
  const gaps: ReturnCodeGap[] = [];
  const skuGaps: { sku: string; asin?: string; fnsku?: string }[] = [];

  const warehouse = returnMappings.warehouse(record.channel, marketplaceId) ?? defaultWarehouse(record.channel, marketplace, so);
  if (!warehouse) {
    throw new MappingGapError(
      "returns.noWarehouse",
      `Return ${record.key}: no returns warehouse for ${record.channel} returns in marketplace ${marketplaceId ?? "(unknown)"}; ` +
        "add one to returns.json warehouses (or the marketplace to marketplaces.json).",
      {
        where: "returns.json warehouses",
        suggestion: { file: "returns.json", add: { warehouses: [{ channel: record.channel, marketplaceId, warehouseId: "<warehouse>" }] } },
      },
    );
  }

  const first = record.items[0];
  const reason = first ? returnMappings.reason(first.reason) : undefined;
  if (reason && isCodeGap(reason)) gaps.push(reason);

  const lines: ReturnOrderLineDraft[] = [];
  const recordLines: ReturnLineRecord[] = [];
  for (const item of record.items) {
    const sku = marketplaceId ? mappings.sku(item.sku, marketplaceId) : undefined;
    if (!sku) {
      skuGaps.push({ sku: item.sku, ...(item.asin ? { asin: item.asin } : {}), ...(item.fnsku ? { fnsku: item.fnsku } : {}) });
      continue;
    }
    let dispositionCode: string | undefined;
    if (record.channel === "FBM") dispositionCode = returnMappings.file.fbmDispositionCode;
    else if (item.disposition) {
      const d = returnMappings.disposition(item.disposition);
      if (isCodeGap(d)) gaps.push(d);
      else dispositionCode = d.code;
    }
    // Other reasons of a multi-item return must map too, although the header carries the first one.
    if (item !== first) {
      const r = returnMappings.reason(item.reason);
      if (isCodeGap(r) && !gaps.some((g) => g.kind === "reason" && g.key === r.key)) gaps.push(r);
    }
    const original = so.lines.find((l) => l.itemNumber.toLowerCase() === sku.itemNumber.toLowerCase());
    const quantity = item.quantity * (sku.unitsPerAmazonUnit ?? 1);
    lines.push({
      ItemNumber: sku.itemNumber,
      ExternalItemNumber: item.sku,
      ReturnSalesQuantity: -quantity,
      ...(dispositionCode ? { ReturnDispositionCode: dispositionCode } : {}),
      ReturnWarehouseId: warehouse.warehouseId,
      ...(warehouse.siteId ? { ReturnSiteId: warehouse.siteId } : {}),
      ...(original?.salesPrice !== undefined ? { SalesPrice: original.salesPrice } : {}),
      ...(original?.salesUnit ? { SalesUnitSymbol: original.salesUnit } : sku.salesUnit ? { SalesUnitSymbol: sku.salesUnit } : {}),
      ...(sku.colorId ? { ProductColorId: sku.colorId } : {}),
      ...(sku.sizeId ? { ProductSizeId: sku.sizeId } : {}),
      ...(sku.styleId ? { ProductStyleId: sku.styleId } : {}),
      ...(sku.configurationId ? { ProductConfigurationId: sku.configurationId } : {}),
    });
    recordLines.push({
      sku: item.sku,
      itemNumber: sku.itemNumber,
      quantity,
      ...(dispositionCode ? { dispositionCode } : {}),
      warehouseId: warehouse.warehouseId,
    });
  }

  if (gaps.length || skuGaps.length) throw mappingGap(record, gaps, skuGaps);
  if (!reason || isCodeGap(reason) || lines.length === 0) {
    throw new MappingGapError("returns.empty", `Return ${record.key} has no item to return`, { where: "report" });
  }
  for (const l of recordLines) l.reasonCode = reason.code;
  return {
    header: {
      dataAreaId: so.dataAreaId,
      CustomerAccountNumber: so.customerAccount,
      CustomersOrderReference: so.customersOrderReference || record.amazonOrderId,
      CustomerRequisitionNumber: requisitionFor(record.returnId),
      CustomerReturnReasonCode: reason.code,
      ...(so.currency ? { CurrencyCode: so.currency } : {}),
      DefaultReturnWarehouseId: warehouse.warehouseId,
      ...(warehouse.siteId ? { DefaultReturnSiteId: warehouse.siteId } : {}),
    },
    lines,
    recordLines,
    ...(marketplaceId ? { marketplaceId } : {}),
  };
}

/** FBA returns stay in the marketplace's FBA warehouse; FBM ones go to its own warehouse; MCF ones where the order shipped from. */
function defaultWarehouse(
  channel: ReturnRecord["channel"],
  marketplace: MarketplaceMapping | undefined,
  so: SalesOrderForReturn,
): { warehouseId: string; siteId?: string } | undefined {
  if (channel === "MCF")
    return so.shippingWarehouseId
      ? { warehouseId: so.shippingWarehouseId, ...(so.shippingSiteId ? { siteId: so.shippingSiteId } : {}) }
      : undefined;
  const target = marketplace?.fulfillment[channel === "FBA" ? "AFN" : "MFN"];
  return target ? { warehouseId: target.warehouseId, siteId: target.siteId } : undefined;
}

function mappingGap(
  record: Pick<ReturnRecord, "key" | "amazonOrderId">,
  gaps: ReturnCodeGap[],
  skuGaps: { sku: string; asin?: string; fnsku?: string }[],
): MappingGapError {
  const parts: string[] = [];
  const reasons: Record<string, string> = {};
  const dispositions: Record<string, string> = {};
  for (const g of gaps) {
    parts.push(`${g.kind} "${g.code}" is not in returns.json ${g.kind === "reason" ? "reasons" : "dispositions"}`);
    (g.kind === "reason" ? reasons : dispositions)[g.key] = g.suggestedCode ?? "<D365 code>";
  }
  for (const s of skuGaps) parts.push(`SKU ${s.sku} has no D365 item in sku-crossref.json`);
  const suggestion: Record<string, unknown>[] = [];
  if (gaps.length) {
    suggestion.push({
      file: "returns.json",
      add: { ...(Object.keys(reasons).length ? { reasons } : {}), ...(Object.keys(dispositions).length ? { dispositions } : {}) },
    });
  }
  if (skuGaps.length)
    suggestion.push({
      file: "sku-crossref.json",
      add: { items: skuGaps.map(({ sku, ...ids }) => ({ sellerSku: sku, itemNumber: "<ItemNumber>", ...ids })) },
    });
  const where = [...(gaps.length ? ["returns.json"] : []), ...(skuGaps.length ? ["sku-crossref.json"] : [])].join(", ");
  return new MappingGapError(
    gaps.length ? "returns.unknownCode" : "returns.unknownSku",
    `Return ${record.key} of order ${record.amazonOrderId}: ${parts.join("; ")}. Add the entries, then replay the return ` +
      "(POST /api/deadletters/{queue}/{messageId}/replay) or wait for the next returns sync.",
    { where, suggestion: suggestion.length === 1 ? suggestion[0] : suggestion, details: { returnKey: record.key } },
  );
}
