/**
 * Seed: what a return order (ReturnOrderHeadersV2 / ReturnOrderLinesV2) refers to — customer return reason
 * codes (group AMZ) and disposition codes, named after Amazon's return reasons and FBA dispositions.
 */
import type { SimStore } from "../store";

/** Return reason codes (ReturnReasonCodeBiEntities.ReasonCodeId), for ReturnOrderHeadersV2.CustomerReturnReasonCode. */
export const DEMO_RETURN_REASON_CODES = [
  { ReasonCodeId: "DEFECT", Description: "Defective or does not work" },
  { ReasonCodeId: "DAMAGED", Description: "Arrived damaged" },
  { ReasonCodeId: "WRONGITEM", Description: "Wrong item sent" },
  { ReasonCodeId: "NOTASDESC", Description: "Not as described" },
  { ReasonCodeId: "UNWANTED", Description: "No longer needed" },
  { ReasonCodeId: "LATE", Description: "Arrived too late" },
  { ReasonCodeId: "OTHER", Description: "Other reason" },
] as const;

/** Disposition codes (ReturnDispositionCodes), for ReturnOrderLinesV2.ReturnDispositionCode; DispositionAction is the F&O enum. */
export const DEMO_DISPOSITION_CODES = [
  { DispositionCode: "SELLABLE", DispositionDescription: "Sellable: back to stock", DispositionAction: "Credit" },
  { DispositionCode: "DAMAGED", DispositionDescription: "Damaged in the warehouse", DispositionAction: "Scrap" },
  { DispositionCode: "CUSTDAMAGE", DispositionDescription: "Damaged by the customer", DispositionAction: "CreditOnly" },
  { DispositionCode: "DEFECTIVE", DispositionDescription: "Defective", DispositionAction: "Scrap" },
  { DispositionCode: "CARRIERDMG", DispositionDescription: "Damaged by the carrier", DispositionAction: "CreditOnly" },
  { DispositionCode: "EXPIRED", DispositionDescription: "Expired", DispositionAction: "Scrap" },
] as const;

export function seedReturns(store: SimStore, companies: readonly string[]): void {
  for (const company of companies) {
    for (const r of DEMO_RETURN_REASON_CODES) {
      store.put("ReturnReasonCodeBiEntities", { dataAreaId: company, ...r, ReasonCodeGroupId: "AMZ", SysDataAreaId: company }, "seed");
    }
    for (const d of DEMO_DISPOSITION_CODES) store.put("ReturnDispositionCodes", { dataAreaId: company, ...d }, "seed");
  }
}
