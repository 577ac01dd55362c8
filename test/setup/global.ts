/**
 * vitest globalSetup: ONE Azurite (in memory, free ports on 127.0.0.1) for the whole test run. Tests read
 * its connection string from process.env.TEST_STORAGE_CONNECTION_STRING (set here; the forked workers
 * inherit the environment). The returned function stops it when the run ends.
 */
import { startAzurite } from "../../src/local/azurite";

export default async function setup(): Promise<() => Promise<void>> {
  const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
  return async () => {
    await azurite.stop();
  };
}
