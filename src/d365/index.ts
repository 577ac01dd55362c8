/**
 * The D365 connector as the app uses it: a D365Connector (the OData client plus the entity helpers and DMF),
 * built from the connector's settings by `createD365Connector` (the wiring calls it once per process), and
 * `probeD365`, the health probe.
 */
import { ClientSecretCredential, ManagedIdentityCredential, type AccessToken, type TokenCredential } from "@azure/identity";
import type { SecretStore } from "../platform/ports";
import type { Telemetry } from "../platform/telemetry";
import { SimulatorCredential } from "./auth";
import { D365Client, type D365ClientOptions } from "./client";
import { D365Dmf, dmfFormat, type DmfOptions } from "./dmf";
import {
  Customers,
  ExchangeRates,
  JournalNames,
  LedgerJournals,
  LedgerPeriods,
  ReleasedProducts,
  ReturnOrders,
  SalesOrders,
  WarehousesOnHand,
} from "./entities";
import type { D365Settings } from "./settings";

/** The settings the connector is built from (its own, plus the managed identity's client id). */
export type D365ConnectorSettings = D365Settings & { AZURE_CLIENT_ID?: string };

export class D365Connector extends D365Client {
  readonly salesOrders = new SalesOrders(this);
  readonly ledgerJournals = new LedgerJournals(this);
  readonly journalNames = new JournalNames(this);
  readonly ledgerPeriods = new LedgerPeriods(this);
  readonly customers = new Customers(this);
  readonly releasedProducts = new ReleasedProducts(this);
  readonly warehousesOnHand = new WarehousesOnHand(this);
  readonly returnOrders = new ReturnOrders(this);
  readonly exchangeRates = new ExchangeRates(this);
  readonly dmf: D365Dmf;

  constructor(options: D365ClientOptions & { dmf?: DmfOptions }) {
    super(options);
    this.dmf = new D365Dmf(this, options.sleep, options.dmf);
  }
}

/** Builds the real credential on first use (the secret is read from Key Vault asynchronously). */
class LazyCredential implements TokenCredential {
  private inner?: Promise<TokenCredential>;
  constructor(private readonly build: () => Promise<TokenCredential>) {}
  async getToken(scopes: string | string[]): Promise<AccessToken | null> {
    this.inner ??= this.build().catch((err: unknown) => {
      this.inner = undefined;
      throw err;
    });
    return (await this.inner).getToken(scopes);
  }
}

export function credentialFor(config: D365ConnectorSettings, secrets: SecretStore): TokenCredential {
  const base = config.D365_BASE_URL.replace(/\/+$/, "");
  switch (config.D365_AUTH_MODE) {
    case "client-secret":
      return new LazyCredential(
        async () => new ClientSecretCredential(config.D365_TENANT_ID!, config.D365_CLIENT_ID!, await secrets.get("d365-client-secret")),
      );
    case "managed-identity":
      return config.AZURE_CLIENT_ID ? new ManagedIdentityCredential({ clientId: config.AZURE_CLIENT_ID }) : new ManagedIdentityCredential();
    default:
      return new LazyCredential(
        async () =>
          new SimulatorCredential(
            `${base}/oauth2/token`,
            config.D365_CLIENT_ID ?? "local-dev",
            (await secrets.tryGet("d365-client-secret")) ?? "fake-secret",
          ),
      );
  }
}

export function createD365Connector(
  config: D365ConnectorSettings,
  secrets: SecretStore,
  telemetry?: Telemetry,
  overrides: Partial<D365ClientOptions> = {},
): D365Connector {
  return new D365Connector({
    dmf: {
      format: dmfFormat(config.D365_DMF_SOURCE_FORMAT, config.D365_DMF_FILE_ENCODING),
      templatePath: config.D365_DMF_PACKAGE_TEMPLATE,
    },
    baseUrl: config.D365_BASE_URL,
    credential: credentialFor(config, secrets),
    company: config.D365_COMPANY,
    batchSize: config.D365_BATCH_SIZE,
    timeoutMs: config.D365_TIMEOUT_MS,
    maxRetries: config.D365_MAX_RETRIES,
    telemetry,
    ...overrides,
  });
}

/** Health probe: a token, then one row of CustomersV3. */
export async function probeD365(d365: D365Client): Promise<string> {
  await d365.token();
  const row = await d365
    .query<{ dataAreaId: string; CustomerAccount: string }>("CustomersV3", { top: 1, select: ["dataAreaId", "CustomerAccount"] })
    .first();
  return row ? `token ok; read CustomersV3 (${row.dataAreaId})` : "token ok; CustomersV3 is empty";
}

export { D365Client, D365Query } from "./client";
export type { BatchOperation, BatchOperationResult, D365ClientOptions, EntityKey, ODataRow } from "./client";
export { D365Dmf, buildDmfPackage, dmfFormat, loadDmfPackageTemplate } from "./dmf";
export type { DmfImportResult, DmfOptions, DmfPackageFormat, DmfStatus } from "./dmf";
export * from "./entities";
export { f, enumValue, dateOnly, quote, literal, formatKey, chunk } from "./odata";
export type { QueryOptions } from "./odata";
export { toCsv } from "./csv";
export { d365ErrorInfo } from "./errors";
