/**
 * The returns flow's model of Amazon's data: one shape for a return whether it came from the FBA customer
 * returns report, the FBM returns report or an MCF order's return items, and one for a refund. No wire shape
 * and no buyer data (names, addresses, customer comments) is kept here.
 */
import { createHash } from "node:crypto";
import type { ReturnChannel } from "../../mapping/returns";

export type { ReturnChannel } from "../../mapping/returns";

/** One returned SKU of an Amazon return. */
export interface ReturnItem {
  sku: string;
  asin?: string;
  fnsku?: string;
  /** Units returned (Amazon units; the SKU cross-reference converts to D365 units). */
  quantity: number;
  /** Amazon's reason code: FBA `reason`, FBM `Return Reason`, MCF return reason code. */
  reason: string;
  /** FBA `detailed-disposition`, MCF received condition; FBM reports none. */
  disposition?: string;
  /** Amazon's status text (FBA `status`, FBM `Return request status`, MCF New/Processed). */
  amazonStatus?: string;
  fulfillmentCenterId?: string;
}

/**
 * One Amazon return, the unit that becomes one D365 return order:
 * - FBA: order id + license plate number (the row's natural key when Amazon leaves the plate empty);
 * - FBM: order id + Amazon RMA ID (its lines are the RMA's SKUs: Amazon RMA ID + SKU is a line);
 * - MCF: seller fulfillment order id + return authorization id (else the return item id).
 */
export interface AmazonReturn {
  /** `<channel>|<order id>|<return id>`: the identity everything is keyed by. */
  key: string;
  channel: ReturnChannel;
  /** The Amazon order id (MCF: the seller fulfillment order id). */
  amazonOrderId: string;
  /** License plate number, Amazon RMA ID or MCF return authorization. */
  returnId: string;
  /** The marketplace the report was requested for (a hint: the D365 sales order decides). */
  marketplaceId?: string;
  /** ISO date-time: FBA processed at the fulfilment centre, FBM return requested, MCF received. */
  returnDate: string;
  items: ReturnItem[];
  /** Where it was read (report and line), for people. */
  source?: { reportId?: string; line?: number };
  /** The customer wrote a comment (kept in Seller Central; the app does not copy buyer text). */
  hasCustomerComment?: boolean;
}

/** A refund of one order, as the flow matches it to returns (amounts are decimal strings). */
export interface RefundEvent {
  /** A stable id: Amazon's refund id, else one made of the order, posting time and SKUs. */
  key: string;
  amazonOrderId: string;
  marketplaceId?: string;
  postedDate: string;
  currency: string;
  /** What went back to the buyer (negative), all items. */
  refundedToBuyer: string;
  /** The effect on the seller's balance, all items. */
  total: string;
  items: { sku?: string; quantity?: number; refundedToBuyer: string }[];
}

export function returnKey(channel: ReturnChannel, amazonOrderId: string, returnId: string): string {
  return `${channel}|${amazonOrderId}|${returnId}`;
}

/** A short, stable hash of a text (state row keys, message ids). */
export function shortHash(text: string, length = 20): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}
