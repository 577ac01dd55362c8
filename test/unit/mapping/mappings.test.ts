import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mappingCatalog } from "../../../src/mapping/catalog";
import { jsonSchemaText, schemaFileName } from "../../../src/mapping/json-schema";
import { loadMappingFiles, readMappingFiles } from "../../../src/mapping/loader";
import { Mappings } from "../../../src/mapping/mappings";
import { runMappingsCheck } from "../../../src/mapping/check-cli";
import { resolveMappingsDir } from "../../../src/mapping/mappings-dir";
import { ConfigurationError } from "../../../src/platform/errors";

const repoMappings = join(__dirname, "../../../mappings");
const tmp = mkdtempSync(join(tmpdir(), "mappings-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyWith(file: string, edit: (json: any) => void): string {
  const dir = mkdtempSync(join(tmp, "case-"));
  cpSync(repoMappings, dir, { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
  return dir;
}

describe("mapping files", () => {
  it("the shipped mapping files are valid", () => {
    const loaded = readMappingFiles(repoMappings);
    expect(loaded.problems).toEqual([]);
    const m = Mappings.fromLoaded(loaded);
    expect(m.marketplaceIds()).toEqual(expect.arrayContaining(["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"]));
  });

  it("the published JSON Schemas match the zod schemas (run `d365-amazon mappings check --write-schemas` after a change)", () => {
    for (const def of mappingCatalog) {
      const published = readFileSync(join(repoMappings, "schemas", schemaFileName(def)), "utf8");
      expect(published, schemaFileName(def)).toBe(jsonSchemaText(def));
    }
  });

  it("every mapping file points VS Code at its schema", () => {
    for (const def of mappingCatalog) {
      const json = JSON.parse(readFileSync(join(repoMappings, def.file), "utf8"));
      expect(json.$schema, def.file).toBe(`./schemas/${schemaFileName(def)}`);
    }
  });

  it("names the file and JSON path of every problem", () => {
    const dir = copyWith("marketplaces.json", (j) => {
      j.marketplaces[1].currency = "pounds";
      delete j.marketplaces[2].fulfillment.AFN.warehouseId;
    });
    let err: unknown;
    try {
      loadMappingFiles(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    const msg = (err as Error).message;
    expect(msg).toContain("marketplaces.json: $.marketplaces[1].currency: must be an ISO 4217 code like USD");
    expect(msg).toContain("marketplaces.json: $.marketplaces[2].fulfillment.AFN.warehouseId:");
  });

  it("reports duplicates, missing files and bad JSON", () => {
    const dup = copyWith("sku-crossref.json", (j) => j.items.push({ ...j.items[0] }));
    const problems = readMappingFiles(dup).problems;
    expect(problems).toEqual([
      expect.objectContaining({
        file: "sku-crossref.json",
        path: expect.stringMatching(/^\$\.items\[\d+\]\.sellerSku$/),
        message: expect.stringContaining("duplicate SKU"),
      }),
    ]);

    const broken = copyWith("order-statuses.json", () => {});
    writeFileSync(join(broken, "order-statuses.json"), "{ not json");
    rmSync(join(broken, "sku-crossref.json"));
    const p = readMappingFiles(broken).problems.map((x) => `${x.file} ${x.path} ${x.message}`);
    expect(p).toEqual([
      expect.stringContaining("sku-crossref.json $ file is missing"),
      expect.stringContaining("order-statuses.json $ not valid JSON"),
    ]);
  });

  it("requires an item number when shipping is booked as an item line", () => {
    const dir = copyWith("marketplaces.json", (j) => {
      j.marketplaces[0].shipping = { as: "item-line" };
    });
    expect(readMappingFiles(dir).problems[0]).toMatchObject({
      path: "$.marketplaces[0].shipping.itemNumber",
      message: "is required when as is item-line",
    });
  });

  it("`mappings check` exits 0 for valid files and 1 with each problem printed", async () => {
    const out: string[] = [];
    expect(await runMappingsCheck(["--dir", repoMappings], (l) => out.push(l))).toBe(0);
    const bad = copyWith("order-statuses.json", (j) => {
      j.statuses.Pending = "later";
    });
    const lines: string[] = [];
    expect(await runMappingsCheck(["--dir", bad], (l) => lines.push(l))).toBe(1);
    expect(lines.join("\n")).toContain("order-statuses.json: $.statuses.Pending:");
  });

  it("finds a relative MAPPINGS_DIR from the app root when the working directory is elsewhere", () => {
    const fromDist = join(repoMappings, "..", "dist", "src", "mapping");
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      expect(resolveMappingsDir("mappings", fromDist)).toBe(join(repoMappings));
    } finally {
      process.chdir(cwd);
    }
  });

  it("status rules: per-channel overrides win over the general table", () => {
    const m = Mappings.fromObjects({
      marketplaces: JSON.parse(readFileSync(join(repoMappings, "marketplaces.json"), "utf8")),
      skus: { items: [] },
      statuses: {
        statuses: {
          Pending: "wait",
          Unshipped: "create",
          PartiallyShipped: "create",
          Shipped: "create",
          Canceled: "cancel",
          Unfulfillable: "ignore",
          InvoiceUnconfirmed: "create",
          PendingAvailability: "wait",
        },
        byChannel: { AFN: { Unshipped: "wait" } },
      },
    });
    expect(m.statusAction("Unshipped", "AFN")).toBe("wait");
    expect(m.statusAction("Unshipped", "MFN")).toBe("create");
    expect(m.importMcfOrders()).toBe(false);
  });
});
