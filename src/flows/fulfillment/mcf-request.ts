/**
 * Pure rules of MCF fulfillment (mappings/fulfillment.json, sku-crossref.json): which D365 order goes to
 * Amazon, when it is ready, and the MCF order request built from it. No I/O.
 *
 * - An order is an MCF order when its legal entity has an entry and its default warehouse and/or mode of
 *   delivery match (as the entry's `match` says), and its origin is not one of Amazon's own.
 * - Ready: open (Backorder), with a processing status the entry lists (Confirmed by default), not stopped.
 * - Items go by the SKU cross-reference read backwards (ItemNumber and product dimensions -> SellerSKU),
 *   converting D365 units into Amazon units (`unitsPerAmazonUnit`); a line that is not a whole number of
 *   Amazon units, an item without a SKU, a unit that differs from the mapping's, an order without lines or
 *   without a delivery address stops the order before anything is sent (MappingGapError / ValidationError
 *   naming every problem), never a partial request.
 */
import type { McfLegalEntity } from "../../mapping/fulfillment";
import type { SkuMapping } from "../../mapping/sku-crossref";
import { MappingGapError, ValidationError } from "../../platform/errors";
import type { McfDestination, McfOrderRequest, SalesOrderHeader, SalesOrderLine, ShippingSpeed } from "./model";

const same = (a: string | undefined, b: string | undefined) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();

/** Does the entry select this order (warehouse and/or mode of delivery; Amazon's own orders never)? */
export function selectsOrder(rule: McfLegalEntity, header: SalesOrderHeader): boolean {
  if (!same(rule.dataAreaId, header.company)) return false;
  if (header.originCode && rule.excludeOriginCodes.some((o) => same(o, header.originCode))) return false;
  const byWarehouse = rule.warehouses.some((w) => same(w, header.warehouseId));
  const byMode = Object.keys(rule.modesOfDelivery).some((m) => same(m, header.deliveryModeCode));
  return rule.match === "warehouse-and-mode" ? byWarehouse && byMode : byWarehouse || byMode;
}

/** Whether a selected order is ready to go to Amazon; the reason when not. */
export function readiness(rule: McfLegalEntity, header: SalesOrderHeader): { ready: true } | { ready: false; reason: string } {
  if (header.status && header.status !== "Backorder") return { ready: false, reason: `the order is ${header.status}, not open` };
  if (rule.readyWhen.notStopped && header.stopped) return { ready: false, reason: "the order's processing is stopped" };
  const ps = header.processingStatus ?? "Active";
  if (!rule.readyWhen.processingStatuses.some((s) => s === ps))
    return { ready: false, reason: `processing status ${ps}; ready at ${rule.readyWhen.processingStatuses.join(" or ")}` };
  return { ready: true };
}

export function shippingSpeedFor(rule: McfLegalEntity, header: SalesOrderHeader): ShippingSpeed {
  const hit = Object.entries(rule.modesOfDelivery).find(([mode]) => same(mode, header.deliveryModeCode));
  return hit ? hit[1] : rule.defaultShippingSpeed;
}

/** A SKU chosen for a D365 item: the cross-reference entry read backwards. */
export interface SkuChoice {
  sku: string;
  unitsPerAmazonUnit: number;
  salesUnit?: string;
}

/**
 * The SellerSKU of a D365 item (with its product dimensions) in a marketplace: entries limited to the
 * marketplace first, then general ones; among those, one Amazon unit = one D365 unit first, then the file's
 * order. `identity` (unmappedSku) uses the ItemNumber itself.
 */
