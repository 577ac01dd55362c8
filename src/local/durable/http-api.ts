/**
 * The Durable Functions extension's HTTP API (the "webhooks" under /runtime/webhooks/durabletask/), served by
 * the local host over the local driver. DurableClient (df.getClient) talks to it through `rpcBaseUrl`, and the
 * URLs of createCheckStatusResponse point at it, so HTTP starters and Power Automate polling work unchanged.
 *
 * Status codes follow the documented API (learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api):
 * status query 202 while running, 200 when completed, 400 when failed or terminated (500 with
 * returnInternalServerErrorOnFailure=true), 404 when unknown; raise event / terminate 202, 404, 410 (finished).
 */
import type { DurableDriver, OrchestrationStatus, StatusQuery } from "./driver";
import { UnknownFunctionError } from "./driver";
import type { RuntimeStatus } from "./store";

export const DURABLE_WEBHOOK_PATH = "/runtime/webhooks/durabletask";

export interface DurableHttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** The value of a `durableClient` input binding, as the extension hands it to the worker. */
export interface DurableClientInputData {
  taskHubName: string;
  creationUrls: Record<string, string>;
  managementUrls: Record<string, string>;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

const query = (hub: string) => `taskHub=${encodeURIComponent(hub)}&connection=Storage`;

export function durableClientInput(origin: string, hub: string): DurableClientInputData {
  const base = `${origin}${DURABLE_WEBHOOK_PATH}`;
  const q = query(hub);
  return {
    taskHubName: hub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${q}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
    },
    managementUrls: managementUrls(origin, hub, "INSTANCEID"),
    baseUrl: base,
    requiredQueryStringParameters: q,
    // DurableClient resolves relative paths ("orchestrators/X", "instances/id") against this: keep the slash.
    rpcBaseUrl: `${base}/`,
  };
}

export function managementUrls(origin: string, hub: string, instanceId: string): Record<string, string> {
  const base = `${origin}${DURABLE_WEBHOOK_PATH}/instances/${instanceId === "INSTANCEID" ? instanceId : encodeURIComponent(instanceId)}`;
  const q = query(hub);
  return {
    id: instanceId,
    statusQueryGetUri: `${base}?${q}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${base}/terminate?reason={text}&${q}`,
    rewindPostUri: `${base}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${base}?${q}`,
    suspendPostUri: `${base}/suspend?reason={text}&${q}`,
    resumePostUri: `${base}/resume?reason={text}&${q}`,
  };
}

function parseBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const RUNNING: RuntimeStatus[] = ["Pending", "Running", "ContinuedAsNew", "Suspended"];

function statusResponse(s: OrchestrationStatus, url: URL, failureAs500: boolean): DurableHttpResponse {
  if (RUNNING.includes(s.runtimeStatus)) {
    return { status: 202, headers: { Location: url.toString(), "Retry-After": "10" }, body: s };
  }
  if (s.runtimeStatus === "Completed") return { status: 200, headers: {}, body: s };
  return { status: s.runtimeStatus === "Failed" && failureAs500 ? 500 : 400, headers: {}, body: s };
}

function filterFrom(url: URL): StatusQuery {
  const p = url.searchParams;
  const q: StatusQuery = {};
  const statuses = p.get("runtimeStatus");
  if (statuses) q.runtimeStatus = statuses.split(",").map((s) => s.trim()) as RuntimeStatus[];
  if (p.get("createdTimeFrom")) q.createdTimeFrom = new Date(p.get("createdTimeFrom")!);
  if (p.get("createdTimeTo")) q.createdTimeTo = new Date(p.get("createdTimeTo")!);
  if (p.get("instanceIdPrefix")) q.instanceIdPrefix = p.get("instanceIdPrefix")!;
  if (p.get("top")) q.top = Number(p.get("top"));
  return q;
}

const flag = (url: URL, name: string) => url.searchParams.get(name)?.toLowerCase() === "true";

/**
 * Answers one request under /runtime/webhooks/durabletask/. Returns undefined when the path is not part of
 * the API. `origin` is the host's own origin (for the URLs in responses).
 */
