/**
 * Pure transform: an Amazon order with its items (the flow's order model, amazon-order.ts) and the mappings
 * -> the D365 sales order header (SalesOrderHeadersV4) and lines (SalesOrderLinesV3) to create. No I/O, no clock.
 *
 * Rules (Amazon's Orders API and D365's SalesOrderHeadersV4 / SalesOrderLinesV3 fields; docs/orders.md):
 * - Amazon's ItemPrice and PromotionDiscount are line totals. When both divide by the quantity into cents,
 *   SalesPrice is the unit price and LineDiscountAmount the unit discount. When they do not (10.00 / 3), the
 *   line is priced per its whole quantity: SalesPrice = the net line total, SalesPriceQuantity (F&O's price
 *   unit) = the quantity, so that F&O computes LineAmount = SalesPrice x quantity / price unit exactly; no
 *   rounded 6-decimal unit price, and no LineAmount that F&O might recompute. The discount is folded into
 *   that price so the amount is exact whatever F&O does with a discount per price unit.
 * - SkipCreateAutoCharges = Yes on header and lines: the customer's or item's automatic charges would be
 *   added to Amazon's amounts, which already are what the buyer paid. IsPriceLocked = Yes on lines: Amazon's
 *   price is fixed, so a change of quantity or date in D365 must not re-price the line from trade agreements.
 * - SalesOrderPromisingMethod (delivery date control) = None: Amazon's dates are its commitment, and they are
 *   in the past for a catch-up, backfill or replay, which F&O moves or refuses under any other method.
 * - Shipping (ShippingPrice - ShippingDiscount) and gift wrap become an extra line or a header charge, as
 *   the marketplace mapping says.
 * - Every line carries a deterministic key (OrderLineReference = Amazon OrderItemId, or "shipping" /
 *   "giftwrap") and number (CustomersLineNumber), so a retry finds what exists and adds only what is missing.
 * - Anything unmappable (unknown SKU, unknown marketplace, wrong currency, unknown country) throws a
 *   MappingGapError naming the field and a suggested mapping entry: no partial order is ever built.
 */
import { MappingGapError, ValidationError } from "../../platform/errors";
import { Dec, dec, sum, toMoneyString } from "../../platform/money";
import type { Mappings } from "../../mapping/mappings";
import type { ExtraAmountHandling, MarketplaceMapping } from "../../mapping/marketplaces";
import { type D365DeliveryAddress, toDeliveryAddress } from "./address";
import type { AmazonMoney, AmazonOrder, AmazonOrderItem, ShippingAddress } from "./amazon-order";

export type NoYes = "Yes" | "No";

export interface SalesOrderHeaderDraft extends Partial<Omit<D365DeliveryAddress, "IsDeliveryAddressOrderSpecific">> {
  dataAreaId: string;
  CustomersOrderReference: string;
  OrderingCustomerAccountNumber: string;
  InvoiceCustomerAccountNumber: string;
  CurrencyCode: string;
  LanguageId?: string;
  SalesOrderOriginCode?: string;
  SalesOrderPoolId?: string;
  DefaultShippingSiteId: string;
  DefaultShippingWarehouseId: string;
  DeliveryModeCode?: string;
  SalesTaxGroupCode?: string;
  ArePricesIncludingSalesTax: NoYes;
  RequestedShippingDate?: string;
  RequestedReceiptDate?: string;
  IsDeliveryAddressOrderSpecific?: NoYes;
  SkipCreateAutoCharges: NoYes;
  /** Delivery date control: None keeps Amazon's requested dates as they are. */
  SalesOrderPromisingMethod: "None";
}

/** Money fields are decimal strings ("12.50"); the D365 adapter decides their wire form. */
export interface SalesOrderLineDraft {
  /** Stable identity of the line within the order (stored in OrderLineReference). */
  key: string;
  CustomersLineNumber: number;
  ItemNumber: string;
  ProductColorId?: string;
  ProductSizeId?: string;
  ProductStyleId?: string;
  ProductConfigurationId?: string;
  OrderedSalesQuantity: number;
  SalesUnitSymbol?: string;
  /** Per unit, or per SalesPriceQuantity units when given. */
  SalesPrice: string;
  /** F&O's price unit: the quantity SalesPrice is for (absent: 1). */
  SalesPriceQuantity?: number;
  LineDiscountAmount: string;
  ShippingSiteId: string;
  ShippingWarehouseId: string;
  SalesTaxGroupCode?: string;
  ExternalItemNumber?: string;
  LineDescription?: string;
  SkipCreateAutoCharges: NoYes;
  IsPriceLocked: NoYes;
  SalesOrderPromisingMethod: "None";
}

