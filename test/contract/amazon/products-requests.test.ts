/**
 * Contract of the products flow: every request it sends to the listings, catalog and product type definition
 * operations — reading listings, matching the catalog, fetching definitions, previews, puts, patches, a
 * price change, a refresh after an issues notification — validates against Amazon's published models (the
 * Product Type Definitions model is our transcription, see models/README.md), and so does every answer the
 * simulator gave it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS, type OperationName } from "../../../src/amazon";
import { applyListingChange } from "../../../src/flows/products/listing-changes";
import { handleProductsMessage } from "../../../src/flows/products/handle-message";
import type { ProductsMessage } from "../../../src/flows/products/messages";
import { publishProducts } from "../../../src/flows/products/publish";
import { syncProducts } from "../../../src/flows/products/sync";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startSpApiSimulator, type RequestRecord, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Dec } from "../../../src/platform/money";
import { d365For } from "../../integration/orders/sim-deps";
import { DE, productsDeps, US } from "../../integration/products/sim-deps";
import { ModelValidator } from "./model-validator";

const PRODUCT_OPERATIONS: OperationName[] = [
  "searchListingsItems",
  "getListingsItem",
  "putListingsItem",
  "patchListingsItem",
  "searchCatalogItems",
  "getDefinitionsProductType",
];
const validator = new ModelValidator([...new Set(PRODUCT_OPERATIONS.map((op) => OPERATIONS[op].model))]);

let d365: D365Simulator;
let spapi: SpApiSimulator;
let records: RequestRecord[];

beforeAll(async () => {
  d365 = await startD365Simulator({ port: 0, seed: 5 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "products-contract-")) });
  const deps = productsDeps(d365, spapi);
  spapi.sim.reset();
  // A first sync (reads, catalog matches, definitions, previews, puts, a patch), a price change, a forced
  // publish of one item, and the refresh an issues notification asks for.
  await syncProducts({ source: "http", batchSize: 5, refreshHours: 24 }, deps.sync);
  for (const m of deps.bus.sent.splice(0)) await handleProductsMessage(m.body as ProductsMessage, deps.publish as never);
  await d365For(d365).update("ReleasedProductsV2", { dataAreaId: "usmf", ItemNumber: "D0002" }, { SalesPrice: new Dec("47.50") });
  await syncProducts({ source: "http", batchSize: 5, refreshHours: 24 }, deps.sync);
  for (const m of deps.bus.sent.splice(0)) await handleProductsMessage(m.body as ProductsMessage, deps.publish as never);
  await publishProducts({ itemNumbers: ["D0012"], force: true }, deps.publish);
  await applyListingChange({ kind: "listing-change", sku: "DEMO-KEYBOARD-DE", marketplaceId: US, severities: ["ERROR"] }, deps.publish);
  await applyListingChange({ kind: "listing-change", sku: "DEMO-BAG-15", marketplaceId: DE, severities: ["WARNING"] }, deps.publish);
  records = spapi.sim.requests().filter((r) => PRODUCT_OPERATIONS.includes(r.operation as OperationName));
}, 60_000);

afterAll(async () => {
  await spapi?.stop();
  await d365?.stop();
});

describe("the products flow's SP-API requests against Amazon's published models", () => {
  it("uses every listings, catalog and definitions operation it needs, with previews and real writes", () => {
    const seen = new Set(records.map((r) => `${r.operation}${r.query.mode ? ` ${r.query.mode}` : ""}`));
    expect([...seen].sort()).toEqual([
      "getDefinitionsProductType",
      "getListingsItem",
      "patchListingsItem",
      "patchListingsItem VALIDATION_PREVIEW",
      "putListingsItem",
      "putListingsItem VALIDATION_PREVIEW",
      "searchCatalogItems",
      "searchListingsItems",
    ]);
    expect(records.every((r) => r.status === 200)).toBe(true);
  });

  it("sends every request with the path, query parameters and body the model defines", () => {
    const problems = records.flatMap((r) =>
      validator.validateRequest(OPERATIONS[r.operation as OperationName].model, r.method, r.path, r.query, r.body),
    );
    expect(problems).toEqual([]);
  });

  it("gets every answer in the shape the model defines", () => {
    const problems = records.flatMap((r) =>
      validator.validateResponse(OPERATIONS[r.operation as OperationName].model, r.method, r.path, r.status, r.response),
    );
    expect(problems).toEqual([]);
  });

  it("would catch a request the model refuses (the check is not a rubber stamp)", () => {
    const put = records.find((r) => r.operation === "putListingsItem")!;
    const model = OPERATIONS.putListingsItem.model;
    expect(
      validator.validateRequest(model, put.method, put.path, put.query, { ...(put.body as object), requirements: "OFFER" }),
    ).not.toEqual([]);
    expect(validator.validateRequest(model, put.method, put.path, { ...put.query, mode: "PREVIEW" }, put.body)).not.toEqual([]);
    const patch = records.find((r) => r.operation === "patchListingsItem")!;
    const body = structuredClone(patch.body) as { patches: { op: string }[] };
    body.patches[0]!.op = "set";
    expect(validator.validateRequest(OPERATIONS.patchListingsItem.model, patch.method, patch.path, patch.query, body)).not.toEqual([]);
  });
});
