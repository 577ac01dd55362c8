/**
 * mappings/returns.json: how an Amazon return becomes a D365 return order (RMA). Amazon's return reason ->
 * the D365 return reason code (ReturnOrderHeadersV2.CustomerReturnReasonCode), Amazon's disposition (FBA
 * detailed-disposition, MCF received condition) -> the D365 disposition code (ReturnOrderLinesV2.
 * ReturnDispositionCode), the returns warehouse per channel and marketplace, and what to do with a code the
 * file does not know. Published as mappings/schemas/returns.schema.json.
 *
 * Amazon publishes no complete list of reason codes (about 30 are seen, e.g. DEFECTIVE, UNWANTED_ITEM,
 * NOT_AS_DESCRIBED) and spells the same disposition differently per source (FBA report CUSTOMER_DAMAGED,
 * MCF CustomerDamaged), so codes are compared after normalisation: upper case, camel case split, every run
 * of other characters one underscore ("CustomerDamaged", "customer-damaged" and "CUSTOMER_DAMAGED" are one
 * key). The file is read on every import, so a code an admin adds applies to the next replay at once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigurationError } from "../platform/errors";

export const RETURNS_FILE = "returns.json";

export const RETURN_CHANNELS = ["FBA", "FBM", "MCF"] as const;
export type ReturnChannel = (typeof RETURN_CHANNELS)[number];

const D365Code = z.string().trim().min(1).max(10).describe("A D365 code (at most 10 characters).");

export const ReturnWarehouse = z
  .object({
    channel: z.enum(RETURN_CHANNELS).describe("FBA (Amazon's fulfilment centres), FBM (the seller's own shipping) or MCF."),
    marketplaceId: z.string().min(1).optional().describe("Only returns of this marketplace; absent = every marketplace."),
    warehouseId: z.string().trim().min(1).max(10).describe("ReturnOrderLinesV2.ReturnWarehouseId (and the header's default)."),
    siteId: z.string().trim().min(1).max(10).optional().describe("ReturnSiteId; absent: the warehouse's site."),
  })
  .strict();
export type ReturnWarehouse = z.infer<typeof ReturnWarehouse>;

export const ReturnsFile = z
  .object({
    $schema: z.string().optional(),
    unknownCodes: z
      .enum(["needs-mapping", "default"])
      .default("needs-mapping")
      .describe(
        "needs-mapping: a return with a reason or disposition this file does not know stops until it is added (default); " +
          "default: use defaultReasonCode / defaultDispositionCode.",
      ),
    defaultReasonCode: D365Code.optional().describe('The reason code for unknown reasons when unknownCodes is "default".'),
    defaultDispositionCode: D365Code.optional().describe('The disposition code for unknown dispositions when unknownCodes is "default".'),
    reasons: z
      .record(z.string().min(1), D365Code)
      .describe("Amazon return reason (FBA reason, FBM Return Reason, MCF return reason code) -> D365 return reason code."),
    dispositions: z
      .record(z.string().min(1), D365Code)
      .describe("Amazon disposition (FBA detailed-disposition, MCF received condition) -> D365 disposition code."),
    fbmDispositionCode: D365Code.optional().describe(
      "Disposition code of FBM return lines (Amazon reports none: the seller's warehouse judges the unit). Absent: D365 sets it at arrival.",
    ),
    warehouses: z
      .array(ReturnWarehouse)
      .default([])
      .describe(
        "Returns warehouse per channel and marketplace (most specific wins). Without an entry: FBA and FBM returns go to the " +
          "marketplace's AFN / MFN warehouse in marketplaces.json (FBA returns stay in the FBA warehouse), MCF returns to the " +
          "sales order's shipping warehouse.",
      ),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.unknownCodes === "default") {
      for (const k of ["defaultReasonCode", "defaultDispositionCode"] as const) {
        if (!f[k]) ctx.addIssue({ code: "custom", path: [k], message: 'is required when unknownCodes is "default"' });
      }
    }
    for (const table of ["reasons", "dispositions"] as const) {
      const seen = new Map<string, string>();
      for (const key of Object.keys(f[table])) {
        const n = normalizeReturnCode(key);
        const other = seen.get(n);
        if (other !== undefined) {
          ctx.addIssue({ code: "custom", path: [table, key], message: `is the same code as "${other}" (compared as ${n})` });
        }
        seen.set(n, key);
      }
    }
    f.warehouses.forEach((w, i) => {
      const twin = f.warehouses.findIndex((x, j) => j < i && x.channel === w.channel && x.marketplaceId === w.marketplaceId);
      if (twin >= 0)
        ctx.addIssue({ code: "custom", path: ["warehouses", i], message: `repeats warehouses[${twin}] (same channel and marketplace)` });
    });
  });
export type ReturnsFile = z.infer<typeof ReturnsFile>;

export const returnsDefinition = {
  file: RETURNS_FILE,
  schema: ReturnsFile,
  description:
    "Amazon return reasons and dispositions -> D365 return reason and disposition codes; the returns warehouse per channel " +
    "and marketplace; the policy for codes the file does not know.",
};

/** "CustomerDamaged", "customer-damaged", " CUSTOMER_DAMAGED " -> "CUSTOMER_DAMAGED". */
export function normalizeReturnCode(code: string): string {
  return code
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
}

