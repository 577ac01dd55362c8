/**
 * Azurite (the npm package) as a child process on loopback: Blob, Queue and Table storage for `npm start`
 * and for the test run. In-memory only, so nothing is written to the working folder.
 *
 *   const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }); // free ports
 *   ... azurite.connectionString ...
 *   await azurite.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { ConfigurationError, UnavailableError } from "../platform/errors";

export interface StartAzuriteOptions {
  /** Default 10000; 0 picks a free port. */
  blobPort?: number;
  /** Default 10001; 0 picks a free port. */
  queuePort?: number;
  /** Default 10002; 0 picks a free port. */
  tablePort?: number;
  /** Use an Azurite that is already listening on the requested (default: well-known) ports instead of failing. */
  reuseIfRunning?: boolean;
  /** How long to wait for the services to accept connections (default 30 s). */
  timeoutMs?: number;
}

export interface RunningAzurite {
  /** Connection string with explicit endpoints (works with @azure/data-tables and @azure/storage-blob). */
  connectionString: string;
  /** True when an Azurite that was already running is used (stop() then does nothing). */
  reused: boolean;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;
// Azurite's well-known development account key: public and documented by Microsoft, not a secret.
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export function azuriteConnectionString(ports: { blob: number; queue: number; table: number }, host = HOST): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT};QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT};` +
    `TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT};`
  );
}

function accepts(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The Server header Azurite sends ("Azurite-Table/3.35.0"), or undefined when the port speaks something else. */
function azuriteServerHeader(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: `/${DEV_ACCOUNT}`, timeout: 2000 }, (res) => {
      res.resume();
      const server = String(res.headers.server ?? "");
      resolve(server.toLowerCase().includes("azurite") ? server : undefined);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
  });
}

function azuriteEntry(): string {
  try {
    return require.resolve("azurite/dist/src/azurite.js");
  } catch (err) {
    throw new ConfigurationError(
      "azurite.notInstalled",
      "The azurite package is not installed: run `npm ci` (it is a dev dependency), or point STORAGE_CONNECTION_STRING at a storage account",
      { where: "node_modules/azurite", cause: err },
    );
  }
}

export async function startAzurite(opts: StartAzuriteOptions = {}): Promise<RunningAzurite> {
  const requested = {
    blob: opts.blobPort ?? DEFAULT_PORTS.blob,
    queue: opts.queuePort ?? DEFAULT_PORTS.queue,
    table: opts.tablePort ?? DEFAULT_PORTS.table,
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;

  if (opts.reuseIfRunning) {
    // Port 0 means "any free port", so there is nothing to reuse there: look at the well-known ports instead.
    const candidate = {
      blob: requested.blob || DEFAULT_PORTS.blob,
      queue: requested.queue || DEFAULT_PORTS.queue,
      table: requested.table || DEFAULT_PORTS.table,
    };
    const open = await Promise.all([candidate.blob, candidate.queue, candidate.table].map((p) => accepts(p)));
    if (open.every(Boolean)) {
      const server = await azuriteServerHeader(candidate.table);
      if (!server) {
        throw new ConfigurationError(
          "azurite.portsTaken",
          `Ports ${candidate.blob}/${candidate.queue}/${candidate.table} are in use by something that is not Azurite; stop it or choose other ports`,
          { where: `127.0.0.1:${candidate.table}` },
        );
      }
      return {
        connectionString: azuriteConnectionString(candidate),
        reused: true,
        blobPort: candidate.blob,
        queuePort: candidate.queue,
        tablePort: candidate.table,
        stop: async () => {},
      };
    }
  }

  const args = [
    azuriteEntry(),
    "--silent",
    "--inMemoryPersistence",
    "--skipApiVersionCheck",
    "--disableTelemetry",
    "--blobHost",
    HOST,
    "--blobPort",
    String(requested.blob),
    "--queueHost",
    HOST,
    "--queuePort",
    String(requested.queue),
    "--tableHost",
    HOST,
    "--tablePort",
    String(requested.table),
  ];
  // cwd = temp dir: with --inMemoryPersistence Azurite writes nothing, but never litter the project if that changes.
  const child = spawn(process.execPath, args, { cwd: os.tmpdir(), stdio: ["ignore", "pipe", "pipe"], windowsHide: true });

  let output = "";
  const ports: Partial<Record<"blob" | "queue" | "table", number>> = {};
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8000);
    // "Azurite Table service is successfully listening at http://127.0.0.1:33501" gives the real port when we asked for 0.
    for (const m of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/[^:\s]+:(\d+)/g)) {
      ports[m[1]!.toLowerCase() as "blob" | "queue" | "table"] = Number(m[2]);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  // Never leave an orphaned Azurite behind when the parent goes away.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = makeStop(
    child,
    exitPromise,
    () => exited !== undefined,
    () => process.removeListener("exit", killOnExit),
  );

  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (spawnError)
        throw new UnavailableError("azurite.spawnFailed", `Could not start Azurite: ${spawnError.message}`, { cause: spawnError });
      if (exited) {
        throw new UnavailableError(
          "azurite.exited",
          `Azurite exited before it was ready (code ${exited.code ?? exited.signal}). Is a port taken? ` +
            `Requested blob ${requested.blob}, queue ${requested.queue}, table ${requested.table}. Output:\n${output.trim()}`,
        );
      }
      if (ports.blob && ports.queue && ports.table) {
        const ready = await Promise.all([ports.blob, ports.queue, ports.table].map((p) => accepts(p)));
        if (ready.every(Boolean)) break;
      }
      if (Date.now() > deadline) {
        throw new UnavailableError(
          "azurite.timeout",
          `Azurite did not accept connections within ${timeoutMs} ms. Output:\n${output.trim()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const actual = { blob: ports.blob!, queue: ports.queue!, table: ports.table! };
  return {
    connectionString: azuriteConnectionString(actual),
    reused: false,
    blobPort: actual.blob,
    queuePort: actual.queue,
    tablePort: actual.table,
    stop,
  };
}

function makeStop(child: ChildProcess, exitPromise: Promise<void>, hasExited: () => boolean, cleanup: () => void): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      cleanup();
      if (hasExited()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exitPromise;
      clearTimeout(timer);
    })();
    return stopping;
  };
}
