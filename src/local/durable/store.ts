/**
 * Where the local durable driver keeps its orchestration instances: one JSON file per instance under
 * LOCAL_DATA_DIR/durable/<hub>/ (so a restarted host resumes them), or in memory for tests.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Canceled" | "Terminated" | "Suspended";

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Canceled", "Terminated"];

/** A history event as the durable-functions orchestrator reads it (PascalCase, Timestamp as ISO text). */
export interface HistoryEventRecord {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export interface InstanceRecord {
  hub: string;
  instanceId: string;
  name: string;
  /** Input as JSON text ("null" when none). */
  input: string;
  runtimeStatus: RuntimeStatus;
  createdTime: string;
  lastUpdatedTime: string;
  /** Output (or the failure / termination reason) as JSON text. */
  output: string;
  customStatus: string;
  parentInstanceId?: string;
  /** The parent's task id waiting for this sub-orchestration. */
  parentTaskId?: number;
  /** Events the orchestrator has replayed at least once. */
  history: HistoryEventRecord[];
  /** New events (completions, raised events) not yet shown to the orchestrator. */
  inbox: HistoryEventRecord[];
}

export interface InstanceStore {
  load(hub: string): Promise<InstanceRecord[]>;
  save(record: InstanceRecord): Promise<void>;
  remove(hub: string, instanceId: string): Promise<void>;
}

export class MemoryInstanceStore implements InstanceStore {
  private readonly records = new Map<string, string>();
  async load(hub: string): Promise<InstanceRecord[]> {
    return [...this.records.entries()].filter(([k]) => k.startsWith(`${hub}/`)).map(([, v]) => JSON.parse(v) as InstanceRecord);
  }
  async save(record: InstanceRecord): Promise<void> {
    this.records.set(`${record.hub}/${record.instanceId}`, JSON.stringify(record));
  }
  async remove(hub: string, instanceId: string): Promise<void> {
    this.records.delete(`${hub}/${instanceId}`);
  }
}

/** One file per instance; writes go to a temporary file first and are renamed, so a crash leaves no torn file. */
export class FileInstanceStore implements InstanceStore {
  private readonly chains = new Map<string, Promise<void>>();
  /** Saves not yet written: a newer snapshot replaces an older one (a fan-out saves often). */
  private readonly pending = new Map<string, { text: string; promise: Promise<void> }>();
  constructor(private readonly rootDir: string) {}

  private dir(hub: string): string {
    return path.join(this.rootDir, hub.replace(/[^A-Za-z0-9_-]/g, "_"));
  }
  private file(hub: string, instanceId: string): string {
    return path.join(this.dir(hub), `${encodeURIComponent(instanceId).replace(/\*/g, "%2A")}.json`);
  }

  async load(hub: string): Promise<InstanceRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir(hub));
    } catch {
      return [];
    }
    const out: InstanceRecord[] = [];
    for (const n of names.filter((n) => n.endsWith(".json"))) {
      try {
        out.push(JSON.parse(await fs.readFile(path.join(this.dir(hub), n), "utf8")) as InstanceRecord);
      } catch {
        // an unreadable file is skipped rather than stopping the host
      }
    }
    return out;
  }

  private serial(key: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(work, work);
    this.chains.set(key, next);
    return next;
  }

  save(record: InstanceRecord): Promise<void> {
    const text = JSON.stringify(record);
    const file = this.file(record.hub, record.instanceId);
    const waiting = this.pending.get(file);
    if (waiting) {
      waiting.text = text;
      return waiting.promise;
    }
    const entry = { text, promise: Promise.resolve() };
    this.pending.set(file, entry);
    entry.promise = this.serial(file, async () => {
      this.pending.delete(file);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, entry.text);
      await fs.rename(tmp, file);
    });
    return entry.promise;
  }

  remove(hub: string, instanceId: string): Promise<void> {
    const file = this.file(hub, instanceId);
    return this.serial(file, async () => {
      await fs.rm(file, { force: true });
    });
  }
}
