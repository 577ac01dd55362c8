/**
 * Runtime member `mappings`: the mapping files of MAPPINGS_DIR, loaded and validated once per process.
 * An invalid file stops whatever first asks for mappings with an error naming the file and JSON path;
 * the `mappings` health check (GET /api/health) reports the same problem without throwing.
 */
import { registerHealthCheck } from "../platform/health";
import { registerFactory } from "../runtime";
import { Mappings } from "./mappings";

declare module "../runtime" {
  interface Runtime {
    readonly mappings: Mappings;
  }
}

registerFactory("mappings", (rt) => Mappings.load(rt.config.MAPPINGS_DIR));

registerHealthCheck("mappings", async (rt) => {
  const m = rt.mappings;
  return `${m.marketplaceIds().length} marketplaces, ${m.skuFile.items.length} SKUs`;
});