export function skuForItem(
  line: Pick<SalesOrderLine, "itemNumber" | "colorId" | "sizeId" | "styleId" | "configurationId">,
  marketplaceId: string,
  file: { unmappedSku: "fail" | "identity"; items: SkuMapping[] },
): SkuChoice | undefined {
  const dims = (a: string | undefined, b: string | undefined) => (a ?? "") === (b ?? "");
  const candidates = file.items.filter(
    (s) =>
      same(s.itemNumber, line.itemNumber) &&
      dims(s.colorId, line.colorId) &&
      dims(s.sizeId, line.sizeId) &&
      dims(s.styleId, line.styleId) &&
      dims(s.configurationId, line.configurationId) &&
      (!s.marketplaceIds || s.marketplaceIds.includes(marketplaceId)),
  );
  const rank = (s: SkuMapping) => (s.marketplaceIds ? 0 : 2) + ((s.unitsPerAmazonUnit ?? 1) === 1 ? 0 : 1);
  const best = [...candidates].sort((a, b) => rank(a) - rank(b))[0];
  if (best)
    return {
      sku: best.sellerSku,
      unitsPerAmazonUnit: best.unitsPerAmazonUnit ?? 1,
      ...(best.salesUnit ? { salesUnit: best.salesUnit } : {}),
    };
  if (file.unmappedSku === "identity") return { sku: line.itemNumber, unitsPerAmazonUnit: 1 };
  return undefined;
}

/** D365 keeps two-letter codes in DeliveryAddressCountryRegionISOCode; this covers the three-letter ids of MCF's networks. */
const ISO2_OF: Record<string, string> = {
  USA: "US",
  CAN: "CA",
  MEX: "MX",
  GBR: "GB",
  DEU: "DE",
  FRA: "FR",
  ITA: "IT",
  ESP: "ES",
  NLD: "NL",
  POL: "PL",
  SWE: "SE",
  BEL: "BE",
  AUT: "AT",
  IRL: "IE",
  CZE: "CZ",
  JPN: "JP",
  AUS: "AU",
};

/** The D365 delivery address as Amazon's destination (street lines split at line breaks). */
export function destinationOf(header: SalesOrderHeader): McfDestination | { problems: string[] } {
  const a = header.deliveryAddress ?? {};
  const problems: string[] = [];
  const street = (a.street ?? "")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  const country = (a.countryIsoCode?.trim() || ISO2_OF[(a.countryRegionId ?? "").trim().toUpperCase()] || "").toUpperCase();
  if (!a.name?.trim()) problems.push("the delivery address has no name (DeliveryAddressName)");
  if (street.length === 0) problems.push("the delivery address has no street (DeliveryAddressStreet)");
  if (!a.zipCode?.trim()) problems.push("the delivery address has no ZIP/postal code (DeliveryAddressZipCode)");
  if (!/^[A-Z]{2}$/.test(country))
    problems.push(
      `the delivery country "${a.countryIsoCode || a.countryRegionId || ""}" has no ISO code (DeliveryAddressCountryRegionISOCode)`,
    );
  if (problems.length) return { problems };
  return {
    name: a.name!.trim(),
    addressLine1: street[0]!,
    ...(street[1] ? { addressLine2: street[1] } : {}),
    ...(street.length > 2 ? { addressLine3: street.slice(2).join(", ") } : {}),
    ...(a.city?.trim() ? { city: a.city.trim() } : {}),
    ...(a.stateId?.trim() ? { stateOrRegion: a.stateId.trim() } : {}),
    postalCode: a.zipCode!.trim(),
    countryCode: country,
  };
}

/** The lines that go to Amazon: open, with a quantity, not an ignored (freight, service) item. */
export function shippableLines(rule: McfLegalEntity, lines: SalesOrderLine[]): SalesOrderLine[] {
  return lines
    .filter((l) => l.quantity > 0 && l.status !== "Canceled" && !rule.ignoreItems.some((i) => same(i, l.itemNumber)))
    .sort((a, b) => (a.lineNumber ?? 0) - (b.lineNumber ?? 0) || a.lotId.localeCompare(b.lotId));
}

export interface RequestLine {
  lotId: string;
  itemNumber: string;
  sku: string;
  /** In Amazon units. */
  quantity: number;
  unitsPerAmazonUnit: number;
}

