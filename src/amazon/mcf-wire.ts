/**
 * Wire shapes of Fulfillment Outbound (Multi-Channel Fulfillment), as zod schemas: 2020-07-01 (what amazon-sp-api
 * speaks, without typings) and 2026-07-04 (which it does not know). Shapes follow Amazon's published models
 * (fulfillmentOutbound_2020-07-01.json, fulfillmentOutbound_2026-07-04.json); the contract tests check the
 * simulator's answers against those models with closed objects. Here objects stay open (`looseObject`) because
 * Amazon adds fields; what the connector reads is checked. Money stays a decimal string.
 *
 * Casing differs between the versions and even between enums of one version (docs/spapi.md, "MCF statuses"):
 * 2020-07-01 order statuses are PascalCase (`CompletePartialled`), its shipment statuses UPPER (`SHIPPED`);
 * 2026-07-04 uses UPPER_SNAKE (`COMPLETE_PARTIAL`) and lists its values only in descriptions, so statuses are
 * plain strings here and normalised in mcf.ts.
 */
import { z } from "zod";

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, { error: "must be a decimal string" });

// --- 2020-07-01 ----------------------------------------------------------------------------------------

export const Money2020 = z.looseObject({ currencyCode: z.string(), value: decimalString });
export const Weight2020 = z.looseObject({ unit: z.string(), value: z.string() });

export const Address2020 = z.looseObject({
  name: z.string(),
  addressLine1: z.string(),
  addressLine2: z.string().optional(),
  addressLine3: z.string().optional(),
  city: z.string().optional(),
  districtOrCounty: z.string().optional(),
  stateOrRegion: z.string().optional(),
  postalCode: z.string(),
  countryCode: z.string(),
  phone: z.string().optional(),
});

