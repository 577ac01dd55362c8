/**
 * Loads and validates the mapping files. Every problem is reported with the file and the JSON path of the
 * offending value (`mappings/sku-crossref.json: $.items[3].itemNumber: ...`), all at once, so an admin can
 * fix a file in one go.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { ConfigurationError } from "../platform/errors";
import { mappingCatalog, type MappingDefinition } from "./catalog";

export interface MappingProblem {
  file: string;
  /** JSON path like $.marketplaces[0].currency ("$" for the whole file). */
  path: string;
  message: string;
}

export interface LoadedMappingFiles {
  dir: string;
  /** Parsed (and defaulted) content by file name; absent optional files are missing. */
  files: Map<string, unknown>;
  problems: MappingProblem[];
}

export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

export function formatProblem(dir: string, p: MappingProblem): string {
  return `${join(dir, p.file)}: ${p.path}: ${p.message}`;
}

/** Validates one file's parsed JSON against its schema. */
export function validateMapping(def: MappingDefinition, json: unknown): { value?: unknown; problems: MappingProblem[] } {
  const parsed = (def.schema as z.ZodType).safeParse(json);
  if (parsed.success) return { value: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map((i) => ({ file: def.file, path: jsonPath(i.path), message: i.message })),
  };
}

/** Reads every file of the catalog from `dir`, collecting problems instead of stopping at the first. */
export function readMappingFiles(dir: string, catalog: MappingDefinition[] = mappingCatalog): LoadedMappingFiles {
  const files = new Map<string, unknown>();
  const problems: MappingProblem[] = [];
  for (const def of catalog) {
    const full = join(dir, def.file);
    if (!existsSync(full)) {
      if (def.required !== false) problems.push({ file: def.file, path: "$", message: "file is missing" });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(full, "utf8"));
    } catch (err) {
      problems.push({ file: def.file, path: "$", message: `not valid JSON: ${(err as Error).message}` });
      continue;
    }
    const result = validateMapping(def, json);
    if (result.problems.length) problems.push(...result.problems);
    else files.set(def.file, result.value);
  }
  return { dir, files, problems };
}

/** Like readMappingFiles, but throws one ConfigurationError listing every problem. */
export function loadMappingFiles(dir: string, catalog: MappingDefinition[] = mappingCatalog): LoadedMappingFiles {
  const loaded = readMappingFiles(dir, catalog);
  if (loaded.problems.length) {
    const lines = loaded.problems.map((p) => formatProblem(dir, p));
    throw new ConfigurationError("mappings.invalid", `Invalid mapping files (MAPPINGS_DIR=${dir}):\n  ${lines.join("\n  ")}`, {
      where: [...new Set(loaded.problems.map((p) => p.file))].join(", "),
      details: { problems: loaded.problems },
    });
  }
  return loaded;
}
