/**
 * The products flow's D365Products port on the D365 OData client (src/d365):
 *
 * - ReleasedProductsV2 (keys dataAreaId, ItemNumber): item group (ProductGroupId), sales unit, SalesPrice per
 *   SalesPriceQuantity, and every other field a template names. F&O keeps a product's name and description on
 *   the product master and its translations, not on the released product: ReleasedProductsV2 has neither
 *   (only SearchName, 20 characters). ReleasedProductCreationsV2 (the same released products, 31 fields)
 *   exposes ProductName and ProductDescription, so those two are read from it, by item number. Per-language
 *   names (the product translations entity) are not read: the name is the one in the system language.
 * - ProductBarcodesV3 (keys dataAreaId, ItemNumber, the five product dimensions, ProductQuantityUnitSymbol,
 *   BarcodeSetupId, Barcode): the bar codes of the setups the mapping names; a bar code with a product
 *   dimension belongs to a variant, not to the item.
 * - SalesPriceAgreements (keys dataAreaId, RecordId; not in the verified metadata extract, see
 *   docs/d365-simulator.md): sales price trade agreement lines of a customer account or a price group in one
 *   currency.
 *
 * D365 has no `in` in $filter: item numbers go as `or` chains of 25. Decimals arrive as JSON numbers and
 * become decimal strings here (the digits D365 printed); dates "1900-01-01" mean "none" in F&O.
 */
import type { D365Client } from "../../d365/client";
import { chunk, f } from "../../d365/odata";
import type { D365Barcode, D365Product, SalesPriceLine } from "../../flows/products/model";
import type { D365Products, ProductQuery } from "../../flows/products/ports";

/** Fields of ReleasedProductCreationsV2 that ReleasedProductsV2 lacks. */
export const CREATION_FIELDS = new Set(["ProductName", "ProductDescription"]);
const BASE_FIELDS = ["ItemNumber", "ProductGroupId", "SalesUnitSymbol", "SalesPrice", "SalesPriceQuantity"];
const VARIANT = ["ProductConfigurationId", "ProductColorId", "ProductSizeId", "ProductStyleId", "ProductVersionId"];
const ITEMS_PER_FILTER = 25;

type Row = Record<string, unknown>;

/** A D365 value as text: JSON numbers keep the digits D365 printed; null and absent are "". */
function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  return String(v);
}

/** yyyy-mm-dd of a DateTimeOffset; F&O's empty date (1900-01-01) is "". */
function day(v: unknown): string {
  const s = text(v).slice(0, 10);
  return !s || s.startsWith("1900-01-01") ? "" : s;
}

export class ODataProducts implements D365Products {
  constructor(private readonly client: Pick<D365Client, "collect">) {}

  /** The item filters of a query: one filter per chunk of item numbers, or one for the item groups (or none). */
  private filters(company: string, q: { itemGroups?: string[]; itemNumbers?: string[] }, byItemsOnly: boolean): string[] {
    const co = f.eq("dataAreaId", company.toLowerCase());
    const items = q.itemNumbers ?? [];
    if (byItemsOnly || !q.itemGroups?.length) {
      if (!items.length) return byItemsOnly ? [] : [co];
      return chunk(items, ITEMS_PER_FILTER).map((part) => f.and(co, f.anyOf("ItemNumber", part)));
    }
    const groups = f.anyOf("ProductGroupId", q.itemGroups);
    if (!items.length) return [f.and(co, groups)];
    return chunk(items, ITEMS_PER_FILTER).map((part, i) =>
      f.and(co, i === 0 ? f.or(groups, f.anyOf("ItemNumber", part)) : f.anyOf("ItemNumber", part)),
    );
  }

  async releasedProducts(q: ProductQuery): Promise<D365Product[]> {
    const extra = q.fields.filter((x) => !CREATION_FIELDS.has(x) && !BASE_FIELDS.includes(x));
    const named = q.fields.filter((x) => CREATION_FIELDS.has(x));
    const byItems = q.itemNumbers !== undefined && q.itemGroups === undefined;
    const out = new Map<string, D365Product>();
    for (const filter of this.filters(q.company, q, byItems)) {
      const rows = await this.client.collect<Row>("ReleasedProductsV2", { filter, select: [...BASE_FIELDS, ...extra] });
      for (const r of rows) {
        const itemNumber = text(r.ItemNumber);
        const fields: Record<string, string> = {};
        for (const x of [...BASE_FIELDS, ...extra]) fields[x] = text(r[x]);
        out.set(itemNumber.toLowerCase(), {
          itemNumber,
          itemGroup: text(r.ProductGroupId),
          salesUnit: text(r.SalesUnitSymbol),
          ...(r.SalesPrice !== undefined && r.SalesPrice !== null ? { salesPrice: text(r.SalesPrice) } : {}),
          ...(r.SalesPriceQuantity !== undefined && r.SalesPriceQuantity !== null
            ? { salesPriceQuantity: text(r.SalesPriceQuantity) }
            : {}),
          fields,
        });
      }
    }
    if (named.length && out.size) {
      // The names of exactly the items read above, by item number.
      const items = [...out.values()].map((p) => p.itemNumber);
      for (const part of chunk(items, ITEMS_PER_FILTER)) {
        const rows = await this.client.collect<Row>("ReleasedProductCreationsV2", {
          filter: f.and(f.eq("dataAreaId", q.company.toLowerCase()), f.anyOf("ItemNumber", part)),
          select: ["ItemNumber", ...named],
        });
        for (const r of rows) {
          const p = out.get(text(r.ItemNumber).toLowerCase());
          if (p) for (const x of named) p.fields[x] = text(r[x]);
        }
      }
      for (const p of out.values()) for (const x of named) p.fields[x] ??= "";
    }
    return [...out.values()];
  }

