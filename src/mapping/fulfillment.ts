/**
 * mappings/fulfillment.json: which D365 sales orders Amazon ships from FBA stock (Multi-Channel Fulfillment),
 * per legal entity: by warehouse and/or mode of delivery, the shipping speed per mode of delivery, the
 * fulfillment policy, which D365 status makes an order ready, whether a preview comes first; and which D365
 * business events name a sales order the app should look at (docs/fulfillment.md). Published as
 * mappings/schemas/fulfillment.schema.json.
 */
import { z } from "zod";

const code = (what: string, max = 20) => z.string().trim().min(1).max(max).describe(what);

export const SHIPPING_SPEEDS = ["Standard", "Expedited", "Priority"] as const;
export type McfShippingSpeed = (typeof SHIPPING_SPEEDS)[number];
export const FULFILLMENT_POLICIES = ["FillOrKill", "FillAll", "FillAllAvailable"] as const;
export type McfFulfillmentPolicy = (typeof FULFILLMENT_POLICIES)[number];
/** SalesOrderProcessingStatus members (F&O's enum symbols). */
export const PROCESSING_STATUSES = [
  "Active",
  "Confirmed",
  "Picked",
  "PartiallyDelivered",
  "Delivered",
  "Invoiced",
  "PartiallyInvoiced",
  "Canceled",
  "DeliveredPartiallyInvoiced",
] as const;

export const McfLegalEntity = z
  .object({
    dataAreaId: code("D365 legal entity (dataAreaId) whose sales orders this entry covers.", 8),
    marketplaceId: z
      .string()
      .regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id like ATVPDKIKX0DER")
      .describe("Amazon marketplace whose FBA stock ships the orders (its MarketplaceId)."),
    warehouses: z
      .array(code("D365 warehouse (InventLocationId)."))
      .default([])
      .describe("Orders whose default shipping warehouse is one of these go to MCF (e.g. the warehouse that mirrors FBA stock)."),
    modesOfDelivery: z
      .record(code("D365 mode of delivery (DeliveryModeCode)."), z.enum(SHIPPING_SPEEDS))
      .default({})
      .describe('Orders with one of these modes of delivery go to MCF, at the given speed, e.g. {"MCF-STD": "Standard"}.'),
    match: z
      .enum(["warehouse-or-mode", "warehouse-and-mode"])
      .default("warehouse-or-mode")
      .describe("warehouse-or-mode: either selects an order; warehouse-and-mode: both must match."),
    defaultShippingSpeed: z.enum(SHIPPING_SPEEDS).default("Standard").describe("Speed when the mode of delivery has none."),
    fulfillmentPolicy: z
      .enum(FULFILLMENT_POLICIES)
      .default("FillOrKill")
      .describe(
        "FillOrKill: all or nothing; FillAll: ship what is available, the rest when it is; FillAllAvailable: ship what is available, cancel the rest.",
      ),
    readyWhen: z
      .object({
        processingStatuses: z
          .array(z.enum(PROCESSING_STATUSES))
          .min(1)
          .default(["Confirmed"])
          .describe("SalesOrderProcessingStatus values that make an open order ready (Confirmed: the sales order confirmation is posted)."),
        notStopped: z.boolean().default(true).describe("Wait while the order's processing is stopped (IsSalesProcessingStopped)."),
      })
      .strict()
      .default({ processingStatuses: ["Confirmed"], notStopped: true }),
    excludeOriginCodes: z
      .array(code("D365 sales origin (SalesOrderOriginCode)."))
      .default(["AMZ-FBA", "AMZ-MFN"])
      .describe("Never send orders with these origins (Amazon's own orders the orders flow imported)."),
    ignoreItems: z
      .array(code("D365 ItemNumber."))
      .default([])
      .describe("Lines with these items never go to Amazon (freight or service items)."),
    preview: z
      .boolean()
      .default(true)
      .describe("Ask Amazon for a preview first: an address it cannot ship to or an unfulfillable item becomes a review item."),
    displayableOrderComment: z
      .string()
      .max(750)
      .default("Thank you for your order.")
      .describe("Text on Amazon's packing slip (2020-07-01 only)."),
    stopOrderWhenAmazonCannotFulfil: z
      .boolean()
      .default(true)
      .describe(
        "When Amazon cancels, refuses or cannot fulfil an order before shipping anything, stop its processing in D365 (IsSalesProcessingStopped).",
      ),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.warehouses.length === 0 && Object.keys(e.modesOfDelivery).length === 0)
      ctx.addIssue({ code: "custom", path: ["warehouses"], message: "give warehouses or modesOfDelivery (or both)" });
    if (e.match === "warehouse-and-mode" && (e.warehouses.length === 0 || Object.keys(e.modesOfDelivery).length === 0))
      ctx.addIssue({ code: "custom", path: ["match"], message: "warehouse-and-mode needs both warehouses and modesOfDelivery" });
  });
