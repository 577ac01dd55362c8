/**
 * Entra tokens for D365 (client credentials): scope `<D365_BASE_URL>/.default`, with no trailing slash on the
 * base URL, or Entra refuses the scope. The token is cached
 * until shortly before it expires; the client forces one refresh when D365 answers 401.
 */
import axios, { type AxiosResponse } from "axios";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { UnauthorizedError, UnavailableError } from "../platform/errors";

export function d365Scope(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/.default`;
}

/**
 * Client-credentials against the simulator's own token endpoint (POST <base>/oauth2/token), honouring
 * expires_in. Same shape as an Entra v2 token response.
 */
export class SimulatorCredential implements TokenCredential {
  constructor(
    private readonly tokenUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.clientId,
      client_secret: this.clientSecret,
      scope: Array.isArray(scopes) ? scopes.join(" ") : scopes,
    });
    let res: AxiosResponse<unknown>;
    try {
      res = await axios.post(this.tokenUrl, form.toString(), {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        timeout: this.timeoutMs,
        validateStatus: () => true,
      });
    } catch (err) {
      throw new UnavailableError(
        "d365.token-unreachable",
        `The D365 token endpoint ${this.tokenUrl} did not answer: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (res.status >= 500 || res.status === 429) {
      throw new UnavailableError("d365.token-unavailable", `The D365 token endpoint answered ${res.status}`);
    }
    const body = res.data as { access_token?: string; expires_in?: number | string; error_description?: string };
    if (res.status !== 200 || !body.access_token) {
      throw new UnauthorizedError(
        "d365.token-refused",
        `The D365 token endpoint refused the client credentials (${res.status}): ${body.error_description ?? ""}`.trim(),
      );
    }
    const seconds = Number(body.expires_in ?? 3600);
    return { token: body.access_token, expiresOnTimestamp: Date.now() + seconds * 1000 };
  }
}

/** Caches one token; refreshes it when less than a tenth of its life (at most 2 minutes) is left. */
export class TokenCache {
  private current?: { token: string; expiresOn: number; obtainedAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    const c = this.current;
    if (c) {
      const margin = Math.min(120_000, (c.expiresOn - c.obtainedAt) / 10);
      if (this.now() < c.expiresOn - margin) return c.token;
    }
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forget the token (D365 said 401): the next get() asks the credential again. */
  invalidate(token?: string): void {
    if (!token || this.current?.token === token) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const obtainedAt = this.now();
    let t: AccessToken | null;
    try {
      t = await this.credential.getToken(this.scope);
    } catch (err) {
      if (err instanceof UnauthorizedError || err instanceof UnavailableError) throw err;
      throw new UnauthorizedError("d365.token-failed", `Could not get an Entra token for ${this.scope}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!t) throw new UnauthorizedError("d365.token-failed", `The credential returned no token for ${this.scope}`);
    this.current = { token: t.token, expiresOn: t.expiresOnTimestamp, obtainedAt };
    return t.token;
  }
}
