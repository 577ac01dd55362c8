/**
 * The ports of the products flow: small interfaces shaped by what the flow needs. Their adapters on the D365
 * and SP-API connectors are in src/wiring/adapters/ (d365-products.ts, amazon-listings.ts); unit tests use
 * in-memory fakes.
 */
import type {
  AmazonListing,
  Attributes,
  BarcodeType,
  D365Barcode,
  D365Product,
  PatchOperation,
  ProductTypeInfo,
  Requirements,
  SalesPriceLine,
  Submission,
} from "./model";

/** Which released products to read: all of a legal entity, or by item group, or by item number (or both). */
export interface ProductQuery {
  company: string;
  itemGroups?: string[];
  itemNumbers?: string[];
  /** Fields the mapping reads besides the item's number, group, sales unit and price. */
  fields: string[];
}

export interface D365Products {
  /** Released products (ReleasedProductsV2, with ProductName / ProductDescription when asked for), every page. */
  releasedProducts(query: ProductQuery): Promise<D365Product[]>;
  /** Bar codes (ProductBarcodesV3) of these setups, of all items or of the ones given. */
  barcodes(query: { company: string; barcodeSetupIds: string[]; itemNumbers?: string[] }): Promise<D365Barcode[]>;
  /** Sales price trade agreement lines (SalesPriceAgreements) for a customer account or price group in one currency. */
  salesPrices(query: {
    company: string;
    currency: string;
    customerAccount?: string;
    priceGroup?: string;
    itemNumbers?: string[];
  }): Promise<SalesPriceLine[]>;
}

export interface AmazonListings {
  /** The seller's listings of these SKUs in one marketplace (searchListingsItems by SKU, 20 a call); absent SKUs have none. */
  readListings(skus: string[], marketplaceId: string): Promise<Map<string, AmazonListing>>;
  /** One listing with its issues (getListingsItem); undefined when the SKU has none in the marketplace. */
  getListing(sku: string, marketplaceId: string): Promise<AmazonListing | undefined>;
  /** Catalog items by identifier (searchCatalogItems, 20 a call): identifier -> ASIN, for those the catalog knows. */
  findCatalogItems(identifiers: string[], type: BarcodeType | "asin", marketplaceId: string): Promise<Map<string, string>>;
  /** The product type definition (getDefinitionsProductType and its schema). */
  productType(productType: string, marketplaceId: string, requirements: Requirements): Promise<ProductTypeInfo>;
  /** putListingsItem: creates (or fully replaces) the listing. */
  put(
    listing: { sku: string; marketplaceId: string; productType: string; requirements: Requirements; attributes: Attributes },
    mode?: "VALIDATION_PREVIEW",
  ): Promise<Submission>;
  /** patchListingsItem: changes the attributes named. */
  patch(
    change: { sku: string; marketplaceId: string; productType: string; patches: PatchOperation[] },
    mode?: "VALIDATION_PREVIEW",
  ): Promise<Submission>;
}