export type McfLegalEntity = z.infer<typeof McfLegalEntity>;

export const BusinessEventRule = z
  .object({
    businessEventId: code("The event's BusinessEventId as the business event catalog lists it.", 128),
    salesOrderField: code("The contract field that holds the sales order number.", 64),
    legalEntityField: code("The contract field that holds the legal entity; default BusinessEventLegalEntity.", 64).optional(),
    when: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe('Only events whose contract fields have these values, e.g. {"TableName": "SalesTable"} for an alert.'),
  })
  .strict();
export type BusinessEventRule = z.infer<typeof BusinessEventRule>;

/** The documented invoice event, and change-based alerts sent as business events (docs/fulfillment.md). */
export const DEFAULT_BUSINESS_EVENT_RULES: BusinessEventRule[] = [
  { businessEventId: "SalesInvoicePostedBusinessEvent", salesOrderField: "SalesOrderId", legalEntityField: "LegalEntity" },
  {
    businessEventId: "BusinessEventsAlertEvent",
    salesOrderField: "KeyValue1",
    legalEntityField: "DataAreaId",
    when: { TableName: "SalesTable" },
  },
  {
    businessEventId: "BusinessEventsAlertEvent",
    salesOrderField: "KeyValue1",
    legalEntityField: "DataAreaId",
    when: { TableName: "CustPackingSlipJour" },
  },
];

export const FulfillmentFile = z
  .object({
    $schema: z.string().optional(),
    mcf: z
      .object({
        enabled: z.boolean().default(true).describe("false: no order is sent to MCF (the follow-up of sent orders goes on)."),
        sellerFulfillmentOrderIdPrefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]{0,10}$/, "letters, digits, '-', '_' or '.', at most 10")
          .default("")
          .describe("Put before every sellerFulfillmentOrderId, e.g. to tell two D365 environments apart on one seller account."),
        legalEntities: z.array(McfLegalEntity).default([]),
      })
      .strict()
      .default({ enabled: true, sellerFulfillmentOrderIdPrefix: "", legalEntities: [] }),
    shipments: z
      .object({
        enabled: z.boolean().default(true).describe("false: FBM packing slips are not confirmed to Amazon."),
        initialLookbackDays: z
          .number()
          .int()
          .min(0)
          .max(60)
          .default(7)
          .describe("How far back the first catch-up looks for posted packing slips of Amazon orders."),
      })
      .strict()
      .default({ enabled: true, initialLookbackDays: 7 }),
    businessEvents: z
      .array(BusinessEventRule)
      .default(DEFAULT_BUSINESS_EVENT_RULES)
      .describe("D365 business events that name a sales order the app should look at (MCF or FBM); other events are ignored."),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.mcf.legalEntities.forEach((e, i) => {
      const k = e.dataAreaId.toLowerCase();
      if (seen.has(k))
        ctx.addIssue({ code: "custom", path: ["mcf", "legalEntities", i, "dataAreaId"], message: `duplicate legal entity ${k}` });
      seen.add(k);
    });
  });
export type FulfillmentFile = z.infer<typeof FulfillmentFile>;

export const FULFILLMENT_FILE = "fulfillment.json";

export const fulfillmentDefinition = {
  file: FULFILLMENT_FILE,
  schema: FulfillmentFile,
  description:
    "D365 sales orders Amazon ships (MCF): by legal entity, warehouse and mode of delivery; speed, policy, readiness, preview; the business events to act on.",
  required: false,
};

/** The file's defaults when it is absent: nothing goes to MCF, FBM confirmation on, the default event rules. */
export const EMPTY_FULFILLMENT_FILE: FulfillmentFile = FulfillmentFile.parse({});
