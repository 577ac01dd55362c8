/** Settings of the D365 F&O connector. Defaults point at the local D365 simulator. */
import { setting } from "../platform/settings-kit";

export const d365Settings = {
  /** The F&O environment, e.g. https://contoso.operations.dynamics.com (locally the simulator). */
  D365_BASE_URL: setting.url("http://localhost:7171"),
  /** How the app gets its Entra token: client-secret (app registration), managed-identity, or simulator (local). */
  D365_AUTH_MODE: setting.enumOf(["client-secret", "managed-identity", "simulator"] as const, "simulator"),
  /** Entra tenant of the app registration (client-secret mode). */
  D365_TENANT_ID: setting.optionalString(),
  /** Application (client) id registered in F&O under Microsoft Entra applications (client-secret mode). */
  D365_CLIENT_ID: setting.optionalString(),
  /** Legal entity (dataAreaId) used where a mapping does not name one. */
  D365_COMPANY: setting.string("usmf"),
  /** Operations per $batch changeset request. */
  D365_BATCH_SIZE: setting.int(100, 1, 1000),
  /** Timeout of one D365 request. */
  D365_TIMEOUT_MS: setting.int(60000, 1000),
  /** Retries of a throttled or failed D365 request before giving up. */
  D365_MAX_RETRIES: setting.int(5, 0, 20),
  /**
   * DMF packages: the source data format written in the package manifest, as named under Data management ›
   * Configure data source. CSV-Unicode (the default) reads UTF-16LE with a byte-order mark and CRLF line ends.
   */
  D365_DMF_SOURCE_FORMAT: setting.string("CSV-Unicode"),
  /** DMF packages: encoding of the data file; auto = UTF-16LE for CSV-Unicode, UTF-8 (with BOM) for any other format. */
  D365_DMF_FILE_ENCODING: setting.enumOf(["auto", "utf-16le", "utf-8"] as const, "auto"),
  /**
   * DMF packages: path to the target data project's exported package (a .zip, or a folder with its
   * Manifest.xml and PackageHeader.xml). When set, the app uses that manifest and header as they are and
   * writes only the data file (docs/d365-simulator.md). Empty: the app writes its own.
   */
  D365_DMF_PACKAGE_TEMPLATE: setting.optionalString(),
};
