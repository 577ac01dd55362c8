/**
 * `d365-amazon start --json` (one JSON line per log entry, so a test can wait for an event by its name) in a child
 * process that a test can kill with SIGKILL and start again, as an operator's
 * `kill -9` would: the compiled app in dist/ when that build is current, else the TypeScript source through tsx
 * (what bin/d365-amazon.js chooses, without its launcher process, so the signal reaches the app itself). The child
 * is the leader of its own process group, and the whole group is killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const root = join(__dirname, "../../..");
const buildStamp = createRequire(__filename)(join(root, "scripts/build-stamp.js")) as {
  staleReason(root: string, compiled: string): string | undefined;
};

/** The command that runs `d365-amazon <args>` from this checkout. */
export function cliCommand(args: string[]): string[] {
  const compiled = join(root, "dist", "src", "cli.js");
  return buildStamp.staleReason(root, compiled) === undefined
    ? [compiled, ...args]
    : ["--import", "tsx", join(root, "src", "cli.ts"), ...args];
}

const MAX_OUTPUT = 4 * 1024 * 1024;

export class ChildHost {
  private child: ChildProcess | undefined;
  private output = "";
  private exited: Promise<void> = Promise.resolve();
  /** How often the child was started. */
  starts = 0;
  /** Milliseconds from spawn to the HTTP API listening, per start. */
  readonly startupMs: number[] = [];

  constructor(private env: Record<string, string>) {}

  /** Settings for the next start (the running child keeps its own). */
  setEnv(patch: Record<string, string>): void {
    this.env = { ...this.env, ...patch };
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The current child's API origin (it listens on a free port: LOCAL_HTTP_PORT=0). */
  url = "";

  /** What the current child wrote (stdout and stderr), at most the last 4 MB. */
  get log(): string {
    return this.output;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.child) throw new Error("the child host is running already");
    const started = Date.now();
    this.output = "";
    const child = spawn(process.execPath, cliCommand(["start", "--json"]), {
      cwd: root,
      env: { ...process.env, ...this.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.starts++;
    const logFile = process.env.CHAOS_LOG_FILE;
    if (logFile) appendFileSync(logFile, `\n===== start ${this.starts} at ${new Date().toISOString()}\n`);
    const append = (d: Buffer) => {
      if (logFile) appendFileSync(logFile, d);
      this.output += d.toString("utf8");
      if (this.output.length > MAX_OUTPUT) this.output = this.output.slice(-MAX_OUTPUT / 2);
    };
    child.stdout!.on("data", append);
    child.stderr!.on("data", append);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    await this.waitFor(/app HTTP API\s+http:\/\/127\.0\.0\.1:\d+\/api/, timeoutMs);
    this.url = /app HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(this.output)![1]!;
    this.startupMs.push(Date.now() - started);
  }

  /** Resolves when the current child's output matches; fails when the child exits or the time is up. */
  async waitFor(pattern: RegExp | string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof pattern === "string" ? this.output.includes(pattern) : pattern.test(this.output));
    while (!found()) {
      if (!this.child) throw new Error(`the child host exited before "${pattern}":\n${this.output.slice(-4000)}`);
      if (Date.now() > deadline)
        throw new Error(`no "${pattern}" in the child host's output after ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL to the child's process group; resolves when it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
    await this.exited;
    this.child = undefined;
  }
}
