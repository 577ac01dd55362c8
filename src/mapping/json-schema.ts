/**
 * Publishes each mapping file's zod schema as a JSON Schema (draft-07, which VS Code understands) in
 * mappings/schemas/<name>.schema.json; each mapping file points at its schema with "$schema", so the
 * editor completes and checks it. A unit test fails when the published schemas drift from the code.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { mappingCatalog, schemaBaseName, type MappingDefinition } from "./catalog";

export function jsonSchemaFor(def: MappingDefinition): Record<string, unknown> {
  const generated = z.toJSONSchema(def.schema, { target: "draft-7", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: def.file, description: def.description, ...rest };
}

/** The text of the published schema file (stable formatting, trailing newline). */
export function jsonSchemaText(def: MappingDefinition): string {
  return `${JSON.stringify(jsonSchemaFor(def), null, 2)}\n`;
}

export function schemaFileName(def: MappingDefinition): string {
  return `${schemaBaseName(def.file)}.schema.json`;
}

/** Writes every schema into `<mappingsDir>/schemas/`; returns the paths written. */
export function writeJsonSchemas(mappingsDir: string, catalog: MappingDefinition[] = mappingCatalog): string[] {
  const dir = join(mappingsDir, "schemas");
  mkdirSync(dir, { recursive: true });
  return catalog.map((def) => {
    const path = join(dir, schemaFileName(def));
    writeFileSync(path, jsonSchemaText(def));
    return path;
  });
}
