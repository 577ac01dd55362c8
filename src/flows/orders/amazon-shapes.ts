/**
 * The parts of SP-API Orders v0 shapes (reference/sp-api-models/ordersV0.json: Order, OrderItem, Money,
 * Address) the orders flow reads, validated with zod at the boundary. Unknown fields pass through.
 */
import { z } from "zod";
import { AMAZON_ORDER_STATUSES } from "../../mapping/order-statuses";

export const AmazonMoney = z.looseObject({
  CurrencyCode: z.string().optional(),
  // SP-API sends amounts as decimal strings ("12.99"); tolerate numbers from other sources, parsed exactly.
  Amount: z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .optional(),
});
export type AmazonMoney = z.infer<typeof AmazonMoney>;

export const AmazonAddressShape = z.looseObject({
  Name: z.string().optional(),
  AddressLine1: z.string().optional(),
  AddressLine2: z.string().optional(),
  AddressLine3: z.string().optional(),
  City: z.string().optional(),
  County: z.string().optional(),
  StateOrRegion: z.string().optional(),
  PostalCode: z.string().optional(),
  CountryCode: z.string().optional(),
});

export const AmazonOrder = z.looseObject({
  AmazonOrderId: z.string().min(1),
  PurchaseDate: z.string(),
  LastUpdateDate: z.string(),
  OrderStatus: z.enum(AMAZON_ORDER_STATUSES),
  FulfillmentChannel: z.enum(["MFN", "AFN"]).optional(),
  SalesChannel: z.string().optional(),
  MarketplaceId: z.string().optional(),
  OrderTotal: AmazonMoney.optional(),
  EarliestShipDate: z.string().optional(),
  LatestShipDate: z.string().optional(),
  EarliestDeliveryDate: z.string().optional(),
  LatestDeliveryDate: z.string().optional(),
  IsBusinessOrder: z.boolean().optional(),
  ShippingAddress: AmazonAddressShape.optional(),
});
export type AmazonOrder = z.infer<typeof AmazonOrder>;

export const AmazonOrderItem = z.looseObject({
  ASIN: z.string().optional(),
  SellerSKU: z.string().optional(),
  OrderItemId: z.string().min(1),
  Title: z.string().optional(),
  QuantityOrdered: z.number().int().min(0),
  QuantityShipped: z.number().int().min(0).optional(),
  ItemPrice: AmazonMoney.optional(),
  ShippingPrice: AmazonMoney.optional(),
  ItemTax: AmazonMoney.optional(),
  ShippingTax: AmazonMoney.optional(),
  ShippingDiscount: AmazonMoney.optional(),
  PromotionDiscount: AmazonMoney.optional(),
  PromotionIds: z.array(z.string()).optional(),
  IsGift: z.union([z.string(), z.boolean()]).optional(),
  TaxCollection: z.looseObject({ Model: z.string().optional(), ResponsibleParty: z.string().optional() }).optional(),
  BuyerInfo: z.looseObject({ GiftWrapPrice: AmazonMoney.optional(), GiftWrapTax: AmazonMoney.optional() }).optional(),
});
export type AmazonOrderItem = z.infer<typeof AmazonOrderItem>;

/** The order id format Amazon uses (3-7-7 digits); other shapes are refused at the doors. */
export const AmazonOrderIdSchema = z
  .string()
  .regex(/^[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}$/, "must be an Amazon order id like 113-1234567-1234567");
