/**
 * mappings/order-statuses.json: what an Amazon order status means for D365, per fulfillment channel.
 * create: create the sales order (or complete it); wait: do nothing yet (Pending orders carry no prices);
 * cancel: cancel the open D365 order, flag one that has shipped; ignore: never import.
 */
import { z } from "zod";

export const AMAZON_ORDER_STATUSES = [
  "Pending",
  "Unshipped",
  "PartiallyShipped",
  "Shipped",
  "Canceled",
  "Unfulfillable",
  "InvoiceUnconfirmed",
  "PendingAvailability",
] as const;
export type AmazonOrderStatus = (typeof AMAZON_ORDER_STATUSES)[number];

export const StatusAction = z.enum(["create", "wait", "cancel", "ignore"]);
export type StatusAction = z.infer<typeof StatusAction>;

const StatusTable = z.partialRecord(z.enum(AMAZON_ORDER_STATUSES), StatusAction);

export const OrderStatusesFile = z
  .object({
    $schema: z.string().optional(),
    statuses: z
      .record(z.enum(AMAZON_ORDER_STATUSES), StatusAction)
      .describe("Action for each Amazon OrderStatus (all eight must be listed)."),
    byChannel: z
      .object({ AFN: StatusTable.optional(), MFN: StatusTable.optional() })
      .strict()
      .default({})
      .describe("Overrides for FBA (AFN) or FBM (MFN) orders.")
      .optional(),
    cancelOpenOrder: z
      .enum(["delete", "stop-processing"])
      .default("delete")
      .describe(
        "How an open (Backorder) D365 order is canceled through OData, which has no cancel action: delete removes the order " +
          "and its lines (D365 allows it while nothing is delivered; the ledger keeps the order number); stop-processing sets " +
          "IsSalesProcessingStopped so that a person cancels it in D365.",
      ),
    mcfOrders: z
      .enum(["ignore", "import"])
      .default("ignore")
      .describe(
        "Multi-Channel Fulfillment orders (SalesChannel Non-Amazon) start in D365 and are sent to Amazon by the MCF flow; " +
          "importing them again would duplicate them.",
      ),
  })
  .strict();

export type OrderStatusesFile = z.infer<typeof OrderStatusesFile>;