/** The whole MCF request, or an error naming every problem (nothing partial is ever sent). */
export function toMcfRequest(
  header: SalesOrderHeader,
  lines: SalesOrderLine[],
  rule: McfLegalEntity,
  skus: { unmappedSku: "fail" | "identity"; items: SkuMapping[] },
  sellerFulfillmentOrderId: string,
  now: Date,
): { request: McfOrderRequest; lines: RequestLine[] } {
  const so = header.salesOrderNumber;
  const shippable = shippableLines(rule, lines);
  if (shippable.length === 0) {
    throw new ValidationError("fulfillment.noLines", `Sales order ${so} has no lines to ship; add its lines in D365, then replay it.`, {
      where: "SalesOrderLinesV3",
      details: { salesOrderNumber: so, company: header.company },
    });
  }
  const destination = destinationOf(header);
  if ("problems" in destination) {
    throw new ValidationError(
      "fulfillment.address",
      `Sales order ${so}: ${destination.problems.join("; ")}. Complete the delivery address in D365, then replay the order.`,
      { where: "SalesOrderHeadersV4 DeliveryAddress*", details: { salesOrderNumber: so, company: header.company } },
    );
  }
  const unknown: SalesOrderLine[] = [];
  const problems: string[] = [];
  const out: RequestLine[] = [];
  for (const l of shippable) {
    const choice = skuForItem(l, rule.marketplaceId, skus);
    if (!choice) {
      unknown.push(l);
      continue;
    }
    if (choice.salesUnit && l.unit && !same(choice.salesUnit, l.unit)) {
      problems.push(`line ${l.lotId} sells ${l.itemNumber} in ${l.unit}, the mapping of ${choice.sku} in ${choice.salesUnit}`);
      continue;
    }
    const amazonUnits = l.quantity / choice.unitsPerAmazonUnit;
    if (!Number.isInteger(amazonUnits) || amazonUnits < 1) {
      const qty = l.unit ? `${l.quantity} ${l.unit}` : String(l.quantity);
      problems.push(
        `line ${l.lotId}: ${qty} of ${l.itemNumber} is not a whole number of Amazon units of ${choice.sku} (${choice.unitsPerAmazonUnit} each)`,
      );
      continue;
    }
    out.push({
      lotId: l.lotId,
      itemNumber: l.itemNumber,
      sku: choice.sku,
      quantity: amazonUnits,
      unitsPerAmazonUnit: choice.unitsPerAmazonUnit,
    });
  }
  if (unknown.length) {
    const items = [...new Set(unknown.map((l) => l.itemNumber))];
    throw new MappingGapError(
      "mapping.itemWithoutSku",
      `Sales order ${so}: item ${items.join(", ")} has no SellerSKU in mappings/sku-crossref.json for marketplace ${rule.marketplaceId}. ` +
        "Add the SKU Amazon stores it under, then replay the order.",
      {
        where: "sku-crossref.json $.items",
        details: { salesOrderNumber: so, company: header.company, items },
        suggestion: { file: "sku-crossref.json", add: items.map((itemNumber) => ({ sellerSku: "<Amazon SellerSKU>", itemNumber })) },
      },
    );
  }
  if (problems.length) {
    throw new MappingGapError(
      "mapping.unitConversion",
      `Sales order ${so}: ${problems.join("; ")}. Fix the line or the mapping, then replay the order.`,
      {
        where: "sku-crossref.json unitsPerAmazonUnit / salesUnit",
        details: { salesOrderNumber: so, company: header.company },
      },
    );
  }
  // Amazon wants one line per SKU id: lines stay separate (their ids are the D365 lines), SKUs may repeat.
  return {
    request: {
      sellerFulfillmentOrderId,
      marketplaceId: rule.marketplaceId,
      displayableOrderId: so.slice(0, 40),
      displayableOrderDate: header.createdAt ?? now.toISOString(),
      displayableOrderComment: rule.displayableOrderComment,
      shippingSpeed: shippingSpeedFor(rule, header),
      fulfillmentPolicy: rule.fulfillmentPolicy,
      destination,
      items: out.map((l) => ({ lineId: l.lotId, sku: l.sku, quantity: l.quantity })),
    },
    lines: out,
  };
}
