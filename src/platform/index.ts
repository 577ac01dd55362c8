/**
 * Registers the platform adapters with the runtime (imported once from src/wiring.ts):
 *   state   -> TableStateStore   (STORAGE_CONNECTION_STRING | STORAGE_ACCOUNT_NAME + identity | Azurite default)
 *   blobs   -> AzureBlobStore    (same)
 *   secrets -> KeyVaultSecretStore when KEY_VAULT_URI is set, else EnvSecretStore
 *   bus     -> ServiceBusMessageBus when ServiceBusConnection__fullyQualifiedNamespace is set; locally the
 *              local host overrides "bus" with its in-memory bus
 * and the health probes of state and secrets.
 */
import { SecretClient } from "@azure/keyvault-secrets";
import { registerFactory, type Runtime } from "../runtime";
import type { AppConfig } from "./config";
import { SECRET_NAMES } from "./config";
import { azureCredential } from "./azure/credential";
import { AzureBlobStore } from "./azure/blob-store";
import { ServiceBusMessageBus } from "./azure/service-bus";
import { TableStateStore, type StorageTarget } from "./azure/table-state";
import { ConfigurationError } from "./errors";
import { registerHealthCheck } from "./health";
import { EnvSecretStore, KeyVaultSecretStore, type SecretClientLike } from "./secrets";
import { AZURITE_CONNECTION_STRING } from "./settings";

type StorageSettings = Pick<AppConfig, "STORAGE_CONNECTION_STRING" | "STORAGE_ACCOUNT_NAME" | "AZURE_CLIENT_ID">;

/** Where state and files live: a connection string wins, then the account with identity, then Azurite. */
export function storageTarget(c: StorageSettings): StorageTarget {
  if (c.STORAGE_CONNECTION_STRING) return { connectionString: c.STORAGE_CONNECTION_STRING };
  if (c.STORAGE_ACCOUNT_NAME) return { accountName: c.STORAGE_ACCOUNT_NAME, credential: azureCredential(c) };
  return { connectionString: AZURITE_CONNECTION_STRING };
}

export function createSecretStore(
  c: Pick<AppConfig, "KEY_VAULT_URI" | "SECRET_CACHE_TTL_SECONDS" | "AZURE_CLIENT_ID">,
  rt?: Pick<Runtime, "clock">,
) {
  if (c.KEY_VAULT_URI) {
    const client = new SecretClient(c.KEY_VAULT_URI, azureCredential(c)) as unknown as SecretClientLike;
    return new KeyVaultSecretStore(client, { ttlSeconds: c.SECRET_CACHE_TTL_SECONDS, ...(rt ? { clock: rt.clock } : {}) });
  }
  return new EnvSecretStore();
}

registerFactory("state", (rt) => new TableStateStore({ target: storageTarget(rt.config), prefix: rt.config.STATE_TABLE_PREFIX }));
registerFactory("blobs", (rt) => new AzureBlobStore({ target: storageTarget(rt.config), prefix: rt.config.STATE_TABLE_PREFIX }));
registerFactory("secrets", (rt) => createSecretStore(rt.config, rt));
registerFactory("bus", (rt) => {
  const ns = rt.config.ServiceBusConnection__fullyQualifiedNamespace;
  if (!ns) {
    throw new ConfigurationError(
      "bus.notConfigured",
      "No Service Bus namespace: set ServiceBusConnection__fullyQualifiedNamespace (<namespace>.servicebus.windows.net) in Azure. " +
        "Locally `npm start` provides the in-memory bus; tests pass their own MessageBus.",
      { where: "ServiceBusConnection__fullyQualifiedNamespace" },
    );
  }
  return ServiceBusMessageBus.fromNamespace(ns, azureCredential(rt.config));
});

registerHealthCheck("state", async (rt) => {
  const row = { partitionKey: "health", rowKey: "probe", checkedAt: rt.clock.now() };
  await rt.state.upsert("health", row);
  const back = await rt.state.get("health", "health", "probe");
  if (!back) throw new Error("a row written to the health table could not be read back");
  return "table write and read ok";
});

registerHealthCheck("secrets", async (rt) => {
  const present: string[] = [];
  const missing: string[] = [];
  for (const name of SECRET_NAMES) ((await rt.secrets.tryGet(name)) ? present : missing).push(name);
  // Names only, never values. A missing secret is reported, not failed: which ones are needed depends on settings.
  return (
    `${rt.config.KEY_VAULT_URI ? "Key Vault" : "environment"}: ${present.length} of ${SECRET_NAMES.length} set` +
    (missing.length ? `; not set: ${missing.join(", ")}` : "")
  );
});