export interface SalesOrderChargeDraft {
  key: string;
  SalesChargeCode: string;
  ChargeAmount: string;
  Description: string;
}

export interface SalesOrderDraft {
  amazonOrderId: string;
  marketplaceId: string;
  dataAreaId: string;
  header: SalesOrderHeaderDraft;
  lines: SalesOrderLineDraft[];
  charges: SalesOrderChargeDraft[];
  /** Amazon's amounts for checks and logs (no PII). */
  totals: { goods: string; discounts: string; shipping: string; giftWrap: string; amazonTax: string; orderTotal?: string };
}

function money(m: AmazonMoney | undefined, currency: string, field: string, amazonOrderId: string): Dec {
  if (!m || m.amount === "") return new Dec(0);
  if (m.currency && m.currency !== currency) {
    throw new MappingGapError(
      "order.currencyMismatch",
      `Order ${amazonOrderId}: ${field} is in ${m.currency} but the marketplace is mapped to ${currency}.`,
      {
        where: field,
        details: { amazonOrderId, field, currency: m.currency },
        suggestion: { file: "marketplaces.json", set: { currency: m.currency } },
      },
    );
  }
  try {
    return dec(m.amount);
  } catch {
    throw new ValidationError("order.badAmount", `Order ${amazonOrderId}: ${field} "${m.amount}" is not a decimal amount.`, {
      where: field,
    });
  }
}

/** The line's price fields for Amazon's line total and discount (see the header): exact in every case. */
export function linePrice(
  total: Dec,
  discount: Dec,
  quantity: number,
): Pick<SalesOrderLineDraft, "SalesPrice" | "SalesPriceQuantity" | "LineDiscountAmount"> {
  const unit = total.div(quantity);
  const unitDiscount = discount.div(quantity);
  const cents = (d: Dec) => d.toDecimalPlaces(2).eq(d);
  if (quantity === 1 || (cents(unit) && cents(unitDiscount))) {
    return { SalesPrice: toMoneyString(unit), LineDiscountAmount: toMoneyString(unitDiscount) };
  }
  return { SalesPrice: toMoneyString(total.minus(discount)), SalesPriceQuantity: quantity, LineDiscountAmount: "0.00" };
}

function marketplaceGap(marketplaceId: string | undefined, amazonOrderId: string): MappingGapError {
  return new MappingGapError(
    "mapping.unknownMarketplace",
    `Order ${amazonOrderId} is from marketplace ${marketplaceId ?? "(none)"}, which mappings/marketplaces.json does not list. ` +
      "Add it (company, customer, currency, warehouses).",
    {
      where: "marketplaces.json $.marketplaces",
      details: { amazonOrderId, marketplaceId },
      suggestion: {
        file: "marketplaces.json",
        add: {
          marketplaceId,
          dataAreaId: "<legal entity>",
          customerAccount: "<customer account>",
          currency: "<ISO currency>",
          fulfillment: { AFN: { siteId: "<site>", warehouseId: "<warehouse>" }, MFN: { siteId: "<site>", warehouseId: "<warehouse>" } },
          shipping: { as: "ignore" },
          giftWrap: { as: "ignore" },
          tax: { pricesIncludeTax: false, marketplaceFacilitator: "seller-tax-group" },
        },
      },
    },
  );
}

export function marketplaceFor(order: AmazonOrder, mappings: Mappings): MarketplaceMapping {
  const mp = order.marketplaceId ? mappings.marketplace(order.marketplaceId) : undefined;
  if (!mp) throw marketplaceGap(order.marketplaceId, order.amazonOrderId);
  return mp;
}

function isMarketplaceFacilitator(item: AmazonOrderItem): boolean {
  return item.taxCollectionModel === "MarketplaceFacilitator";
}

function extraAmount(
  kind: "shipping" | "giftwrap",
  handling: ExtraAmountHandling,
  amount: Dec,
  lineNumber: number,
  target: { siteId: string; warehouseId: string },
  taxGroup: string | undefined,
): { line?: SalesOrderLineDraft; charge?: SalesOrderChargeDraft } {
  if (amount.isZero() || handling.as === "ignore") return {};
  const description = kind === "shipping" ? "Amazon shipping" : "Amazon gift wrap";
  if (handling.as === "charge") {
    return { charge: { key: kind, SalesChargeCode: handling.chargeCode!, ChargeAmount: toMoneyString(amount), Description: description } };
  }
  return {
    line: {
      key: kind,
      CustomersLineNumber: lineNumber,
      ItemNumber: handling.itemNumber!,
      OrderedSalesQuantity: 1,
      SalesPrice: toMoneyString(amount),
      LineDiscountAmount: "0.00",
      ShippingSiteId: target.siteId,
      ShippingWarehouseId: target.warehouseId,
      ...(taxGroup ? { SalesTaxGroupCode: taxGroup } : {}),
      LineDescription: description,
      ...LINE_DEFAULTS,
    },
  };
}

