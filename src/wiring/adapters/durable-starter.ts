/** The settlement flow's OrchestrationStarter on the Durable Functions client. */
import type { DurableClient } from "durable-functions";
import type { OrchestrationStarter } from "../../flows/settlements/import-settlement";
import { tracedInput } from "../../platform/durable";

/** The Durable client as the flow's OrchestrationStarter. */
export function durableStarter(client: DurableClient): OrchestrationStarter {
  return {
    async runtimeStatus(instanceId) {
      try {
        return (await client.getStatus(instanceId)).runtimeStatus;
      } catch (err) {
        // durable-functions: getStatus throws for an unknown instance (HTTP 404 from the extension).
        if (/404/.test((err as Error).message)) return undefined;
        throw err;
      }
    },
    async startNew(name, instanceId, input) {
      await client.startNew(name, { instanceId, input: tracedInput(input) });
    },
    async purge(instanceId) {
      await client.purgeInstanceHistory(instanceId);
    },
    async raiseEvent(instanceId, eventName, data) {
      await client.raiseEvent(instanceId, eventName, data);
    },
  };
}
