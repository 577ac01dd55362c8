/**
 * Runtime member `mappings`: the mapping files of MAPPINGS_DIR, loaded and validated once per process.
 * An invalid file stops whatever first asks for mappings with an error naming the file and JSON path;
 * the `mappings` health check (GET /api/health) reports the same problem without throwing.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { registerHealthCheck } from "../platform/health";
import { registerFactory } from "../runtime";
import { Mappings } from "./mappings";

declare module "../runtime" {
  interface Runtime {
    readonly mappings: Mappings;
  }
}

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

registerFactory("mappings", (rt) => Mappings.load(resolveMappingsDir(rt.config.MAPPINGS_DIR)));

registerHealthCheck("mappings", async (rt) => {
  const m = rt.mappings;
  return `${m.marketplaceIds().length} marketplaces, ${m.skuFile.items.length} SKUs`;
});
