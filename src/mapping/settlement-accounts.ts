/**
 * mappings/settlement-accounts.json: which D365 ledger account (and financial dimensions) each settlement
 * line goes to, keyed by Amazon's (transaction-type, amount-type, amount-description); the Amazon
 * clearing/bank account per marketplace and currency for the deposit line; what to do with a combination
 * no rule matches. Published as mappings/schemas/settlement-accounts.schema.json.
 *
 * Matching: each of the three fields of a rule is an exact text (case-insensitive), a pattern with `*`
 * wildcards, a regular expression written `/.../`, or absent (= anything). The most specific rule wins:
 * more exact fields first, then more pattern fields, then the order in the file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigurationError } from "../platform/errors";

const Matcher = z
  .string()
  .min(1)
  .describe('Exact text (case-insensitive), a pattern with * wildcards ("*Fee*"), or a regular expression "/^Storage/i". Absent = any.');

export const RULE_KINDS = [
  "revenue",
  "shipping",
  "tax",
  "withheld-tax",
  "promotion",
  "refund",
  "fee",
  "reserve",
  "reimbursement",
  "transfer",
  "other",
] as const;

export const SettlementRule = z
  .object({
    transactionType: Matcher.optional(),
    amountType: Matcher.optional(),
    amountDescription: Matcher.optional(),
    account: z.string().min(1).describe("D365 main account (LedgerJournalLines.AccountDisplayValue main-account segment)."),
    dimensions: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe('Financial dimensions for the line, e.g. {"BusinessUnit": "001"}; order them with dimensionFormat.'),
    text: z.string().max(60).optional().describe("Journal line text (default: the combination)."),
    kind: z.enum(RULE_KINDS).optional().describe("What the line is; reserve lines feed the reserve-jump anomaly check."),
  })
  .strict();
export type SettlementRule = z.infer<typeof SettlementRule>;

export const ClearingAccount = z
  .object({
    currency: z.string().regex(/^([A-Z]{3}|\*)$/, { error: "a three-letter ISO currency code or *" }),
    marketplace: z.string().min(1).optional().describe('marketplace-name as in the file (e.g. "Amazon.de"); absent = any.'),
    account: z.string().min(1),
    accountType: z.enum(["Ledger", "Bank"]).default("Ledger").describe("LedgerJournalACType of the deposit line."),
    dimensions: z.record(z.string().min(1), z.string()).optional(),
  })
  .strict();
export type ClearingAccount = z.infer<typeof ClearingAccount>;

/** What D365's ledger dimension format allows in a segment: never the delimiter between segments. */
const DATA_AREA_ID = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{1,8}$/, { error: "a D365 legal entity id (dataAreaId) like usmf" })
  .describe("D365 legal entity (dataAreaId) the settlement's journal is created in.");

export const LegalEntityRule = z
  .object({
    currency: z.string().regex(/^([A-Z]{3}|\*)$/, { error: "a three-letter ISO currency code or *" }),
    marketplace: z.string().min(1).optional().describe('marketplace-name as in the file (e.g. "Amazon.de"); absent = any.'),
    dataAreaId: DATA_AREA_ID.optional(),
    timeZone: z
      .string()
      .min(1)
      .optional()
      .describe(
        'IANA time zone of the books (e.g. "Europe/Berlin"): a row belongs to the month of its local posting date. Default: the marketplace\'s.',
      ),
  })
  .strict();
export type LegalEntityRule = z.infer<typeof LegalEntityRule>;

