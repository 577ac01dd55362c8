import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSchemaText } from "../../../src/mapping/json-schema";
import { SettlementAccounts, SettlementAccountsFile, settlementAccountsDefinition } from "../../../src/mapping/settlement-accounts";
import { ConfigurationError } from "../../../src/platform/errors";

const mappingsDir = join(__dirname, "../../../mappings");
const shipped = () => SettlementAccounts.load(mappingsDir);

function accounts(rules: object[], extra: object = {}) {
  return SettlementAccounts.parse({ carriedForwardAccount: "130700", clearing: [{ currency: "*", account: "110180" }], rules, ...extra });
}

const combo = (transactionType: string, amountType: string, amountDescription: string) => ({
  transactionType,
  amountType,
  amountDescription,
});

describe("settlement account mapping", () => {
  it("ships a default rule for every combination listed in the notes", () => {
    const a = shipped();
    const listed = [
      ["Order", "ItemPrice", "Principal", "401100"],
      ["Order", "ItemPrice", "Tax", "222200"],
      ["Order", "ItemPrice", "Shipping", "401200"],
      ["Order", "ItemPrice", "ShippingTax", "222200"],
      ["Order", "ItemFees", "Commission", "605100"],
      ["Order", "ItemFees", "FBAPerUnitFulfillmentFee", "605200"],
      ["Order", "ItemFees", "DigitalServicesFee", "605100"],
      ["Order", "ItemFees", "ShippingChargeback", "605200"],
      ["Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal", "222200"],
      ["Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Shipping", "222200"],
      ["Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "222200"],
      ["Order", "Promotion", "Shipping", "618100"],
      ["Order", "Promotion", "TaxDiscount", "618100"],
      ["Refund", "ItemPrice", "Principal", "403100"],
      ["Refund", "ItemPrice", "Tax", "222200"],
      ["Refund", "ItemFees", "Commission", "605100"],
      ["Refund", "ItemFees", "RefundCommission", "605100"],
      ["Refund", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal", "222200"],
      ["other-transaction", "other-transaction", "Previous Reserve Amount Balance", "130700"],
      ["other-transaction", "other-transaction", "Current Reserve Amount", "130700"],
      ["other-transaction", "other-transaction", "RemovalComplete", "605300"],
      ["other-transaction", "FBA Inventory Reimbursement", "REVERSAL_REIMBURSEMENT", "605900"],
      ["other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", "605900"],
      ["other-transaction", "other-transaction", "Subscription Fee", "605900"],
      ["other-transaction", "other-transaction", "Storage Fee", "605300"],
      ["other-transaction", "other-transaction", "StorageRenewalBilling", "605300"],
      ["other-transaction", "other-transaction", "FBA Long-Term Storage", "605300"],
      ["other-transaction", "other-transaction", "DisposalComplete", "605300"],
      ["other-transaction", "other-transaction", "Inbound Transportation Fee", "605300"],
      ["other-transaction", "other-transaction", "Shipping label purchase for return", "605900"],
      ["other-transaction", "other-transaction", "Payable to Amazon", "110180"],
      ["other-transaction", "other-transaction", "Successful charge", "110180"],
      ["other-transaction", "other-transaction", "Debt adjustment", "110180"],
      ["ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "605400"],
      ["FBAFees", "FBA Amazon-Partnered Carrier Shipment Fee", "Base fee", "605300"],
      ["FBAFees", "Inbound Transportation Program Fee", "Base fee", "605300"],
      ["Transfers", "Micro Deposit", "Micro Deposit", "110180"],
      ["Liquidations", "Liquidations", "Liquidations", "605900"],
      ["Liquidations Adjustments", "x", "y", "605900"],
      ["Order_Retrocharge", "Base Tax", "Base Tax", "222200"],
      ["Refund_Retrocharge", "Base Tax", "Base Tax", "222200"],
      ["CouponRedemptionFee", "CouponRedemptionFee", "x", "605400"],
      ["Lightning Deal Fee", "x", "y", "605400"],
      ["Vine Enrollment Fee", "x", "y", "605400"],
      ["SAFE-T Reimbursement", "x", "y", "605900"],
      ["Chargeback Refund", "ItemPrice", "x", "403100"],
      ["A-to-z Guarantee Claim", "x", "y", "403100"],
    ];
    for (const [tt, at, ad, account] of listed) expect(a.resolve(combo(tt!, at!, ad!))?.account, `${tt}/${at}/${ad}`).toBe(account);
  });

  it("puts reserve lines on the balance-sheet reserve account", () => {
    const r = shipped().resolve(combo("other-transaction", "other-transaction", "Current Reserve Amount"))!;
    expect(r).toMatchObject({ account: "130700", kind: "reserve" });
  });

  it("lets the most specific rule win: exact fields over patterns over absent fields, then file order", () => {
    const a = accounts([
      { account: "A_any" },
      { amountType: "ItemFees", account: "B_fees" },
      { amountType: "ItemFees", amountDescription: "*Fee", account: "C_fee_pattern" },
      { amountType: "ItemFees", amountDescription: "FBAPerUnitFulfillmentFee", account: "D_exact" },
      { transactionType: "Refund", amountType: "ItemFees", amountDescription: "FBAPerUnitFulfillmentFee", account: "E_refund_exact" },
      { transactionType: "/^Ord/", amountType: "ItemFees", amountDescription: "Commission", account: "F_regex" },
      { transactionType: "Order", amountType: "ItemFees", amountDescription: "Commission", account: "G_exact_later" },
    ]);
    expect(a.resolve(combo("Order", "ItemFees", "FBAPerUnitFulfillmentFee"))!.account).toBe("D_exact");
    expect(a.resolve(combo("Refund", "ItemFees", "FBAPerUnitFulfillmentFee"))!.account).toBe("E_refund_exact");
    expect(a.resolve(combo("Order", "ItemFees", "DigitalServicesFee"))!.account).toBe("C_fee_pattern");
    expect(a.resolve(combo("Order", "ItemFees", "ShippingChargeback"))!.account).toBe("B_fees");
    expect(a.resolve(combo("Order", "ItemFees", "Commission"))!.account).toBe("G_exact_later");
    expect(a.resolve(combo("Orders", "ItemFees", "Commission"))!.account).toBe("F_regex");
    expect(a.resolve(combo("x", "y", "z"))!.account).toBe("A_any");
  });

  it("matches exact texts case-insensitively", () => {
    const a = accounts([{ transactionType: "Order", amountType: "ItemPrice", amountDescription: "Principal", account: "401100" }]);
    expect(a.resolve(combo("order", "itemprice", "PRINCIPAL"))!.account).toBe("401100");
  });

  it("leaves unknown combinations unmapped by default and suggests a rule with the nearest account", () => {
    const a = shipped();
    const unknown = combo("Order", "ItemFees", "BrandNewFee");
    expect(a.resolve(unknown)).toBeUndefined();
    expect(a.suggestRule(unknown)).toMatchObject({
      transactionType: "Order",
      amountType: "ItemFees",
      amountDescription: "BrandNewFee",
      kind: "fee",
    });
    expect(a.suggestRule(combo("other-transaction", "other-transaction", "Mystery Fee")).account).toMatch(/^\d+$/);
  });

  it("posts unknown combinations to the suspense account when the admin chose that", () => {
    const a = accounts([{ amountType: "ItemPrice", account: "401100" }], { unknownCombinations: "suspense", suspenseAccount: "999999" });
    expect(a.resolve(combo("x", "y", "z"))).toMatchObject({ account: "999999", kind: "suspense" });
  });

  it("picks the clearing account by marketplace and currency, most specific first", () => {
    const a = accounts([{ account: "1" }], {
      clearing: [
        { currency: "*", account: "110180" },
        { currency: "EUR", account: "110151" },
        { currency: "EUR", marketplace: "Amazon.de", account: "110152", accountType: "Bank" },
      ],
    });
    expect(a.clearingFor("GBP").account).toBe("110180");
    expect(a.clearingFor("EUR", "Amazon.fr").account).toBe("110151");
    expect(a.clearingFor("EUR", "Amazon.de")).toMatchObject({ account: "110152", accountType: "Bank" });
    const none = accounts([{ account: "1" }], { clearing: [{ currency: "EUR", account: "110151" }] });
    expect(() => none.clearingFor("GBP")).toThrow(/no clearing account for currency GBP/);
  });

  it("builds the ledger display value from the dimension format", () => {
    const a = accounts([{ account: "401100", dimensions: { Department: "022", BusinessUnit: "001" } }], {
      dimensionFormat: ["BusinessUnit", "Department", "CostCenter"],
    });
    const r = a.resolve(combo("a", "b", "c"))!;
    expect(a.displayValue(r.account, r.dimensions)).toBe("401100-001-022-");
  });

  it("rejects an invalid file with the JSON path of each problem", () => {
    const bad = {
      carriedForwardAccount: "1",
      unknownCombinations: "suspense",
      clearing: [{ currency: "euro", account: "1" }],
      rules: [{ amountType: "/([/", account: "1", colour: "red" }],
    };
    expect(() => SettlementAccounts.parse(bad)).toThrow(ConfigurationError);
    try {
      SettlementAccounts.parse(bad);
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/\$\.clearing\[0\]\.currency/);
      expect(message).toMatch(/\$\.rules\[0\]/);
      expect(message).toMatch(/\$\.suspenseAccount: is required/);
    }
  });

  it("publishes a JSON Schema that matches the zod schema, and the shipped file is valid", () => {
    expect(readFileSync(join(mappingsDir, "schemas/settlement-accounts.schema.json"), "utf8")).toBe(
      jsonSchemaText(settlementAccountsDefinition),
    );
    expect(SettlementAccountsFile.safeParse(JSON.parse(readFileSync(join(mappingsDir, "settlement-accounts.json"), "utf8"))).success).toBe(
      true,
    );
  });
});
