/**
 * How the app reaches a local SP-API simulator: amazon-sp-api builds URLs from fixed Amazon host names
 * (api.amazon.com, sellingpartnerapi-{region}.amazon.com, port 443), but passes `https_proxy_agent` as the
 * agent of every request, the LWA token call included (amazon-sp-api 1.2.1, its execute()). This agent
 * keeps the TLS server name (so the certificate is checked against the Amazon host name) and connects to
 * the override host and port instead, trusting the simulator's certificate. Nothing else in the code knows.
 */
import { readFileSync } from "node:fs";
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { ConfigurationError } from "../platform/errors";

export class EndpointOverrideAgent extends https.Agent {
  constructor(
    private readonly target: { host: string; port: number },
    private readonly ca?: string,
  ) {
    super({ keepAlive: true, maxSockets: 16 });
  }

  override createConnection(options: https.RequestOptions): Duplex {
    const o = options as tls.ConnectionOptions & { host?: string };
    // Returning the socket is enough: the Agent attaches it to the request itself.
    return tls.connect({
      ...o,
      host: this.target.host,
      port: this.target.port,
      ...(this.ca ? { ca: this.ca } : {}),
      servername: o.servername || o.host || undefined,
    });
  }
}

/** The agent for SPAPI_ENDPOINT_OVERRIDE, or undefined (the default agent: real Amazon endpoints). */
export function overrideAgentFor(override: string | undefined, caFile: string | undefined): https.Agent | undefined {
  if (!override) return undefined;
  const url = new URL(override);
  if (url.protocol !== "https:")
    throw new ConfigurationError("config.invalid", "SPAPI_ENDPOINT_OVERRIDE must be an https:// address", {
      where: "SPAPI_ENDPOINT_OVERRIDE",
    });
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (err) {
      throw new ConfigurationError("config.invalid", `SPAPI_OVERRIDE_CA_FILE cannot be read: ${caFile} (${(err as Error).message})`, {
        where: "SPAPI_OVERRIDE_CA_FILE",
      });
    }
  }
  // "localhost" may resolve to ::1 first while the simulator listens on 127.0.0.1.
  const host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname.replace(/^\[|\]$/g, "");
  return new EndpointOverrideAgent({ host, port: Number(url.port || 443) }, ca);
}
