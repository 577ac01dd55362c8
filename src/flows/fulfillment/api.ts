/**
 * The fulfillment API's JSON shapes (GET/POST /api/fulfillment/orders/{salesOrderNumber}, GET
 * /api/fulfillment/orders, GET /api/shipments/{salesOrderNumber}, POST .../confirm) as zod schemas: the
 * OpenAPI document is drawn from them, status-api.ts produces them, and the API tests parse answers with them.
 * No buyer PII in any of them.
 */
import { z } from "zod";

export const MCF_RECORD_STATUSES = [
  "queued",
  "not-eligible",
  "waiting",
  "needs-attention",
  "creating",
  "sent",
  "shipping",
  "complete",
  "cancelled",
] as const;
export const PACKAGE_STATUSES = ["confirming", "confirmed", "already-confirmed", "needs-attention", "nothing-to-confirm"] as const;

export const SalesOrderNumberParam = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^\P{Cc}+$/u, { error: "no control characters" })
  .meta({ title: "Sales Order Number", description: "The D365 sales order number, e.g. 000701" });

export const CompanyParam = z
  .string()
  .trim()
  .min(1)
  .max(8)
  .regex(/^[A-Za-z0-9]+$/, { error: "a legal entity (dataAreaId)" })
  .meta({ title: "Legal Entity", description: "The D365 legal entity (dataAreaId); default: the app's D365_COMPANY" });

export const OrderQuery = z.object({ company: CompanyParam.optional() });

const nullableText = z.string().nullable();

export const FulfillmentOrderView = z
  .object({
    salesOrderNumber: z.string(),
    dataAreaId: z.string().meta({ title: "Legal Entity" }),
    sellerFulfillmentOrderId: z
      .string()
      .meta({ title: "MCF Order ID", description: "The order's id at Amazon (legal entity + order number)" }),
    status: z.enum(MCF_RECORD_STATUSES).meta({
      description:
        "queued: asked for, not looked at yet; not-eligible: not an MCF order; waiting: not ready (not confirmed, stopped); " +
        "needs-attention: a person must act (lastError says why); creating, sent, shipping: with Amazon; complete: delivered " +
        "and the tracking is on the D365 packing slips; cancelled",
    }),
    amazonStatus: nullableText.meta({ description: "Amazon's status: RECEIVED, PLANNING, PROCESSING, COMPLETE, COMPLETE_PARTIALLED, ..." }),
    shipments: z
      .array(
        z.object({
          carrier: z.string(),
          carrierCode: z.string().meta({ title: "Amazon Carrier Code" }),
          trackingNumber: nullableText,
          trackingUrl: nullableText.meta({ title: "Tracking URL" }),
          shippedAt: nullableText,
          deliveryStatus: nullableText.meta({ description: "IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, ..." }),
          deliveredAt: nullableText,
          packingSlipNumber: nullableText.meta({ description: "The D365 packing slip that carries the tracking number, once posted" }),
          lines: z.array(z.object({ itemNumber: z.string(), quantity: z.number() })),
        }),
      )
      .meta({ description: "One entry per package Amazon shipped, each with its own carrier and tracking number" }),
    awaitingPackingSlip: z.number().int().meta({ description: "Shipped packages whose tracking waits for D365 to post the packing slip" }),
    lastError: nullableText,
    updatedAt: z.string(),
    pending: z.boolean().meta({ description: "True while the request waits to be handled" }),
  })
  .meta({ description: "A D365 sales order's MCF fulfillment: status, carrier and tracking per package" });
export type FulfillmentOrderView = z.infer<typeof FulfillmentOrderView>;

export const FULFILLMENT_ORDER_EXAMPLE: FulfillmentOrderView = {
  salesOrderNumber: "MCF-00001",
  dataAreaId: "usmf",
  sellerFulfillmentOrderId: "USMF-MCF-00001",
  status: "complete",
  amazonStatus: "COMPLETE",
  shipments: [
    {
      carrier: "UPS",
      carrierCode: "UPS",
      trackingNumber: "1Z9SIM000000000001",
      trackingUrl: "https://www.ups.com/track?tracknum=1Z9SIM000000000001",
      shippedAt: "2026-11-20T10:01:00.000Z",
      deliveryStatus: "DELIVERED",
      deliveredAt: "2026-11-22T15:30:00.000Z",
      packingSlipNumber: "PS-000001",
      lines: [{ itemNumber: "D0001", quantity: 2 }],
    },
  ],
  awaitingPackingSlip: 0,
  lastError: null,
  updatedAt: "2026-11-22T15:35:00.000Z",
  pending: false,
};

export const FulfillmentOrderAccepted = FulfillmentOrderView.extend({
  messageId: z.string(),
  statusUrl: z.string().meta({ title: "Status URL" }),
}).meta({ description: "The request is queued; poll statusUrl" });

export const FulfillmentOrderList = z.object({
  orders: z.array(FulfillmentOrderView),
  truncated: z.boolean().meta({ description: "More orders match than were returned (ask with top or status)" }),
});

export const FulfillmentOrderListQuery = z
  .object({
    status: z.enum(MCF_RECORD_STATUSES).optional(),
    company: CompanyParam.optional(),
    top: z.coerce.number().int().min(1).max(1000).optional().meta({ description: "At most this many (default 200)" }),
  })
  .strict();

export const ShipmentsView = z
  .object({
    salesOrderNumber: z.string(),
    dataAreaId: z.string().meta({ title: "Legal Entity" }),
    amazonOrderId: nullableText.meta({ title: "Amazon Order ID" }),
    lastOutcome: nullableText.meta({ description: "What the last look found: done, not-amazon, fba-order, nothing-posted" }),
    lastReason: nullableText,
    packages: z.array(
      z.object({
        packingSlipNumber: z.string(),
        packageReferenceId: nullableText.meta({ title: "Package Reference ID" }),
        status: z.enum(PACKAGE_STATUSES),
        carrierCode: nullableText,
        carrierName: nullableText,
        trackingNumber: nullableText,
        shipDate: nullableText,
        items: z.array(z.object({ orderItemId: z.string(), quantity: z.number().int() })),
        lastError: nullableText,
      }),
    ),
    pending: z.boolean(),
  })
  .meta({ description: "An FBM Amazon order's packages as confirmed to Amazon (one per posted D365 packing slip)" });
export type ShipmentsView = z.infer<typeof ShipmentsView>;

export const SHIPMENTS_EXAMPLE: ShipmentsView = {
  salesOrderNumber: "000707",
  dataAreaId: "usmf",
  amazonOrderId: "113-1234567-1234567",
  lastOutcome: "done",
  lastReason: null,
  packages: [
    {
      packingSlipNumber: "PS-000004",
      packageReferenceId: "1",
      status: "confirmed",
      carrierCode: "UPS",
      carrierName: null,
      trackingNumber: "1Z999AA10123456784",
      shipDate: "2026-11-20T12:00:00Z",
      items: [{ orderItemId: "20000000100100", quantity: 1 }],
      lastError: null,
    },
  ],
  pending: false,
};

export const ShipmentsAccepted = z
  .object({
    salesOrderNumber: z.string(),
    dataAreaId: z.string(),
    messageId: z.string(),
    statusUrl: z.string().meta({ title: "Status URL" }),
  })
  .meta({ description: "The request is queued; poll statusUrl" });