export const FulfillmentPreview2020 = z.looseObject({
  shippingSpeedCategory: z.string(),
  isFulfillable: z.boolean(),
  isCODCapable: z.boolean(),
  marketplaceId: z.string(),
  estimatedShippingWeight: Weight2020.optional(),
  estimatedFees: z.array(z.looseObject({ name: z.string(), amount: Money2020 })).optional(),
  fulfillmentPreviewShipments: z
    .array(
      z.looseObject({
        earliestShipDate: z.string().optional(),
        latestShipDate: z.string().optional(),
        earliestArrivalDate: z.string().optional(),
        latestArrivalDate: z.string().optional(),
        shippingNotes: z.array(z.string()).optional(),
        fulfillmentPreviewItems: z.array(
          z.looseObject({ sellerSku: z.string(), quantity: z.number().int(), sellerFulfillmentOrderItemId: z.string() }),
        ),
      }),
    )
    .optional(),
  unfulfillablePreviewItems: z
    .array(
      z.looseObject({
        sellerSku: z.string(),
        quantity: z.number().int(),
        sellerFulfillmentOrderItemId: z.string(),
        itemUnfulfillableReasons: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  orderUnfulfillableReasons: z.array(z.string()).optional(),
});
export type FulfillmentPreview2020 = z.infer<typeof FulfillmentPreview2020>;
export const GetFulfillmentPreviewResponse2020 = z.looseObject({
  payload: z.looseObject({ fulfillmentPreviews: z.array(FulfillmentPreview2020).optional() }),
});

export const FulfillmentOrder2020 = z.looseObject({
  sellerFulfillmentOrderId: z.string(),
  marketplaceId: z.string(),
  displayableOrderId: z.string(),
  displayableOrderDate: z.string(),
  displayableOrderComment: z.string(),
  shippingSpeedCategory: z.string(),
  destinationAddress: Address2020,
  fulfillmentAction: z.string().optional(),
  fulfillmentPolicy: z.string().optional(),
  receivedDate: z.string(),
  fulfillmentOrderStatus: z.string(),
  statusUpdatedDate: z.string(),
  notificationEmails: z.array(z.string()).optional(),
});
export type FulfillmentOrder2020 = z.infer<typeof FulfillmentOrder2020>;

export const FulfillmentOrderItem2020 = z.looseObject({
  sellerSku: z.string(),
  sellerFulfillmentOrderItemId: z.string(),
  quantity: z.number().int(),
  cancelledQuantity: z.number().int(),
  unfulfillableQuantity: z.number().int(),
  fulfillmentNetworkSku: z.string().optional(),
  orderItemDisposition: z.string().optional(),
  estimatedShipDate: z.string().optional(),
  estimatedArrivalDate: z.string().optional(),
  perUnitDeclaredValue: Money2020.optional(),
});

export const FulfillmentShipmentPackage2020 = z.looseObject({
  packageNumber: z.number().int(),
  carrierCode: z.string(),
  trackingNumber: z.string().optional(),
  amazonFulfillmentTrackingNumber: z.string().optional(),
  estimatedArrivalDate: z.string().optional(),
});

export const FulfillmentShipment2020 = z.looseObject({
  amazonShipmentId: z.string(),
  fulfillmentCenterId: z.string(),
  fulfillmentShipmentStatus: z.string(),
  shippingDate: z.string().optional(),
  estimatedArrivalDate: z.string().optional(),
  shippingNotes: z.array(z.string()).optional(),
  fulfillmentShipmentItem: z.array(
    z.looseObject({
      sellerSku: z.string(),
      sellerFulfillmentOrderItemId: z.string(),
      quantity: z.number().int(),
      packageNumber: z.number().int().optional(),
    }),
  ),
  fulfillmentShipmentPackage: z.array(FulfillmentShipmentPackage2020).optional(),
});

export const ReturnItem2020 = z.looseObject({
  sellerReturnItemId: z.string(),
  sellerFulfillmentOrderItemId: z.string(),
  amazonShipmentId: z.string(),
  sellerReturnReasonCode: z.string(),
  returnComment: z.string().optional(),
  amazonReturnReasonCode: z.string().optional(),
  status: z.string(),
  statusChangedDate: z.string(),
  returnAuthorizationId: z.string().optional(),
  returnReceivedCondition: z.string().optional(),
  fulfillmentCenterId: z.string().optional(),
});
export type ReturnItem2020 = z.infer<typeof ReturnItem2020>;

export const ReturnAuthorization2020 = z.looseObject({
  returnAuthorizationId: z.string(),
  fulfillmentCenterId: z.string(),
  returnToAddress: Address2020,
  amazonRmaId: z.string(),
  rmaPageURL: z.string(),
});
export type ReturnAuthorization2020 = z.infer<typeof ReturnAuthorization2020>;

export const GetFulfillmentOrderResult2020 = z.looseObject({
  fulfillmentOrder: FulfillmentOrder2020,
  fulfillmentOrderItems: z.array(FulfillmentOrderItem2020),
  fulfillmentShipments: z.array(FulfillmentShipment2020).optional(),
  returnItems: z.array(ReturnItem2020),
  returnAuthorizations: z.array(ReturnAuthorization2020),
});
export type GetFulfillmentOrderResult2020 = z.infer<typeof GetFulfillmentOrderResult2020>;
export const GetFulfillmentOrderResponse2020 = z.looseObject({ payload: GetFulfillmentOrderResult2020 });

export const ListAllFulfillmentOrdersResponse2020 = z.looseObject({
  payload: z.looseObject({ nextToken: z.string().optional(), fulfillmentOrders: z.array(FulfillmentOrder2020).optional() }),
});

export const PackageTrackingDetails2020 = z.looseObject({
  packageNumber: z.number().int(),
  trackingNumber: z.string().optional(),
  customerTrackingLink: z.string().optional(),
  carrierCode: z.string().optional(),
  carrierURL: z.string().optional(),
  shipDate: z.string().optional(),
  estimatedArrivalDate: z.string().optional(),
  currentStatus: z.string().optional(),
  currentStatusDescription: z.string().optional(),
  signedForBy: z.string().optional(),
  trackingEvents: z
    .array(
      z.looseObject({
        eventDate: z.string(),
        eventCode: z.string(),
        eventDescription: z.string(),
        eventAddress: z.looseObject({ city: z.string(), state: z.string(), country: z.string() }),
      }),
    )
    .optional(),
});
export type PackageTrackingDetails2020 = z.infer<typeof PackageTrackingDetails2020>;
export const GetPackageTrackingDetailsResponse2020 = z.looseObject({ payload: PackageTrackingDetails2020 });

export const ListReturnReasonCodesResponse2020 = z.looseObject({
  payload: z.looseObject({
    reasonCodeDetails: z
      .array(z.looseObject({ returnReasonCode: z.string(), description: z.string(), translatedDescription: z.string().optional() }))
      .optional(),
  }),
});

export const CreateFulfillmentReturnResponse2020 = z.looseObject({
  payload: z.looseObject({
    returnItems: z.array(ReturnItem2020).optional(),
    invalidReturnItems: z
      .array(
        z.looseObject({
          sellerReturnItemId: z.string(),
          sellerFulfillmentOrderItemId: z.string(),
          invalidItemReason: z.looseObject({ invalidItemReasonCode: z.string(), description: z.string() }),
        }),
      )
      .optional(),
    returnAuthorizations: z.array(ReturnAuthorization2020).optional(),
  }),
});

// --- 2026-07-04 ----------------------------------------------------------------------------------------

export const Money2026 = z.looseObject({ currencyCode: z.string(), amount: decimalString });
const Amount2026 = z.looseObject({ unit: z.string().optional(), value: decimalString });
const ProductIdentifier2026 = z.looseObject({ amazonSku: z.string() });
const TimeInterval2026 = z.looseObject({ startTime: z.string(), endTime: z.string() });

export const Constraint2026 = z.looseObject({
  code: z.string(),
  type: z.string(),
  message: z.string(),
  details: z.array(z.looseObject({ type: z.string(), value: z.string() })).optional(),
});

export const GetOrderPreviewResponse2026 = z.looseObject({
  plannedShipments: z.array(
    z.looseObject({
      estimatedShippingWeight: z.looseObject({ unit: z.string(), value: decimalString }).optional(),
      items: z.array(z.looseObject({ productIdentifier: ProductIdentifier2026, amount: Amount2026 })),
      offers: z
        .array(
          z.looseObject({
            estimatedPrice: z
              .looseObject({ rollupPrices: z.array(z.looseObject({ type: z.string(), value: Money2026 })), totalPrice: Money2026 })
              .optional(),
            fulfillmentConfiguration: z
              .looseObject({
                serviceLevel: z
                  .looseObject({
                    serviceTier: z.string().optional(),
                    deliveryInterval: TimeInterval2026.optional(),
                    shipInterval: TimeInterval2026.optional(),
                  })
                  .optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    }),
  ),
  constraints: z.array(Constraint2026).optional(),
});
export type GetOrderPreviewResponse2026 = z.infer<typeof GetOrderPreviewResponse2026>;

const Package2026 = z.looseObject({
  packageId: z.string(),
  status: z.string().optional(),
  deliveryTime: z.string().optional(),
  shipmentItemIds: z.array(z.string()).optional(),
  tracking: z
    .looseObject({
      carrier: z
        .looseObject({ carrierCode: z.string(), trackingNumber: z.string().optional(), trackingUrl: z.string().optional() })
        .optional(),
      amazon: z.looseObject({ trackingNumber: z.string().optional(), trackingUrl: z.string().optional() }).optional(),
    })
    .optional(),
});

export const Shipment2026 = z.looseObject({
  amazonShipmentId: z.string(),
  amazonFacility: z.looseObject({ facilityId: z.string() }),
  status: z.string(),
  shipTime: z.string().optional(),
  deliveryTime: z.string().optional(),
  items: z.array(
    z.looseObject({
      productIdentifier: ProductIdentifier2026,
      lineItemId: z.string(),
      amount: Amount2026,
      packageId: z.string().optional(),
      shipmentItemId: z.string().optional(),
    }),
  ),
  packages: z.array(Package2026).optional(),
});

export const FulfillmentOrder2026 = z.looseObject({
  orderId: z.string(),
  receiveTime: z.string(),
  status: z.string().optional(),
  statusUpdateTime: z.string().optional(),
  fulfillmentConfiguration: z
    .looseObject({
      serviceLevel: z.looseObject({ serviceTiers: z.array(z.string()).optional() }).optional(),
      action: z.string().optional(),
      policy: z.string().optional(),
    })
    .optional(),
  lineItems: z.array(
    z.looseObject({
      lineItemId: z.string(),
      product: z.looseObject({ productIdentifier: ProductIdentifier2026, perUnitDeclaredValue: Money2026.optional() }),
      amount: Amount2026,
      cancelledAmount: Amount2026.optional(),
      unfulfillableAmount: Amount2026.optional(),
    }),
  ),
  shipments: z.array(Shipment2026).optional(),
});
export type FulfillmentOrder2026 = z.infer<typeof FulfillmentOrder2026>;

export const GetOrderResponse2026 = z.looseObject({ order: FulfillmentOrder2026 });
/** createOrder answers 200 with the order, or 202 with only its id and status. */
export const CreateOrderResponse2026 = z.union([
  z.looseObject({ order: FulfillmentOrder2026 }),
  z.looseObject({ orderId: z.string(), status: z.string() }),
]);
export const ListOrdersResponse2026 = z.looseObject({
  orders: z.array(FulfillmentOrder2026),
  pagination: z.looseObject({ nextToken: z.string().optional() }).optional(),
});
