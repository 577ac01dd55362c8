/**
 * The layering rule of src/ (docs/architecture.md), checked on the import graph the TypeScript parser reads:
 * flows import only their own files, platform and mapping (no connector, no wiring, no SDK); function files
 * reach connectors only through the wiring; platform imports nothing above it; connectors are generic
 * transports; and there is no import cycle, between modules or between areas.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildImportGraph, collapse, cycles, graphOf } from "./import-graph";
import { layeringViolations, placeOf, unitOf } from "./layering";

const SRC = join(__dirname, "../../../src");
const graph = buildImportGraph(SRC);
const describeViolations = (g: ReturnType<typeof graphOf>) => layeringViolations(g).map((v) => `${v.from} -> ${v.to}: ${v.rule}`);

describe("the layering of src/", () => {
  it("finds the app's modules in every layer", () => {
    const layers = new Set(graph.modules.map((m) => placeOf(m).layer));
    expect([...layers].sort()).toEqual(["connector", "entry", "flows", "functions", "local", "mapping", "platform", "wiring"]);
  });

  it("has no import that breaks the rule", () => {
    expect(describeViolations(graph)).toEqual([]);
  });

  it("has no import cycle between modules (of the imports that run: type-only imports vanish when compiled)", () => {
    expect(cycles(buildImportGraph(SRC, { runtimeOnly: true }))).toEqual([]);
  });

  it("has no import cycle between areas (platform, amazon, d365, mapping, each flow, wiring, functions, local)", () => {
    expect(cycles(collapse(graph, unitOf))).toEqual([]);
  });

  it("leaves no cast to never in durable code (function files, orchestrations, platform/durable.ts)", () => {
    const durable = graph.modules.filter(
      (m) => m.startsWith("functions/") || m === "platform/durable.ts" || m.endsWith("/orchestration.ts") || m.endsWith("/backfill.ts"),
    );
    expect(durable.length).toBeGreaterThan(5);
    const casts = durable.filter((m) => /\bas never\b/.test(readFileSync(join(SRC, m), "utf8")));
    expect(casts).toEqual([]);
  });
});

describe("the layering rule itself", () => {
  it("reports a flow that imports a connector, the wiring, another flow or an SDK", () => {
    const g = graphOf(
      {
        "flows/orders/import-order.ts": ["amazon/client.ts", "d365/client.ts", "wiring/app.ts", "flows/settlements/journal.ts"],
        "flows/orders/transform.ts": ["flows/orders/address.ts", "platform/money.ts", "mapping/mappings.ts"],
      },
      { "flows/orders/import-order.ts": ["axios", "@azure/data-tables", "durable-functions", "zod"] },
    );
    const found = layeringViolations(g).map((v) => `${v.from} -> ${v.to}`);
    expect(found.sort()).toEqual(
      [
        "flows/orders/import-order.ts -> amazon/client.ts",
        "flows/orders/import-order.ts -> d365/client.ts",
        "flows/orders/import-order.ts -> wiring/app.ts",
        "flows/orders/import-order.ts -> flows/settlements/journal.ts",
        "flows/orders/import-order.ts -> axios",
        "flows/orders/import-order.ts -> @azure/data-tables",
        "flows/orders/import-order.ts -> durable-functions",
      ].sort(),
    );
  });

  it("reports a function file that imports a connector, and platform or a connector importing upward", () => {
    const g = graphOf({
      "functions/order-import.ts": ["d365/index.ts", "wiring/orders.ts", "flows/orders/import-order.ts", "platform/errors.ts"],
      "platform/operations.ts": ["flows/orders/status-page.ts", "wiring/app.ts", "mapping/mappings.ts", "platform/ports.ts"],
      "amazon/client.ts": ["flows/orders/ports.ts", "wiring/app.ts", "d365/client.ts", "platform/errors.ts"],
      "mapping/mappings.ts": ["flows/orders/amazon-order.ts", "platform/errors.ts"],
      "wiring/app.ts": ["functions/order-import.ts", "amazon/client.ts", "flows/orders/import-order.ts"],
    });
    expect(describeViolations(g).sort()).toEqual(
      [
        "functions/order-import.ts -> d365/index.ts: a function file reaches connectors only through the wiring",
        "platform/operations.ts -> flows/orders/status-page.ts: platform imports only platform",
        "platform/operations.ts -> wiring/app.ts: platform imports only platform",
        "platform/operations.ts -> mapping/mappings.ts: platform imports only platform",
        "amazon/client.ts -> flows/orders/ports.ts: a connector imports only itself and platform",
        "amazon/client.ts -> wiring/app.ts: a connector imports only itself and platform",
        "amazon/client.ts -> d365/client.ts: a connector imports only itself and platform",
        "mapping/mappings.ts -> flows/orders/amazon-order.ts: mapping imports only mapping and platform",
        "wiring/app.ts -> functions/order-import.ts: the wiring does not import functions, local or the entry modules",
      ].sort(),
    );
  });

  it("allows durable-functions only in function files, the wiring, the local host and platform/durable.ts", () => {
    const g = graphOf(
      {},
      {
        "platform/durable.ts": ["durable-functions"],
        "platform/operations.ts": ["durable-functions"],
        "functions/settlement-poll.ts": ["durable-functions"],
        "wiring/adapters/durable-starter.ts": ["durable-functions"],
      },
    );
    expect(layeringViolations(g).map((v) => v.from)).toEqual(["platform/operations.ts"]);
  });

  it("reports import cycles, and none in a graph without them", () => {
    const g = graphOf({
      "flows/orders/a.ts": ["flows/orders/b.ts"],
      "flows/orders/b.ts": ["flows/orders/c.ts"],
      "flows/orders/c.ts": ["flows/orders/a.ts", "platform/errors.ts"],
      "platform/errors.ts": [],
    });
    expect(cycles(g)).toEqual([["flows/orders/a.ts", "flows/orders/b.ts", "flows/orders/c.ts"]]);
    expect(cycles(graphOf({ "flows/orders/a.ts": ["flows/orders/b.ts"], "flows/orders/b.ts": ["platform/errors.ts"] }))).toEqual([]);
    const areas = collapse(graphOf({ "wiring/app.ts": ["local/settings.ts"], "local/host/index.ts": ["wiring/app.ts"] }), unitOf);
    expect(cycles(areas)).toEqual([["local", "wiring"]]);
  });
});