export const SettlementAccountsFile = z
  .object({
    $schema: z.string().optional(),
    unknownCombinations: z
      .enum(["needs-mapping", "suspense"])
      .default("needs-mapping")
      .describe("needs-mapping: stop the settlement and suggest a rule (default); suspense: post unknown lines to suspenseAccount."),
    suspenseAccount: z.string().min(1).optional(),
    carriedForwardAccount: z
      .string()
      .min(1)
      .describe("Balance-sheet account that carries a month's net to the next month when a settlement crosses a month end."),
    dimensionFormat: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Dimension names in the order of D365's 'Financial dimension configuration for integrating applications' (ledger dimension format).",
      ),
    dimensionDelimiter: z
      .string()
      .length(1)
      .default("-")
      .describe("The segment delimiter of that ledger dimension format (General ledger parameters; '-' by default)."),
    legalEntities: z
      .array(LegalEntityRule)
      .default([])
      .describe(
        "Which legal entity a settlement's journal goes to, and the time zone its month-end split uses, by currency and marketplace (most specific wins). Default: D365_COMPANY, and the marketplace's time zone.",
      ),
    journal: z
      .object({
        mode: z
          .enum(["summary", "detailed"])
          .default("summary")
          .describe("summary: one line per account/dimensions/period; detailed: one per order too."),
        splitAtMonthEnd: z.boolean().default(true),
        dmfFromLines: z
          .number()
          .int()
          .min(0)
          .default(2000)
          .describe(
            "Journals with at least this many lines go to D365 as a DMF package (General journal entity) instead of OData $batch; 0 = never.",
          ),
        dmfDefinitionGroup: z
          .string()
          .min(1)
          .default("Amazon settlement journal")
          .describe("Name of the D365 data project that imports the General journal entity."),
      })
      .strict()
      .default({ mode: "summary", splitAtMonthEnd: true, dmfFromLines: 2000, dmfDefinitionGroup: "Amazon settlement journal" }),
    clearing: z.array(ClearingAccount).min(1).describe("Deposit line account by currency and marketplace (most specific wins)."),
    rules: z.array(SettlementRule).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.unknownCombinations === "suspense" && !f.suspenseAccount) {
      ctx.addIssue({ code: "custom", path: ["suspenseAccount"], message: 'is required when unknownCombinations is "suspense"' });
    }
    // A dimension that is not in dimensionFormat would be dropped from the display value, and a value with the
    // delimiter in it would shift every later segment: D365 would book the line to another combination.
    const checkDimensions = (dims: Record<string, string> | undefined, path: (string | number)[]) => {
      for (const [name, value] of Object.entries(dims ?? {})) {
        if (!f.dimensionFormat.includes(name)) {
          ctx.addIssue({
            code: "custom",
            path: [...path, name],
            message: `dimension "${name}" is not in dimensionFormat [${f.dimensionFormat.join(", ")}]: add it there (in the order of D365's ledger dimension format) or remove it`,
          });
        }
        if (value.includes(f.dimensionDelimiter)) {
          ctx.addIssue({
            code: "custom",
            path: [...path, name],
            message: `value "${value}" contains the dimension delimiter "${f.dimensionDelimiter}", which separates the segments of the account display value`,
          });
        }
      }
    };
    f.rules.forEach((r, i) => {
      checkDimensions(r.dimensions, ["rules", i, "dimensions"]);
      if (r.account.includes(f.dimensionDelimiter)) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "account"],
          message: `main account "${r.account}" contains the dimension delimiter "${f.dimensionDelimiter}"; put dimensions in "dimensions"`,
        });
      }
    });
    f.clearing.forEach((c, i) => checkDimensions(c.dimensions, ["clearing", i, "dimensions"]));
    f.legalEntities.forEach((e, i) => {
      if (e.timeZone && !isTimeZone(e.timeZone)) {
        ctx.addIssue({
          code: "custom",
          path: ["legalEntities", i, "timeZone"],
          message: `"${e.timeZone}" is not an IANA time zone (e.g. "Europe/Berlin", "America/Los_Angeles")`,
        });
      }
    });
    f.rules.forEach((r, i) => {
      for (const field of ["transactionType", "amountType", "amountDescription"] as const) {
        const v = r[field];
        if (v?.startsWith("/")) {
          try {
            compileMatcher(v);
          } catch (err) {
            ctx.addIssue({
              code: "custom",
              path: ["rules", i, field],
              message: `not a valid regular expression: ${(err as Error).message}`,
            });
          }
        }
      }
    });
  });
export type SettlementAccountsFile = z.infer<typeof SettlementAccountsFile>;

/** True for a time zone name the runtime knows (IANA, e.g. "Europe/Berlin"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const SETTLEMENT_ACCOUNTS_FILE = "settlement-accounts.json";

export const settlementAccountsDefinition = {
  file: SETTLEMENT_ACCOUNTS_FILE,
  schema: SettlementAccountsFile,
  description:
    "Amazon settlement lines (transaction-type, amount-type, amount-description) -> D365 main account and dimensions; " +
    "clearing account per currency; unknown-line policy.",
};

/**
 * Main accounts the shipped defaults use: the demo company of the D365 simulator
 * (src/local/d365-sim/demo-company.ts) seeds exactly these, so the default file posts there unchanged.
 * Real tenants replace the numbers with their own chart of accounts.
 */
