/**
 * zod schemas of the SP-API answers the app reads (shapes from Amazon's published models; the ones the contract
 * tests check the simulator against are in test/contract/amazon/models/). They check what
 * the flows rely on and let everything else through (`looseObject`), because Amazon adds fields.
 * Money stays a decimal string: Orders/Listings send strings; Finances sends JSON numbers, which the client
 * turns into strings before parsing (see client.ts), so no amount ever passes through a binary float.
 */
import { z } from "zod";

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, { error: "must be a decimal string" });

export const Money = z.looseObject({ CurrencyCode: z.string().optional(), Amount: decimalString.optional() });
export type Money = z.infer<typeof Money>;

export const OrderStatus = z.enum([
  "Pending",
  "Unshipped",
  "PartiallyShipped",
  "Shipped",
  "Canceled",
  "Unfulfillable",
  "InvoiceUnconfirmed",
  "PendingAvailability",
]);

export const Address = z.looseObject({
  Name: z.string().optional(),
  AddressLine1: z.string().optional(),
  AddressLine2: z.string().optional(),
  AddressLine3: z.string().optional(),
  City: z.string().optional(),
  StateOrRegion: z.string().optional(),
  PostalCode: z.string().optional(),
  CountryCode: z.string().optional(),
  Phone: z.string().optional(),
});
export type Address = z.infer<typeof Address>;

export const Order = z.looseObject({
  AmazonOrderId: z.string().min(1),
  SellerOrderId: z.string().optional(),
  PurchaseDate: z.string(),
  LastUpdateDate: z.string(),
  OrderStatus,
  FulfillmentChannel: z.enum(["MFN", "AFN"]).optional(),
  SalesChannel: z.string().optional(),
  ShipServiceLevel: z.string().optional(),
  OrderTotal: Money.optional(),
  EarliestShipDate: z.string().optional(),
  LatestShipDate: z.string().optional(),
  EarliestDeliveryDate: z.string().optional(),
  LatestDeliveryDate: z.string().optional(),
  NumberOfItemsShipped: z.number().int().optional(),
  NumberOfItemsUnshipped: z.number().int().optional(),
  MarketplaceId: z.string().optional(),
  IsBusinessOrder: z.boolean().optional(),
  IsPrime: z.boolean().optional(),
  ShippingAddress: Address.optional(),
  BuyerInfo: z.looseObject({ BuyerEmail: z.string().optional(), BuyerName: z.string().optional() }).optional(),
});
export type Order = z.infer<typeof Order>;

export const OrdersList = z.looseObject({
  Orders: z.array(Order),
  NextToken: z.string().optional(),
  LastUpdatedBefore: z.string().optional(),
  CreatedBefore: z.string().optional(),
});

export const OrderItem = z.looseObject({
  ASIN: z.string(),
  SellerSKU: z.string().optional(),
  OrderItemId: z.string(),
  Title: z.string().optional(),
  QuantityOrdered: z.number().int(),
  QuantityShipped: z.number().int().optional(),
  ItemPrice: Money.optional(),
  ShippingPrice: Money.optional(),
  ItemTax: Money.optional(),
  ShippingTax: Money.optional(),
  ShippingDiscount: Money.optional(),
  ShippingDiscountTax: Money.optional(),
  PromotionDiscount: Money.optional(),
  PromotionDiscountTax: Money.optional(),
  PromotionIds: z.array(z.string()).optional(),
  IsGift: z.union([z.string(), z.boolean()]).optional(),
  TaxCollection: z.looseObject({ Model: z.string().optional(), ResponsibleParty: z.string().optional() }).optional(),
  BuyerInfo: z.looseObject({ GiftWrapPrice: Money.optional(), GiftWrapTax: Money.optional() }).optional(),
});
export type OrderItem = z.infer<typeof OrderItem>;

export const OrderItemsList = z.looseObject({
  AmazonOrderId: z.string(),
  OrderItems: z.array(OrderItem),
  NextToken: z.string().optional(),
});

export const OrderAddress = z.looseObject({ AmazonOrderId: z.string(), ShippingAddress: Address.optional() });
export type OrderAddress = z.infer<typeof OrderAddress>;
export const OrderBuyerInfo = z.looseObject({
  AmazonOrderId: z.string(),
  BuyerEmail: z.string().optional(),
  BuyerName: z.string().optional(),
  PurchaseOrderNumber: z.string().optional(),
});
export type OrderBuyerInfo = z.infer<typeof OrderBuyerInfo>;

