/** Starts a D365 simulator on a free port and a connector pointed at it (tests only). */
import { SimulatorCredential } from "../../../src/d365/auth";
import type { D365ClientOptions } from "../../../src/d365/client";
import type { DmfOptions } from "../../../src/d365/dmf";
import { D365Connector } from "../../../src/d365/index";
import { startD365Simulator, type D365Simulator, type D365SimulatorOptions } from "../../../src/local/d365-sim";

export interface Harness {
  sim: D365Simulator;
  client: D365Connector;
  /** Waits the client asked for (sleep is recorded, then shortened to keep tests fast). */
  sleeps: number[];
}

export async function startHarness(
  simOptions: Partial<D365SimulatorOptions> = {},
  clientOptions: Partial<D365ClientOptions> & { dmf?: DmfOptions } = {},
): Promise<Harness> {
  const sim = await startD365Simulator({ port: 0, seed: 7, dmfProcessingMs: 50, ...simOptions });
  const sleeps: number[] = [];
  const client = new D365Connector({
    baseUrl: sim.url,
    credential: new SimulatorCredential(`${sim.url}/oauth2/token`, "test-client", "fake-secret"),
    company: "usmf",
    batchSize: 10,
    maxRetries: 3,
    baseBackoffMs: 20,
    timeoutMs: 5000,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 5)));
    },
    ...clientOptions,
  });
  return { sim, client, sleeps };
}