export async function handleDurableHttp(
  driver: DurableDriver,
  method: string,
  url: URL,
  bodyText: string,
  origin: string,
): Promise<DurableHttpResponse | undefined> {
  if (!url.pathname.startsWith(DURABLE_WEBHOOK_PATH + "/")) return undefined;
  const parts = url.pathname
    .slice(DURABLE_WEBHOOK_PATH.length + 1)
    .split("/")
    .filter((p, i, all) => p !== "" || i < all.length - 1)
    .map((p) => decodeURIComponent(p));
  const m = method.toUpperCase();
  const hub = driver.hubName;

  // POST orchestrators/{functionName}[/{instanceId}]
  if (parts[0] === "orchestrators" && m === "POST" && parts[1]) {
    const name = parts[1];
    const instanceId = parts.slice(2).filter(Boolean).join("/") || undefined;
    try {
      const started = await driver.startNew(name, { instanceId, input: parseBody(bodyText) });
      const links = managementUrls(origin, hub, started.instanceId);
      return { status: 202, headers: { Location: links.statusQueryGetUri!, "Retry-After": "10" }, body: links };
    } catch (err) {
      if (err instanceof UnknownFunctionError) return { status: 400, headers: {}, body: { message: err.message } };
      throw err;
    }
  }

  if (parts[0] === "instances") {
    const instanceId = parts[1];
    const action = parts[2];
    // GET instances[/] : query
    if (!instanceId) {
      if (m === "GET") return { status: 200, headers: {}, body: driver.listInstances(filterFrom(url)) };
      if (m === "DELETE") {
        const n = await driver.purgeBy(filterFrom(url));
        return n > 0
          ? { status: 200, headers: {}, body: { instancesDeleted: n } }
          : { status: 404, headers: {}, body: { instancesDeleted: 0 } };
      }
      return { status: 405, headers: {}, body: { message: `${m} is not allowed here` } };
    }
    if (!action) {
      if (m === "GET") {
        const s = driver.getStatus(instanceId, {
          showHistory: flag(url, "showHistory"),
          showInput: url.searchParams.get("showInput") !== "false",
        });
        if (!s) return { status: 404, headers: {}, body: { message: `No instance with ID '${instanceId}' found.` } };
        return statusResponse(s, url, flag(url, "returnInternalServerErrorOnFailure"));
      }
      if (m === "DELETE") {
        const n = await driver.purge(instanceId);
        return n
          ? { status: 200, headers: {}, body: { instancesDeleted: 1 } }
          : { status: 404, headers: {}, body: { instancesDeleted: 0 } };
      }
      return { status: 405, headers: {}, body: { message: `${m} is not allowed here` } };
    }
    if (m !== "POST") return { status: 405, headers: {}, body: { message: `${m} is not allowed here` } };
    const outcome = async (result: "accepted" | "notFound" | "gone"): Promise<DurableHttpResponse> =>
      result === "accepted"
        ? { status: 202, headers: {} }
        : result === "notFound"
          ? { status: 404, headers: {}, body: { message: `No instance with ID '${instanceId}' found.` } }
          : { status: 410, headers: {}, body: { message: `Instance '${instanceId}' has already finished.` } };
    const reason = url.searchParams.get("reason") ?? "";
    switch (action) {
      case "raiseEvent": {
        const eventName = parts[3];
        if (!eventName) return { status: 400, headers: {}, body: { message: "event name is missing" } };
        return outcome(await driver.raiseEvent(instanceId, eventName, parseBody(bodyText)));
      }
      case "terminate":
        return outcome(await driver.terminate(instanceId, reason));
      case "suspend":
        return outcome(await driver.suspend(instanceId));
      case "resume":
        return outcome(await driver.resume(instanceId));
      case "rewind":
        return { status: 501, headers: {}, body: { message: "rewind is not supported by the local host" } };
      default:
        return { status: 404, headers: {}, body: { message: `unknown operation ${action}` } };
    }
  }
  if (parts[0] === "entities")
    return { status: 501, headers: {}, body: { message: "durable entities are not supported by the local host" } };
  return { status: 404, headers: {}, body: { message: "unknown durable API path" } };
}