export const payloadOf = <T extends z.ZodType>(schema: T) => z.looseObject({ payload: schema });

export const RestrictedDataToken = z.looseObject({ restrictedDataToken: z.string().min(1), expiresIn: z.number().int() });

export const ProcessingStatus = z.enum(["CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"]);
export const Report = z.looseObject({
  reportId: z.string(),
  reportType: z.string(),
  marketplaceIds: z.array(z.string()).optional(),
  dataStartTime: z.string().optional(),
  dataEndTime: z.string().optional(),
  createdTime: z.string(),
  processingStatus: ProcessingStatus,
  processingStartTime: z.string().optional(),
  processingEndTime: z.string().optional(),
  reportDocumentId: z.string().optional(),
});
export type Report = z.infer<typeof Report>;
export const GetReportsResponse = z.looseObject({ reports: z.array(Report), nextToken: z.string().optional() });
export const CreateReportResponse = z.looseObject({ reportId: z.string() });
export const DocumentRef = z.looseObject({ url: z.string().min(1), compressionAlgorithm: z.literal("GZIP").optional() });
export const ReportDocument = DocumentRef.extend({ reportDocumentId: z.string() });
export type ReportDocument = z.infer<typeof ReportDocument>;

export const CreateFeedDocumentResponse = z.looseObject({ feedDocumentId: z.string(), url: z.string().min(1) });
export type CreateFeedDocumentResponse = z.infer<typeof CreateFeedDocumentResponse>;
export const CreateFeedResponse = z.looseObject({ feedId: z.string() });
export const Feed = z.looseObject({
  feedId: z.string(),
  feedType: z.string(),
  marketplaceIds: z.array(z.string()).optional(),
  createdTime: z.string(),
  processingStatus: ProcessingStatus,
  processingStartTime: z.string().optional(),
  processingEndTime: z.string().optional(),
  resultFeedDocumentId: z.string().optional(),
});
export type Feed = z.infer<typeof Feed>;
export const FeedDocument = DocumentRef.extend({ feedDocumentId: z.string() });
export type FeedDocument = z.infer<typeof FeedDocument>;

export const InventorySummary = z.looseObject({
  asin: z.string().optional(),
  fnSku: z.string().optional(),
  sellerSku: z.string().optional(),
  condition: z.string().optional(),
  lastUpdatedTime: z.string().optional(),
  productName: z.string().optional(),
  totalQuantity: z.number().int().optional(),
  inventoryDetails: z
    .looseObject({
      fulfillableQuantity: z.number().int().optional(),
      inboundWorkingQuantity: z.number().int().optional(),
      inboundShippedQuantity: z.number().int().optional(),
      inboundReceivingQuantity: z.number().int().optional(),
      reservedQuantity: z.looseObject({ totalReservedQuantity: z.number().int().optional() }).optional(),
      unfulfillableQuantity: z.looseObject({ totalUnfulfillableQuantity: z.number().int().optional() }).optional(),
    })
    .optional(),
});
export type InventorySummary = z.infer<typeof InventorySummary>;
export const GetInventorySummariesResponse = z.looseObject({
  payload: z.looseObject({ inventorySummaries: z.array(InventorySummary) }),
  pagination: z.looseObject({ nextToken: z.string().optional() }).optional(),
});

