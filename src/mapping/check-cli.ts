/**
 * `d365-amazon mappings check [--dir <folder>] [--json] [--write-schemas]`
 * Validates every mapping file (exit 0 when all are valid, 1 otherwise), printing each problem with its
 * file and JSON path. `--write-schemas` regenerates mappings/schemas/*.schema.json from the code first.
 */
import { relative } from "node:path";
import { platformSettings } from "../platform/settings";
import { mappingCatalog } from "./catalog";
import { writeJsonSchemas } from "./json-schema";
import { formatProblem, readMappingFiles } from "./loader";

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function runMappingsCheck(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const dir = option(args, "--dir") ?? platformSettings.MAPPINGS_DIR.parse(process.env.MAPPINGS_DIR);
  if (args.includes("--write-schemas")) {
    for (const path of writeJsonSchemas(dir)) out(`wrote ${relative(process.cwd(), path) || path}`);
  }
  const loaded = readMappingFiles(dir);
  if (args.includes("--json")) {
    out(
      JSON.stringify(
        { dir, ok: loaded.problems.length === 0, files: mappingCatalog.map((d) => d.file), problems: loaded.problems },
        null,
        2,
      ),
    );
  } else if (loaded.problems.length === 0) {
    for (const def of mappingCatalog) out(`ok  ${def.file}${loaded.files.has(def.file) ? "" : " (absent, optional)"}`);
    out(`All ${mappingCatalog.length} mapping files in ${dir} are valid.`);
  } else {
    for (const p of loaded.problems) out(`error  ${formatProblem(dir, p)}`);
    out(`${loaded.problems.length} problem(s) in ${dir}.`);
  }
  return loaded.problems.length === 0 ? 0 : 1;
}
