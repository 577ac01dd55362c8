/** Settings of the platform adapters (storage, messages, secrets, telemetry). */
import type { z } from "zod";
import { setting } from "./settings-kit";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_CONNECTION_STRING =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
  "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

export const platformSettings = {
  /** Storage for the app's own state and raw files. Locally Azurite; in Azure leave empty and set STORAGE_ACCOUNT_NAME. */
  STORAGE_CONNECTION_STRING: setting.optionalString(),
  /** Storage account for state and files, reached with the app's managed identity (Azure). */
  STORAGE_ACCOUNT_NAME: setting.optionalString(),
  /** Prefix of every table and blob container the app creates (letters and digits). */
  STATE_TABLE_PREFIX: setting.string("amz"),
  /** Key Vault that holds the secrets. Empty: secrets are read from environment variables (local only). */
  KEY_VAULT_URI: setting.optionalUrl(),
  /** How long a secret read from Key Vault is cached, so that rotation is picked up. */
  SECRET_CACHE_TTL_SECONDS: setting.int(300, 0, 86400),
  /** Client id of a user-assigned managed identity; empty for the system-assigned identity. */
  AZURE_CLIENT_ID: setting.optionalString(),
  /** Service Bus namespace (identity-based connection of the triggers and the sender). Empty locally: in-memory bus. */
  ServiceBusConnection__fullyQualifiedNamespace: setting.optionalString(),
  /** Queue for Amazon notifications received on the HTTPS endpoint. */
  QUEUE_NOTIFICATIONS: setting.string("amazon-notifications"),
  /** Queue of order imports (one message per Amazon order and update). */
  QUEUE_ORDER_IMPORT: setting.string("order-import"),
  /** Queue of D365 business events. */
  QUEUE_D365_EVENTS: setting.string("d365-events"),
  /** Delivery attempts before a message goes to the dead-letter queue (the queue property in Bicep). */
  QUEUE_MAX_DELIVERY_COUNT: setting.int(10, 1, 2000),
  /** Folder of the mapping files. */
  MAPPINGS_DIR: setting.string("mappings"),
  /** Durable Functions task hub name (host.json reads it as %DURABLE_TASK_HUB%). */
  DURABLE_TASK_HUB: setting.string("AmazonConnect"),
  /** Application Insights; empty locally. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: setting.optionalString(),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type PlatformSettings = z.infer<z.ZodObject<typeof platformSettings>>;
