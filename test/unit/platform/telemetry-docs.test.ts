/**
 * docs/telemetry.md lists the custom events and metrics the app emits, and the workbook shows them: the tables
 * there must name exactly what the code emits (telemetry.event / telemetry.metric calls in src/).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "local" && dir.endsWith("src") ? [] : sources(path);
    return name.endsWith(".ts") ? [readFileSync(path, "utf8")] : [];
  });
}

/** Names given as the first argument of `.event(` / `.metric(` (a literal, or both sides of a ternary). */
function emitted(kind: "event" | "metric"): string[] {
  const names = new Set<string>();
  for (const text of sources(join(ROOT, "src"))) {
    for (const m of text.matchAll(new RegExp(`\\.${kind}\\(\\s*([^,]+),`, "g"))) {
      for (const lit of m[1]!.matchAll(/"([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+)"/g)) names.add(lit[1]!);
    }
  }
  return [...names].sort();
}

/** The first column of the table under a heading of docs/telemetry.md. */
function documented(heading: string): string[] {
  const doc = readFileSync(join(ROOT, "docs", "telemetry.md"), "utf8");
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading)) ?? "";
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort();
}

describe("docs/telemetry.md", () => {
  it("lists every custom event the app emits, and no other", () => {
    expect(documented("Events")).toEqual(emitted("event"));
  });

  it("lists every metric the app emits, and no other", () => {
    expect(documented("Metrics")).toEqual(emitted("metric"));
  });

  it("is what the workbook's views are built on: events, metrics and the trace that follows one key", () => {
    const workbook = readFileSync(join(ROOT, "bicep", "modules", "workbook.bicep"), "utf8");
    expect(workbook).toContain("entry.event");
    expect(workbook).toContain("entry.metric");
    expect(workbook).toContain("entry.traceId");
    for (const name of ["order.imported", "settlement.posted", "message.parked"]) expect(workbook).toContain(`\\'${name}\\'`);
  });
});
