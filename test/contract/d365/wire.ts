/** Raw HTTP against the D365 simulator, for the contract tests: what F&O answers on the wire. */
import type { D365Simulator } from "../../../src/local/d365-sim";

export interface WireAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, or undefined when it is not JSON. */
  json: Record<string, unknown> & { value?: Record<string, unknown>[]; error?: { message: string; innererror?: { message: string } } };
  /** The most specific error text (innererror.message, else error.message). */
  message: string;
}

export async function tokenFor(sim: D365Simulator): Promise<string> {
  const res = await fetch(`${sim.url}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&client_id=contract-test&client_secret=fake-secret",
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

export function wire(sim: D365Simulator, token: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<WireAnswer> => {
    const res = await fetch(`${sim.url}/data/${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: WireAnswer["json"] = {};
    try {
      json = JSON.parse(text) as WireAnswer["json"];
    } catch {
      json = {};
    }
    const message = json.error?.innererror?.message ?? json.error?.message ?? "";
    return { status: res.status, headers: res.headers, text, json, message };
  };
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call("POST", path, body, headers),
    patch: (path: string, body: unknown) => call("PATCH", path, body),
    call,
  };
}

/** A multipart/mixed $batch body from single requests and change sets (arrays). */
export function batchBody(
  baseUrl: string,
  parts: ({ method: string; path: string; body?: unknown } | { method: string; path: string; body?: unknown }[])[],
): string {
  let id = 0;
  const request = (r: { method: string; path: string; body?: unknown }) => {
    id++;
    return [
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      `Content-ID: ${id}`,
      "",
      `${r.method} ${baseUrl}/data/${r.path} HTTP/1.1`,
      "Content-Type: application/json",
      "",
      r.body === undefined ? "" : JSON.stringify(r.body),
    ].join("\r\n");
  };
  const out: string[] = [];
  parts.forEach((p, n) => {
    out.push("--batch_1");
    if (Array.isArray(p)) {
      out.push(`Content-Type: multipart/mixed; boundary=changeset_${n}`, "");
      for (const r of p) out.push(`--changeset_${n}`, request(r));
      out.push(`--changeset_${n}--`);
    } else out.push(request(p));
  });
  out.push("--batch_1--", "");
  return out.join("\r\n");
}

/** HTTP status lines of a $batch answer, in order. */
export function batchStatuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
}