const Currency = z.looseObject({ CurrencyCode: z.string().optional(), CurrencyAmount: decimalString.optional() });
const Charge = z.looseObject({ ChargeType: z.string().optional(), ChargeAmount: Currency.optional() });
const Fee = z.looseObject({ FeeType: z.string().optional(), FeeAmount: Currency.optional() });
const ShipmentItem = z.looseObject({
  SellerSKU: z.string().optional(),
  OrderItemId: z.string().optional(),
  OrderAdjustmentItemId: z.string().optional(),
  QuantityShipped: z.number().int().optional(),
  ItemChargeList: z.array(Charge).optional(),
  ItemChargeAdjustmentList: z.array(Charge).optional(),
  ItemFeeList: z.array(Fee).optional(),
  ItemFeeAdjustmentList: z.array(Fee).optional(),
  PromotionList: z.array(z.looseObject({ PromotionId: z.string().optional(), PromotionAmount: Currency.optional() })).optional(),
});
export const ShipmentEvent = z.looseObject({
  AmazonOrderId: z.string().optional(),
  SellerOrderId: z.string().optional(),
  MarketplaceName: z.string().optional(),
  PostedDate: z.string().optional(),
  ShipmentItemList: z.array(ShipmentItem).optional(),
  ShipmentItemAdjustmentList: z.array(ShipmentItem).optional(),
});
export const FinancialEvents = z.looseObject({
  ShipmentEventList: z.array(ShipmentEvent).optional(),
  RefundEventList: z.array(ShipmentEvent).optional(),
  ServiceFeeEventList: z.array(z.looseObject({ FeeReason: z.string().optional(), FeeList: z.array(Fee).optional() })).optional(),
});
export type FinancialEvents = z.infer<typeof FinancialEvents>;
export const ListFinancialEventsPayload = z.looseObject({ NextToken: z.string().optional(), FinancialEvents: FinancialEvents.optional() });

export const ListingsItem = z.looseObject({
  sku: z.string(),
  summaries: z
    .array(
      z.looseObject({
        marketplaceId: z.string(),
        asin: z.string().optional(),
        status: z.array(z.string()),
        fnSku: z.string().optional(),
        itemName: z.string().optional(),
      }),
    )
    .optional(),
  offers: z
    .array(
      z.looseObject({
        marketplaceId: z.string(),
        offerType: z.string(),
        price: z.looseObject({ currencyCode: z.string(), amount: decimalString }),
      }),
    )
    .optional(),
  fulfillmentAvailability: z.array(z.looseObject({ fulfillmentChannelCode: z.string(), quantity: z.number().int().optional() })).optional(),
  issues: z.array(z.looseObject({ code: z.string(), message: z.string(), severity: z.string() })).optional(),
});
export type ListingsItem = z.infer<typeof ListingsItem>;
export const ListingsPatchOperation = z.object({
  op: z.enum(["add", "replace", "merge", "delete"]),
  path: z.string().startsWith("/"),
  value: z.array(z.record(z.string(), z.unknown())).optional(),
});
export const ListingsItemSubmissionResponse = z.looseObject({
  sku: z.string(),
  status: z.enum(["ACCEPTED", "INVALID", "VALID"]),
  submissionId: z.string(),
  issues: z
    .array(z.looseObject({ code: z.string(), message: z.string(), severity: z.string(), attributeNames: z.array(z.string()).optional() }))
    .optional(),
});
export type ListingsItemSubmissionResponse = z.infer<typeof ListingsItemSubmissionResponse>;

export const Subscription = z.looseObject({
  subscriptionId: z.string(),
  payloadVersion: z.string(),
  destinationId: z.string(),
  processingDirective: z.unknown().optional(),
});
export type Subscription = z.infer<typeof Subscription>;

/** Answers whose content the app does not read (createFulfillmentOrder, cancelFulfillmentOrder). */
export const Empty = z.looseObject({});

// --- Orders 2026-01-01 (test/contract/amazon/models/orders_2026-01-01.json) -------------------------------
// camelCase shapes; money is { amount: Decimal (a string), currencyCode }. Which parts appear depends on
// the includedData the caller asks for, so everything but the ids, times, sales channel and items is optional.

export const ORDERS_2026_INCLUDED_DATA = [
  "BUYER",
  "RECIPIENT",
  "PROCEEDS",
  "EXPENSE",
  "PROMOTION",
  "CANCELLATION",
  "FULFILLMENT",
  "PACKAGES",
  "TAX",
  "PAYMENT",
  "FULFILLMENT_ORDERS",
] as const;
export type Orders2026IncludedData = (typeof ORDERS_2026_INCLUDED_DATA)[number];

export const FulfillmentStatus2026 = z.enum([
  "PENDING_AVAILABILITY",
  "PENDING",
  "UNSHIPPED",
  "PARTIALLY_SHIPPED",
  "SHIPPED",
  "CANCELLED",
  "UNFULFILLABLE",
]);
export type FulfillmentStatus2026 = z.infer<typeof FulfillmentStatus2026>;

export const Money2026 = z.looseObject({ amount: decimalString, currencyCode: z.string() });
export type Money2026 = z.infer<typeof Money2026>;

