/**
 * Every mapping file the app reads from MAPPINGS_DIR: its name, its zod schema (published as
 * mappings/schemas/<name>.schema.json) and what it is for. Add a file here and the loader validates it at
 * start-up, `d365-amazon mappings check` checks it and the schema generator publishes its JSON Schema.
 */
import type { z } from "zod";
import { MarketplacesFile } from "./marketplaces";
import { OrderStatusesFile } from "./order-statuses";
import { productsDefinition } from "./products";
import { returnsDefinition } from "./returns";
import { settlementAccountsDefinition } from "./settlement-accounts";
import { SkuCrossrefFile } from "./sku-crossref";

export interface MappingDefinition {
  /** File name inside MAPPINGS_DIR, e.g. "marketplaces.json". */
  file: string;
  schema: z.ZodType;
  description: string;
  /** False: the file may be absent (its flow is then not usable); default true. */
  required?: boolean;
}

export const mappingCatalog: MappingDefinition[] = [
  {
    file: "marketplaces.json",
    schema: MarketplacesFile,
    description:
      "Amazon marketplace -> D365 legal entity, customer, currency, site/warehouse (FBA/FBM), sales origin, tax, shipping and gift wrap.",
  },
  {
    file: "sku-crossref.json",
    schema: SkuCrossrefFile,
    description: "Amazon SellerSKU -> D365 ItemNumber and variant dimensions, with ASIN and FNSKU.",
  },
  {
    file: "order-statuses.json",
    schema: OrderStatusesFile,
    description: "Which Amazon order statuses create, wait for, cancel or ignore a D365 sales order, per fulfillment channel.",
  },
  settlementAccountsDefinition,
  productsDefinition,
  returnsDefinition,
];

/** "marketplaces.json" -> "marketplaces" (the schema file is mappings/schemas/marketplaces.schema.json). */
export function schemaBaseName(file: string): string {
  return file.replace(/\.json$/i, "");
}
