/**
 * The products flow's dependencies in production: what `syncProducts`, `publishProducts` and
 * `applyListingChange` get, built from the app (a host or test may replace the D365, Amazon or definitions
 * port through `app.ports.products`). The product type cache lives as long as the app, so every invocation
 * of one instance shares it (and every instance shares its copy in state).
 */
import type { ListingChangeDeps } from "../flows/products/listing-changes";
import { CachedProductTypes, type ProductTypeDefinitions } from "../flows/products/product-types";
import type { PublishDeps } from "../flows/products/publish";
import type { SyncDeps, SyncOptions } from "../flows/products/sync";
import { productsMapping } from "../mapping/products";
import type { InvocationLogger } from "../platform/telemetry";
import { SpApiListings } from "./adapters/amazon-listings";
import { ODataProducts } from "./adapters/d365-products";
import type { App } from "./app";

const definitionCaches = new WeakMap<App, ProductTypeDefinitions>();

function amazonListings(app: App) {
  return app.ports.products?.amazon ?? new SpApiListings(app.spapi);
}

function d365Products(app: App) {
  return app.ports.products?.d365 ?? new ODataProducts(app.d365);
}

/** The product type definitions, cached per product type and marketplace for PRODUCTS_DEFINITION_CACHE_HOURS. */
export function productTypeDefinitions(app: App): ProductTypeDefinitions {
  const given = app.ports.products?.definitions;
  if (given) return given;
  let cache = definitionCaches.get(app);
  if (!cache) {
    cache = new CachedProductTypes(amazonListings(app), app.state, app.clock, app.config.PRODUCTS_DEFINITION_CACHE_HOURS);
    definitionCaches.set(app, cache);
  }
  return cache;
}

/** Everything publishProducts and applyListingChange need. */
export function publishDeps(app: App, context?: InvocationLogger): PublishDeps & ListingChangeDeps {
  return {
    get d365() {
      return d365Products(app);
    },
    get amazon() {
      return amazonListings(app);
    },
    get definitions() {
      return productTypeDefinitions(app);
    },
    mapping: productsMapping(app.mappings),
    crossref: app.mappings.skuFile.items,
    marketplace: (id) => app.mappings.marketplace(id),
    state: app.state,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "products" }),
    queue: app.config.QUEUE_PRODUCTS,
    preview: app.config.PRODUCTS_PREVIEW,
  };
}

/** Everything syncProducts needs. */
export function syncDeps(app: App, context?: InvocationLogger): SyncDeps {
  return {
    get d365() {
      return d365Products(app);
    },
    mapping: productsMapping(app.mappings),
    crossref: app.mappings.skuFile.items,
    marketplace: (id) => app.mappings.marketplace(id),
    state: app.state,
    bus: app.bus,
    queue: app.config.QUEUE_PRODUCTS,
    clock: app.clock,
    telemetry: app.telemetry(context, { flow: "products" }),
  };
}

/** The sync's settings; a manual sync may force every item or name marketplaces. */
export function syncOptions(app: App, request: { source: "timer" | "http"; force?: boolean; marketplaceIds?: string[] }): SyncOptions {
  return {
    source: request.source,
    batchSize: app.config.PRODUCTS_BATCH_SIZE,
    refreshHours: app.config.PRODUCTS_REFRESH_HOURS,
    ...(request.force ? { force: true } : {}),
    ...(request.marketplaceIds ? { marketplaceIds: request.marketplaceIds } : {}),
  };
}