const DateTimeRange2026 = z.looseObject({ earliestDateTime: z.string().optional(), latestDateTime: z.string().optional() });

export const CustomerAddress2026 = z.looseObject({
  name: z.string().optional(),
  companyName: z.string().optional(),
  addressLine1: z.string().optional(),
  addressLine2: z.string().optional(),
  addressLine3: z.string().optional(),
  city: z.string().optional(),
  districtOrCounty: z.string().optional(),
  stateOrRegion: z.string().optional(),
  municipality: z.string().optional(),
  postalCode: z.string().optional(),
  countryCode: z.string().optional(),
  phone: z.string().optional(),
  addressType: z.string().optional(),
});

const ProceedsBreakdown2026 = z.looseObject({
  type: z.string(),
  subtotal: Money2026,
  detailedBreakdowns: z.array(z.looseObject({ subtype: z.string().optional(), value: Money2026.optional() })).optional(),
});

export const OrderItem2026 = z.looseObject({
  orderItemId: z.string().min(1),
  quantityOrdered: z.number().int(),
  programs: z.array(z.string()).optional(),
  product: z.looseObject({
    asin: z.string().optional(),
    title: z.string().optional(),
    sellerSku: z.string().optional(),
    condition: z.looseObject({ conditionType: z.string().optional(), conditionSubtype: z.string().optional() }).optional(),
    price: z.looseObject({ unitPrice: Money2026.optional(), priceDesignation: z.string().optional() }).optional(),
  }),
  proceeds: z.looseObject({ proceedsTotal: Money2026.optional(), breakdowns: z.array(ProceedsBreakdown2026).optional() }).optional(),
  promotion: z.looseObject({ breakdowns: z.array(z.looseObject({ promotionId: z.string().optional() })).optional() }).optional(),
  fulfillment: z
    .looseObject({
      quantityFulfilled: z.number().int().optional(),
      quantityUnfulfilled: z.number().int().optional(),
      packing: z
        .looseObject({ giftOption: z.looseObject({ giftMessage: z.string().optional(), giftWrapLevel: z.string().optional() }).optional() })
        .optional(),
    })
    .optional(),
  tax: z
    .looseObject({
      taxCollections: z.array(z.looseObject({ model: z.string().optional(), responsibleParty: z.string().optional() })).optional(),
    })
    .optional(),
});
export type OrderItem2026 = z.infer<typeof OrderItem2026>;

export const Order2026 = z.looseObject({
  orderId: z.string().min(1),
  orderAliases: z.array(z.looseObject({ aliasId: z.string(), aliasType: z.string() })).optional(),
  createdTime: z.string(),
  lastUpdatedTime: z.string(),
  programs: z.array(z.string()).optional(),
  salesChannel: z.looseObject({ channelName: z.string(), marketplaceId: z.string().optional(), marketplaceName: z.string().optional() }),
  buyer: z
    .looseObject({
      buyerName: z.string().optional(),
      buyerEmail: z.string().optional(),
      buyerCompanyName: z.string().optional(),
      buyerPurchaseOrderNumber: z.string().optional(),
    })
    .optional(),
  recipient: z.looseObject({ deliveryAddress: CustomerAddress2026.optional() }).optional(),
  proceeds: z
    .looseObject({
      grandTotal: Money2026.optional(),
      breakdowns: z.array(ProceedsBreakdown2026.omit({ detailedBreakdowns: true })).optional(),
    })
    .optional(),
  fulfillment: z
    .looseObject({
      fulfillmentStatus: FulfillmentStatus2026,
      fulfilledBy: z.enum(["AMAZON", "MERCHANT"]).optional(),
      fulfillmentServiceLevel: z.string().optional(),
      shipByWindow: DateTimeRange2026.optional(),
      deliverByWindow: DateTimeRange2026.optional(),
    })
    .optional(),
  orderItems: z.array(OrderItem2026),
});
export type Order2026 = z.infer<typeof Order2026>;

export const SearchOrdersResponse = z.looseObject({
  orders: z.array(Order2026),
  pagination: z.looseObject({ nextToken: z.string().optional() }).optional(),
  lastUpdatedBefore: z.string().optional(),
  createdBefore: z.string().optional(),
});
export const GetOrder2026Response = z.looseObject({ order: Order2026 });