/** Words in an Amazon code that point at a known one, for the suggestion that comes with a mapping gap. */
const SUGGEST: { pattern: RegExp; like: string[] }[] = [
  { pattern: /CARRIER|TRANSIT|SHIPPING_DAMAGE/, like: ["CARRIER_DAMAGED", "DAMAGED_BY_CARRIER", "DAMAGED"] },
  { pattern: /CUSTOMER_DAMAGE/, like: ["CUSTOMER_DAMAGED", "DAMAGED"] },
  { pattern: /DEFECT|BROKEN|NOT_WORK|QUALITY|FAULT|DOES_NOT_WORK/, like: ["DEFECTIVE", "DEFECT"] },
  { pattern: /DAMAGE/, like: ["DAMAGED", "DAMAGED_BY_CARRIER", "CARRIER_DAMAGED"] },
  { pattern: /WRONG|MISSHIP|INCORRECT/, like: ["ORDERED_WRONG_ITEM", "WRONG_ITEM"] },
  { pattern: /DESCRI|MISMATCH|DIFFERENT|INACCURATE/, like: ["NOT_AS_DESCRIBED"] },
  { pattern: /LATE|DELAY|NOT_ARRIVE/, like: ["ARRIVED_LATE", "LATE"] },
  { pattern: /EXPIR/, like: ["EXPIRED"] },
  { pattern: /PRICE|UNWANTED|NO_LONGER|CHANGED_MIND|ACCIDENT|MISTAKE|NOT_NEEDED|UNAUTHORIZED/, like: ["UNWANTED_ITEM", "UNWANTED"] },
  { pattern: /SELLABLE/, like: ["SELLABLE"] },
];

export interface ReturnCodeGap {
  kind: "reason" | "disposition";
  /** Amazon's code as it came. */
  code: string;
  /** The key to add to the file (normalised). */
  key: string;
  /** A D365 code the file already uses for a similar Amazon code (to confirm or change). */
  suggestedCode?: string;
}

export interface ResolvedWarehouse {
  warehouseId: string;
  siteId?: string;
}

/** The returns mapping file with its lookups. */
export class ReturnMappings {
  private readonly reasons = new Map<string, string>();
  private readonly dispositions = new Map<string, string>();

  constructor(readonly file: ReturnsFile) {
    for (const [k, v] of Object.entries(file.reasons)) this.reasons.set(normalizeReturnCode(k), v);
    for (const [k, v] of Object.entries(file.dispositions)) this.dispositions.set(normalizeReturnCode(k), v);
  }

  static parse(json: unknown, where = RETURNS_FILE): ReturnMappings {
    const parsed = ReturnsFile.safeParse(json);
    if (!parsed.success) {
      const lines = parsed.error.issues.map(
        (i) => `$${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`,
      );
      throw new ConfigurationError("mappings.invalid", `Invalid ${where}:\n  ${lines.join("\n  ")}`, { where });
    }
    return new ReturnMappings(parsed.data);
  }

  static load(dir: string): ReturnMappings {
    const path = join(dir, RETURNS_FILE);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new ConfigurationError("mappings.unreadable", `cannot read ${path}: ${(err as Error).message}`, { where: path });
    }
    return ReturnMappings.parse(json, path);
  }

  /** The D365 reason code, the default under that policy, or a gap. */
  reason(amazonReason: string): { code: string; defaulted: boolean } | ReturnCodeGap {
    return this.lookup("reason", this.reasons, amazonReason, this.file.defaultReasonCode);
  }

  /** The D365 disposition code, the default under that policy, or a gap. */
  disposition(amazonDisposition: string): { code: string; defaulted: boolean } | ReturnCodeGap {
    return this.lookup("disposition", this.dispositions, amazonDisposition, this.file.defaultDispositionCode);
  }

  /** The configured returns warehouse of a channel in a marketplace (an entry for the marketplace wins over a general one). */
  warehouse(channel: ReturnChannel, marketplaceId: string | undefined): ResolvedWarehouse | undefined {
    const entries = this.file.warehouses.filter((w) => w.channel === channel);
    const w =
      entries.find((e) => e.marketplaceId !== undefined && e.marketplaceId === marketplaceId) ?? entries.find((e) => !e.marketplaceId);
    return w ? { warehouseId: w.warehouseId, ...(w.siteId ? { siteId: w.siteId } : {}) } : undefined;
  }

  private lookup(
    kind: ReturnCodeGap["kind"],
    table: Map<string, string>,
    code: string,
    fallback: string | undefined,
  ): { code: string; defaulted: boolean } | ReturnCodeGap {
    const key = normalizeReturnCode(code);
    const hit = table.get(key);
    if (hit) return { code: hit, defaulted: false };
    if (this.file.unknownCodes === "default" && fallback) return { code: fallback, defaulted: true };
    return { kind, code, key: key || code, ...optional("suggestedCode", suggest(table, key)) };
  }
}

export function isCodeGap(v: { code: string; defaulted: boolean } | ReturnCodeGap): v is ReturnCodeGap {
  return "kind" in v;
}

function optional<K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, V>);
}

/** A D365 code the file maps a similar Amazon code to: by keywords, else the file's OTHER, else none. */
function suggest(table: Map<string, string>, key: string): string | undefined {
  for (const s of SUGGEST) {
    if (!s.pattern.test(key)) continue;
    for (const like of s.like) {
      const hit = table.get(like);
      if (hit) return hit;
    }
  }
  return table.get("OTHER");
}

/** The file read from MAPPINGS_DIR. */
export function loadReturnMappings(mappingsDir: string): ReturnMappings {
  return ReturnMappings.load(mappingsDir);
}
