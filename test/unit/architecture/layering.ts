/**
 * The layering rule of src/ (docs/architecture.md), as code: which layer a module belongs to, and which
 * imports each layer may make. One line per layer:
 *
 *   platform    imports only platform (ports, errors, money, telemetry, clock, durable helpers, Azure adapters)
 *   amazon, d365 (connectors) import only themselves and platform: generic transports
 *   mapping     imports only mapping and platform
 *   flows/<f>   imports only its own folder, platform and mapping; no SDK (@azure/*, durable-functions, axios,
 *               amazon-sp-api)
 *   wiring      imports anything but functions, local and the entry modules: the only place that sees both sides
 *   functions   imports wiring, flows and platform; never a connector
 *   local       the embedded host and simulators; index.ts and cli.ts are the entry modules
 *
 * durable-functions is imported only by function files, the wiring, the local host and platform/durable.ts.
 */
import type { ImportGraph } from "./import-graph";

export type Layer = "platform" | "connector" | "mapping" | "flows" | "wiring" | "functions" | "local" | "entry";

export interface Place {
  layer: Layer;
  /** The connector (amazon, d365) or the flow (orders, settlements, ...) a module belongs to. */
  unit?: string;
}

export function placeOf(module: string): Place {
  const [top, second] = module.split("/");
  switch (top) {
    case "platform":
      return { layer: "platform" };
    case "amazon":
    case "d365":
      return { layer: "connector", unit: top };
    case "mapping":
      return { layer: "mapping" };
    case "flows":
      return { layer: "flows", unit: second };
    case "wiring":
    case "wiring.ts":
    case "runtime.ts":
      return { layer: "wiring" };
    case "functions":
      return { layer: "functions" };
    case "local":
      return { layer: "local" };
    default:
      return { layer: "entry" };
  }
}

const SDKS = [/^@azure\//, /^durable-functions$/, /^axios$/, /^amazon-sp-api$/];

export interface Violation {
  from: string;
  to: string;
  rule: string;
}

function may(from: Place, to: Place): string | undefined {
  switch (from.layer) {
    case "platform":
      return to.layer === "platform" ? undefined : "platform imports only platform";
    case "connector":
      return to.layer === "platform" || (to.layer === "connector" && to.unit === from.unit)
        ? undefined
        : "a connector imports only itself and platform";
    case "mapping":
      return to.layer === "platform" || to.layer === "mapping" ? undefined : "mapping imports only mapping and platform";
    case "flows":
      return to.layer === "platform" || to.layer === "mapping" || (to.layer === "flows" && to.unit === from.unit)
        ? undefined
        : "a flow imports only its own files, platform and mapping";
    case "wiring":
      return to.layer === "functions" || to.layer === "local" || to.layer === "entry"
        ? "the wiring does not import functions, local or the entry modules"
        : undefined;
    case "functions":
      return to.layer === "connector" || to.layer === "local" || to.layer === "entry"
        ? "a function file reaches connectors only through the wiring"
        : undefined;
    default:
      return undefined;
  }
}

function mayUse(module: string, from: Place, pkg: string): string | undefined {
  if (from.layer === "flows" && SDKS.some((sdk) => sdk.test(pkg))) return "a flow imports no SDK";
  if (from.layer === "mapping" && SDKS.some((sdk) => sdk.test(pkg))) return "mapping imports no SDK";
  if (pkg === "durable-functions" && !["functions", "wiring", "local", "entry"].includes(from.layer) && module !== "platform/durable.ts")
    return "durable-functions is imported only by function files, the wiring, the local host and platform/durable.ts";
  return undefined;
}

/** Every import that breaks the rule, module by module. */
export function layeringViolations(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  for (const from of graph.modules) {
    const place = placeOf(from);
    for (const to of graph.edges.get(from) ?? []) {
      const rule = may(place, placeOf(to));
      if (rule) out.push({ from, to, rule });
    }
    for (const pkg of graph.packages.get(from) ?? []) {
      const rule = mayUse(from, place, pkg);
      if (rule) out.push({ from, to: pkg, rule });
    }
  }
  return out;
}

/**
 * The "upward" arrows the architecture issue counted: flows -> connectors / runtime / wiring, platform ->
 * runtime / wiring / flows, connectors -> runtime / wiring.
 */
export function upwardArrows(graph: ImportGraph): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (const from of graph.modules) {
    const a = placeOf(from);
    for (const to of graph.edges.get(from) ?? []) {
      const b = placeOf(to);
      const up =
        (a.layer === "flows" && (b.layer === "connector" || b.layer === "wiring")) ||
        (a.layer === "platform" && (b.layer === "wiring" || b.layer === "flows")) ||
        (a.layer === "connector" && b.layer === "wiring");
      if (up) out.push({ from, to });
    }
  }
  return out;
}

/** The area a module belongs to, for the graph of areas: "flows/orders", "amazon", "wiring", "local", "index.ts", ... */
export function unitOf(module: string): string {
  const place = placeOf(module);
  if (place.layer === "flows") return `flows/${place.unit}`;
  if (place.layer === "connector") return place.unit!;
  if (place.layer === "entry") return module;
  return place.layer;
}