/** What every line carries (see the header). */
const LINE_DEFAULTS = { SkipCreateAutoCharges: "Yes", IsPriceLocked: "Yes", SalesOrderPromisingMethod: "None" } as const;

export interface TransformOptions {
  /** The state codes D365 knows for the ship-to country (outside the US and Canada); a state not among them is left out. */
  knownStates?: ReadonlySet<string>;
}

/**
 * Builds the whole D365 order or throws; never returns a partial order. `address` is the address from
 * getOrderAddress (RDT) when available, else the order's own shipping address is used.
 */
export function toSalesOrder(
  order: AmazonOrder,
  items: AmazonOrderItem[],
  mappings: Mappings,
  address?: ShippingAddress,
  options: TransformOptions = {},
): SalesOrderDraft {
  const id = order.amazonOrderId;
  const mp = marketplaceFor(order, mappings);
  const currency = mp.currency;
  const channel = order.fulfillmentChannel ?? "MFN";
  const target = mp.fulfillment[channel];

  const ordered = [...items].filter((i) => i.quantityOrdered > 0).sort((a, b) => a.orderItemId.localeCompare(b.orderItemId));
  if (ordered.length === 0) {
    throw new ValidationError("order.noItems", `Order ${id} has no items with a quantity; nothing to create.`, {
      details: { amazonOrderId: id },
    });
  }

  // Resolve every SKU first, so that one error lists all unknown SKUs of the order.
  const unknown = ordered.filter((i) => !i.sku || !mappings.sku(i.sku, mp.marketplaceId));
  if (unknown.length) {
    const skus = unknown.map((i) => i.sku ?? `(no SellerSKU, ASIN ${i.asin ?? "?"})`);
    throw new MappingGapError(
      "mapping.unknownSku",
      `Order ${id}: SellerSKU ${skus.join(", ")} not in mappings/sku-crossref.json. ` +
        `Add the D365 ItemNumber for ${skus.length === 1 ? "it" : "each"}, then replay the order.`,
      {
        where: "sku-crossref.json $.items",
        details: { amazonOrderId: id, marketplaceId: mp.marketplaceId, skus },
        suggestion: {
          file: "sku-crossref.json",
          add: unknown.map((i) => ({ sellerSku: i.sku ?? "", itemNumber: "<D365 ItemNumber>", ...(i.asin ? { asin: i.asin } : {}) })),
        },
      },
    );
  }

  const tax = mp.tax;
  const mfExempt = tax.marketplaceFacilitator === "exempt-tax-group";
  const lines: SalesOrderLineDraft[] = [];
  let goods = new Dec(0);
  let discounts = new Dec(0);
  const shipping: Dec[] = [];
  const giftWrap: Dec[] = [];
  const amazonTax: Dec[] = [];

  ordered.forEach((item, index) => {
    const sku = mappings.sku(item.sku!, mp.marketplaceId)!;
    const field = (name: string) => `OrderItems[${item.orderItemId}].${name}`;
    if (!item.itemPrice) {
      // SP-API: Pending orders carry no prices; a created order must.
      throw new ValidationError("order.itemPriceMissing", `Order ${id}: item ${item.orderItemId} (${item.sku}) has no ItemPrice yet.`, {
        where: field("ItemPrice"),
        details: { amazonOrderId: id, orderItemId: item.orderItemId },
      });
    }
    const total = money(item.itemPrice, currency, field("ItemPrice"), id);
    const discount = money(item.promotionDiscount, currency, field("PromotionDiscount"), id);
    const factor = sku.unitsPerAmazonUnit ?? 1;
    const quantity = item.quantityOrdered * factor;
    goods = goods.plus(total);
    discounts = discounts.plus(discount);
    shipping.push(
      money(item.shippingPrice, currency, field("ShippingPrice"), id).minus(
        money(item.shippingDiscount, currency, field("ShippingDiscount"), id),
      ),
    );
    giftWrap.push(money(item.giftWrapPrice, currency, field("BuyerInfo.GiftWrapPrice"), id));
    amazonTax.push(money(item.itemTax, currency, field("ItemTax"), id));
    const taxGroup = mfExempt && isMarketplaceFacilitator(item) ? tax.marketplaceFacilitatorTaxGroup : tax.salesTaxGroup;
    lines.push({
      key: item.orderItemId,
      CustomersLineNumber: index + 1,
      ItemNumber: sku.itemNumber,
      ...(sku.colorId ? { ProductColorId: sku.colorId } : {}),
      ...(sku.sizeId ? { ProductSizeId: sku.sizeId } : {}),
      ...(sku.styleId ? { ProductStyleId: sku.styleId } : {}),
      ...(sku.configurationId ? { ProductConfigurationId: sku.configurationId } : {}),
      OrderedSalesQuantity: quantity,
      ...(sku.salesUnit ? { SalesUnitSymbol: sku.salesUnit } : {}),
      ...linePrice(total, discount, quantity),
      ShippingSiteId: target.siteId,
      ShippingWarehouseId: target.warehouseId,
      ...(taxGroup ? { SalesTaxGroupCode: taxGroup } : {}),
      ExternalItemNumber: item.sku,
      ...(item.title ? { LineDescription: item.title.slice(0, 1000) } : {}),
      ...LINE_DEFAULTS,
    });
  });

  // Extra lines share the tax treatment of the goods: exempt only when Amazon collects tax on every item.
  const extraTaxGroup = mfExempt && ordered.every(isMarketplaceFacilitator) ? tax.marketplaceFacilitatorTaxGroup : tax.salesTaxGroup;
  const charges: SalesOrderChargeDraft[] = [];
  for (const [kind, handling, amount] of [
    ["shipping", mp.shipping, sum(shipping)],
    ["giftwrap", mp.giftWrap, sum(giftWrap)],
  ] as const) {
    const extra = extraAmount(kind, handling, amount, lines.length + 1, target, extraTaxGroup);
    if (extra.line) lines.push(extra.line);
    if (extra.charge) charges.push(extra.charge);
  }

  const delivery = toDeliveryAddress(id, address ?? order.shippingAddress, options.knownStates);
  if (delivery && "unknownCountry" in delivery) {
    throw new MappingGapError(
      "order.unknownCountry",
      `Order ${id}: shipping country "${delivery.unknownCountry}" is not an ISO 3166 country code.`,
      {
        where: "ShippingAddress.CountryCode",
        details: { amazonOrderId: id },
      },
    );
  }

  const header: SalesOrderHeaderDraft = {
    dataAreaId: mp.dataAreaId,
    CustomersOrderReference: id,
    OrderingCustomerAccountNumber: mp.customerAccount,
    InvoiceCustomerAccountNumber: mp.customerAccount,
    CurrencyCode: currency,
    ...(mp.languageId ? { LanguageId: mp.languageId } : {}),
    ...((target.salesOriginCode ?? mp.salesOriginCode) ? { SalesOrderOriginCode: target.salesOriginCode ?? mp.salesOriginCode } : {}),
    ...(mp.salesPoolId ? { SalesOrderPoolId: mp.salesPoolId } : {}),
    DefaultShippingSiteId: target.siteId,
    DefaultShippingWarehouseId: target.warehouseId,
    ...(target.deliveryModeCode ? { DeliveryModeCode: target.deliveryModeCode } : {}),
    ...(tax.salesTaxGroup ? { SalesTaxGroupCode: tax.salesTaxGroup } : {}),
    ArePricesIncludingSalesTax: tax.pricesIncludeTax ? "Yes" : "No",
    ...(order.latestShipDate ? { RequestedShippingDate: order.latestShipDate } : {}),
    ...(order.latestDeliveryDate ? { RequestedReceiptDate: order.latestDeliveryDate } : {}),
    ...(delivery ?? {}),
    SkipCreateAutoCharges: "Yes",
    SalesOrderPromisingMethod: "None",
  };

  return {
    amazonOrderId: id,
    marketplaceId: mp.marketplaceId,
    dataAreaId: mp.dataAreaId,
    header,
    lines,
    charges,
    totals: {
      goods: toMoneyString(goods),
      discounts: toMoneyString(discounts),
      shipping: toMoneyString(sum(shipping)),
      giftWrap: toMoneyString(sum(giftWrap)),
      amazonTax: toMoneyString(sum(amazonTax)),
      ...(order.orderTotal?.amount ? { orderTotal: order.orderTotal.amount } : {}),
    },
  };
}

/** True for Multi-Channel Fulfillment orders, which start in D365 and must not be imported back. */
export function isMcfOrder(order: AmazonOrder): boolean {
  return /^non-amazon/i.test(order.salesChannel ?? "");
}