export const DEFAULT_SETTLEMENT_MAIN_ACCOUNTS: ReadonlyArray<{ account: string; name: string }> = [
  { account: "110180", name: "Amazon clearing account (deposit line; card charges and transfers)" },
  { account: "130700", name: "Amazon reserve held (reserve lines; month-end carried-forward balance)" },
  { account: "222200", name: "Sales tax payable (collected tax and the marketplace facilitator tax that offsets it)" },
  { account: "401100", name: "Sales - Amazon" },
  { account: "401200", name: "Shipping income - Amazon" },
  { account: "403100", name: "Sales returns and refunds - Amazon" },
  { account: "605100", name: "Amazon referral fees" },
  { account: "605200", name: "Amazon FBA fulfillment fees" },
  { account: "605300", name: "Amazon storage fees" },
  { account: "605400", name: "Amazon advertising" },
  { account: "605900", name: "Amazon other fees (and reimbursements, which reduce them)" },
  { account: "618100", name: "Promotions and discounts" },
  { account: "999999", name: "Suspense account" },
];

// ---------------------------------------------------------------------------------------------------------
// Matching

type CompiledMatcher = { score: 0 | 1 | 2; test: (value: string) => boolean };

function compileMatcher(spec: string | undefined): CompiledMatcher {
  if (spec === undefined || spec === "*") return { score: 0, test: () => true };
  const re = /^\/(.*)\/([a-z]*)$/s.exec(spec);
  if (re) {
    const regex = new RegExp(re[1]!, re[2]);
    return { score: 1, test: (v) => regex.test(v) };
  }
  if (spec.includes("*")) {
    const regex = new RegExp(`^${spec.split("*").map(escapeRegex).join(".*")}$`, "i");
    return { score: 1, test: (v) => regex.test(v) };
  }
  const lower = spec.trim().toLowerCase();
  return { score: 2, test: (v) => v.toLowerCase() === lower };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface Combination {
  transactionType: string;
  amountType: string;
  amountDescription: string;
}

export function combinationKey(c: Combination): string {
  return `${c.transactionType} / ${c.amountType} / ${c.amountDescription}`;
}

export interface ResolvedAccount {
  account: string;
  dimensions: Record<string, string>;
  text: string;
  kind: SettlementRule["kind"] | "suspense";
  /** Index of the rule in the file; -1 for the suspense account. */
  ruleIndex: number;
}

interface CompiledRule {
  index: number;
  rule: SettlementRule;
  tt: CompiledMatcher;
  at: CompiledMatcher;
  ad: CompiledMatcher;
  exact: number;
  patterns: number;
}

/** The mapping file, compiled for fast lookups (each combination is resolved once and cached). */
export class SettlementAccounts {
  private readonly rules: CompiledRule[];
  private readonly cache = new Map<string, Map<string, Map<string, ResolvedAccount | null>>>();

  constructor(readonly file: SettlementAccountsFile) {
    this.rules = file.rules.map((rule, index) => {
      const tt = compileMatcher(rule.transactionType);
      const at = compileMatcher(rule.amountType);
      const ad = compileMatcher(rule.amountDescription);
      const scores = [tt.score, at.score, ad.score];
      return { index, rule, tt, at, ad, exact: scores.filter((s) => s === 2).length, patterns: scores.filter((s) => s === 1).length };
    });
    // most specific first; stable sort keeps file order among equals
    this.rules.sort((a, b) => b.exact - a.exact || b.patterns - a.patterns || a.index - b.index);
  }

  static parse(json: unknown): SettlementAccounts {
    const parsed = SettlementAccountsFile.safeParse(json);
    if (!parsed.success) {
      const lines = parsed.error.issues.map(
        (i) => `$${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`,
      );
      throw new ConfigurationError("mappings.invalid", `Invalid ${SETTLEMENT_ACCOUNTS_FILE}:\n  ${lines.join("\n  ")}`, {
        where: SETTLEMENT_ACCOUNTS_FILE,
      });
    }
    return new SettlementAccounts(parsed.data);
  }

  static load(dir: string): SettlementAccounts {
    return SettlementAccounts.fromFile(join(dir, SETTLEMENT_ACCOUNTS_FILE));
  }

  static fromFile(path: string): SettlementAccounts {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new ConfigurationError("mappings.unreadable", `cannot read ${path}: ${(err as Error).message}`, { where: path });
    }
    return SettlementAccounts.parse(json);
  }

  /** The most specific rule for the combination; the suspense account under that policy; else undefined. */
  resolve(c: Combination): ResolvedAccount | undefined {
    // Nested maps: no key string is built per row (this runs for every row of a million-row file).
    let byType = this.cache.get(c.transactionType);
    if (!byType) this.cache.set(c.transactionType, (byType = new Map()));
    let byAmountType = byType.get(c.amountType);
    if (!byAmountType) byType.set(c.amountType, (byAmountType = new Map()));
    let hit = byAmountType.get(c.amountDescription);
    if (hit === undefined) {
      hit = this.findRule(c) ?? this.suspenseFor(c) ?? null;
      byAmountType.set(c.amountDescription, hit);
    }
    return hit ?? undefined;
  }

  private suspenseFor(c: Combination): ResolvedAccount | undefined {
    if (this.file.unknownCombinations !== "suspense" || !this.file.suspenseAccount) return undefined;
    return {
      account: this.file.suspenseAccount,
      dimensions: {},
      text: `Unmapped: ${combinationKey(c)}`.slice(0, 60),
      kind: "suspense",
      ruleIndex: -1,
    };
  }

  private findRule(c: Combination): ResolvedAccount | undefined {
    for (const r of this.rules) {
      if (r.tt.test(c.transactionType) && r.at.test(c.amountType) && r.ad.test(c.amountDescription)) {
        return {
          account: r.rule.account,
          dimensions: r.rule.dimensions ?? {},
          text: (r.rule.text ?? combinationKey(c)).slice(0, 60),
          kind: r.rule.kind ?? "other",
          ruleIndex: r.index,
        };
      }
    }
    return undefined;
  }

  /** A rule the admin could add for an unmapped combination (account guessed from the nearest rule). */
  suggestRule(c: Combination): SettlementRule {
    const near =
      this.findRule({ ...c, amountDescription: "\u0000no-such-description" }) ??
      this.findRule({ transactionType: "\u0000", amountType: c.amountType, amountDescription: "\u0000" });
    const feeLike = /fee|charge|cost/i.test(`${c.amountType} ${c.amountDescription}`);
    const fallback =
      this.file.rules.find((r) => r.kind === (feeLike ? "fee" : "other"))?.account ?? this.file.suspenseAccount ?? "<account>";
    return {
      transactionType: c.transactionType,
      amountType: c.amountType,
      amountDescription: c.amountDescription,
      account: near?.account ?? fallback,
      kind: (near?.kind as SettlementRule["kind"]) ?? (feeLike ? "fee" : "other"),
    };
  }

  /** The deposit account for a currency and marketplace: exact marketplace+currency, then currency, then *. */
  clearingFor(currency: string, marketplace?: string): ClearingAccount {
    const best = mostSpecific(this.file.clearing, currency, marketplace);
    if (!best) {
      throw new ConfigurationError(
        "mappings.no-clearing-account",
        `${SETTLEMENT_ACCOUNTS_FILE}: no clearing account for currency ${currency}; ` +
          `add {"currency": "${currency}", "account": "..."} or {"currency": "*", ...} to "clearing"`,
        {
          where: `${SETTLEMENT_ACCOUNTS_FILE}: $.clearing`,
        },
      );
    }
    return best;
  }

  /** "401100-001-022": the main account followed by the dimension values in dimensionFormat order. */
  displayValue(account: string, dimensions: Record<string, string>): string {
    const format = this.file.dimensionFormat;
    if (!format.length || Object.keys(dimensions).length === 0) return account;
    return [account, ...format.map((d) => dimensions[d] ?? "")].join(this.file.dimensionDelimiter);
  }

  /** The legal-entity rule for a settlement: exact marketplace+currency, then currency, then "*"; undefined when none. */
  legalEntityFor(currency: string, marketplace?: string): LegalEntityRule | undefined {
    return mostSpecific(this.file.legalEntities, currency, marketplace);
  }
}

/** The entry for a currency and marketplace: exact marketplace+currency, then currency, then "*" (file order among equals). */
function mostSpecific<T extends { currency: string; marketplace?: string }>(
  list: readonly T[],
  currency: string,
  marketplace?: string,
): T | undefined {
  const score = (c: T) =>
    (c.currency === currency ? 2 : c.currency === "*" ? 0 : -10) + (c.marketplace ? (c.marketplace === marketplace ? 1 : -10) : 0);
  return [...list]
    .map((c) => ({ c, s: score(c) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s)[0]?.c;
}
