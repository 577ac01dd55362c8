/**
 * The platform adapters, built from settings (the wiring calls these once per process):
 *   state   -> TableStateStore   (STORAGE_CONNECTION_STRING | STORAGE_ACCOUNT_NAME + identity | Azurite default)
 *   blobs   -> AzureBlobStore    (same)
 *   secrets -> KeyVaultSecretStore when KEY_VAULT_URI is set, else EnvSecretStore
 *   bus     -> ServiceBusMessageBus when ServiceBusConnection__fullyQualifiedNamespace is set; locally the
 *              local host hands the wiring its in-memory bus instead
 */
import { SecretClient } from "@azure/keyvault-secrets";
import { AzureBlobStore } from "./azure/blob-store";
import { azureCredential } from "./azure/credential";
import { ServiceBusMessageBus } from "./azure/service-bus";
import { type StorageTarget, TableStateStore } from "./azure/table-state";
import type { Clock } from "./clock";
import { ConfigurationError } from "./errors";
import type { BlobStore, MessageBus, SecretStore, StateStore } from "./ports";
import { EnvSecretStore, KeyVaultSecretStore, type SecretClientLike } from "./secrets";
import { AZURITE_CONNECTION_STRING, type PlatformSettings } from "./settings";

type StorageSettings = Pick<PlatformSettings, "STORAGE_CONNECTION_STRING" | "STORAGE_ACCOUNT_NAME" | "AZURE_CLIENT_ID">;

/** Where state and files live: a connection string wins, then the account with identity, then Azurite. */
export function storageTarget(c: StorageSettings): StorageTarget {
  if (c.STORAGE_CONNECTION_STRING) return { connectionString: c.STORAGE_CONNECTION_STRING };
  if (c.STORAGE_ACCOUNT_NAME) return { accountName: c.STORAGE_ACCOUNT_NAME, credential: azureCredential(c) };
  return { connectionString: AZURITE_CONNECTION_STRING };
}

export function createStateStore(c: StorageSettings & Pick<PlatformSettings, "STATE_TABLE_PREFIX">): StateStore {
  return new TableStateStore({ target: storageTarget(c), prefix: c.STATE_TABLE_PREFIX });
}

export function createBlobStore(c: StorageSettings & Pick<PlatformSettings, "STATE_TABLE_PREFIX">): BlobStore {
  return new AzureBlobStore({ target: storageTarget(c), prefix: c.STATE_TABLE_PREFIX });
}

export function createSecretStore(
  c: Pick<PlatformSettings, "KEY_VAULT_URI" | "SECRET_CACHE_TTL_SECONDS" | "AZURE_CLIENT_ID">,
  deps?: { clock: Clock },
): SecretStore {
  if (c.KEY_VAULT_URI) {
    const client = new SecretClient(c.KEY_VAULT_URI, azureCredential(c)) as unknown as SecretClientLike;
    return new KeyVaultSecretStore(client, { ttlSeconds: c.SECRET_CACHE_TTL_SECONDS, ...(deps ? { clock: deps.clock } : {}) });
  }
  return new EnvSecretStore();
}

export function createMessageBus(
  c: Pick<PlatformSettings, "ServiceBusConnection__fullyQualifiedNamespace" | "AZURE_CLIENT_ID">,
): MessageBus {
  const ns = c.ServiceBusConnection__fullyQualifiedNamespace;
  if (!ns) {
    throw new ConfigurationError(
      "bus.notConfigured",
      "No Service Bus namespace: set ServiceBusConnection__fullyQualifiedNamespace (<namespace>.servicebus.windows.net) in Azure. " +
        "Locally `npm start` provides the in-memory bus; tests pass their own MessageBus.",
      { where: "ServiceBusConnection__fullyQualifiedNamespace" },
    );
  }
  return ServiceBusMessageBus.fromNamespace(ns, azureCredential(c));
}
