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
  /** Queue of jobs that HTTP calls start and answer 202 for (GET /api/jobs/{id} reports them). */
  QUEUE_JOBS: setting.string("jobs"),
  /**
   * Deliveries of one message before Service Bus dead-letters it (the queue property in Bicep). A failure that
   * may pass is not redelivered but retried by a scheduled copy (QUEUE_RETRY_*), so this only counts crashes
   * and copies that could not be scheduled.
   */
  QUEUE_MAX_DELIVERY_COUNT: setting.int(10, 1, 2000),
  /** Attempts of a message whose failure may pass (throttling, an outage) before it is parked for a person, the first included. */
  QUEUE_RETRY_MAX_ATTEMPTS: setting.int(30, 1, 1000),
  /** Wait before the first retry of a failed message; it doubles per attempt (with jitter) up to QUEUE_RETRY_MAX_DELAY_SECONDS. */
  QUEUE_RETRY_BASE_DELAY_SECONDS: setting.number(10, 0),
  /** Longest wait between two attempts of a message, also for a Retry-After the other side asked for. */
  QUEUE_RETRY_MAX_DELAY_SECONDS: setting.number(600, 0),
  /** How long an HTTP call that starts a job waits for it before answering 202 with a status URL (Azure cuts HTTP at 230 s). */
  HTTP_JOB_WAIT_SECONDS: setting.number(10, 0),
  /** Largest body POST /api/amazon/notifications reads; a larger one is refused with 413 before it is read. */
  NOTIFICATION_MAX_BODY_BYTES: setting.int(1_048_576, 1024, 100 * 1_048_576),
  /** How long GET /api/health answers from its last checks before it runs them again (no upstream call per caller). */
  HEALTH_CACHE_SECONDS: setting.int(30, 0, 3600),
  /** Folder of the mapping files. */
  MAPPINGS_DIR: setting.string("mappings"),
  /** Durable Functions task hub name (host.json reads it as %DURABLE_TASK_HUB%). */
  DURABLE_TASK_HUB: setting.string("AmazonConnect"),
  /** Application Insights; empty locally. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: setting.optionalString(),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type PlatformSettings = z.infer<z.ZodObject<typeof platformSettings>>;