  async barcodes(q: { company: string; barcodeSetupIds: string[]; itemNumbers?: string[] }): Promise<D365Barcode[]> {
    if (!q.barcodeSetupIds.length) return [];
    const co = f.and(f.eq("dataAreaId", q.company.toLowerCase()), f.anyOf("BarcodeSetupId", q.barcodeSetupIds));
    const filters = q.itemNumbers ? chunk(q.itemNumbers, ITEMS_PER_FILTER).map((part) => f.and(co, f.anyOf("ItemNumber", part))) : [co];
    const out: D365Barcode[] = [];
    for (const filter of filters) {
      const rows = await this.client.collect<Row>("ProductBarcodesV3", {
        filter,
        select: ["ItemNumber", "BarcodeSetupId", "Barcode", "ProductQuantityUnitSymbol", ...VARIANT],
      });
      for (const r of rows)
        out.push({
          itemNumber: text(r.ItemNumber),
          barcodeSetupId: text(r.BarcodeSetupId),
          barcode: text(r.Barcode),
          unit: text(r.ProductQuantityUnitSymbol),
          variant: VARIANT.some((v) => text(r[v]) !== ""),
        });
    }
    return out;
  }

  async salesPrices(q: {
    company: string;
    currency: string;
    customerAccount?: string;
    priceGroup?: string;
    itemNumbers?: string[];
  }): Promise<SalesPriceLine[]> {
    const who = q.priceGroup
      ? f.eq("PriceCustomerGroupCode", q.priceGroup)
      : q.customerAccount
        ? f.eq("CustomerAccountNumber", q.customerAccount)
        : undefined;
    if (!who) return [];
    const base = f.and(f.eq("dataAreaId", q.company.toLowerCase()), f.eq("PriceCurrencyCode", q.currency), who);
    const filters = q.itemNumbers ? chunk(q.itemNumbers, ITEMS_PER_FILTER).map((part) => f.and(base, f.anyOf("ItemNumber", part))) : [base];
    const out: SalesPriceLine[] = [];
    for (const filter of filters) {
      const rows = await this.client.collect<Row>("SalesPriceAgreements", {
        filter,
        select: [
          "ItemNumber",
          "Price",
          "SalesPriceQuantity",
          "PriceCurrencyCode",
          "QuantityUnitySymbol",
          "CustomerAccountNumber",
          "PriceCustomerGroupCode",
          "PriceApplicableFromDate",
          "PriceApplicableToDate",
          "FromQuantity",
          "ToQuantity",
          "PriceSiteId",
          "PriceWarehouseId",
          "ProductColorId",
          "ProductconfigurationId",
          "ProductSizeId",
          "ProductStyleId",
          "ProductVersionId",
        ],
      });
      for (const r of rows)
        out.push({
          itemNumber: text(r.ItemNumber),
          price: text(r.Price),
          perQuantity: text(r.SalesPriceQuantity),
          currency: text(r.PriceCurrencyCode),
          unit: text(r.QuantityUnitySymbol),
          customerAccount: text(r.CustomerAccountNumber),
          priceGroup: text(r.PriceCustomerGroupCode),
          validFrom: day(r.PriceApplicableFromDate),
          validTo: day(r.PriceApplicableToDate),
          fromQuantity: text(r.FromQuantity) || "0",
          toQuantity: text(r.ToQuantity) || "0",
          // F&O spells this one field "ProductconfigurationId" in SalesPriceAgreements.
          specific: [
            "PriceSiteId",
            "PriceWarehouseId",
            "ProductColorId",
            "ProductconfigurationId",
            "ProductSizeId",
            "ProductStyleId",
            "ProductVersionId",
          ].some((x) => text(r[x]) !== ""),
        });
    }
    return out;
  }
}
