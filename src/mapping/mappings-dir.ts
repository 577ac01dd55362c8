/**
 * Where the mapping files are, and the health probe of the loaded mappings. The wiring loads the files of
 * MAPPINGS_DIR once per process (`Mappings.load(resolveMappingsDir(...))`): an invalid file stops whatever
 * first asks for mappings with an error naming the file and JSON path; the `mappings` health check
 * (GET /api/health) reports the same problem without throwing.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Mappings } from "./mappings";

/**
 * MAPPINGS_DIR as given when absolute or present relative to the working directory; otherwise relative to
 * the app's root (the folder with package.json above this module, in src/ and in dist/ alike), because the
 * Functions host does not promise a working directory.
 */
export function resolveMappingsDir(dir: string, from: string = __dirname): string {
  if (isAbsolute(dir) || existsSync(resolve(dir))) return resolve(dir);
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json")) && existsSync(join(d, dir))) return join(d, dir);
    if (dirname(d) === d) return resolve(dir);
  }
}

/** Health probe: how many marketplaces and SKUs the loaded mappings hold. */
export async function probeMappings(mappings: () => Mappings): Promise<string> {
  const m = mappings();
  return `${m.marketplaceIds().length} marketplaces, ${m.skuFile.items.length} SKUs`;
}
