/**
 * The local bus's messages on disk, so that a host killed with SIGKILL (or a crashed laptop session) loses no
 * queued message, as Service Bus loses none when a Functions instance dies.
 *
 * One append-only file of JSON lines under LOCAL_DATA_DIR/bus/ (`journal.jsonl`): every change of a message
 * (sent, locked for a delivery, completed, abandoned, dead-lettered, removed from the dead-letter queue) is one
 * line, written with a synchronous write(2) before the change takes effect, so the kernel has it even when the
 * process dies the next instant. At start the lines are replayed; a last line torn by a crash is skipped (the
 * change it describes had not happened yet). Every few thousand lines the file is rewritten as one snapshot
 * line (written to a temporary file, then renamed over the journal: a crash leaves either the old or the new
 * file whole).
 *
 * Not a database: one process owns a data folder at a time (as with the durable history beside it).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import * as path from "node:path";

/** A message as the journal keeps it (the bus's own record, minus what only lives while a handler runs). */
export interface JournalMessage {
  queue: string;
  messageId: string;
  /** Sequence number as a decimal string (bigint in the bus). */
  seq: string;
  rawBody: string;
  subject?: string;
  correlationId?: string;
  contentType?: string;
  applicationProperties: Record<string, string | number | boolean>;
  enqueuedTime: number;
  availableAt: number;
  scheduled: boolean;
  deliveryCount: number;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
}

export interface JournalQueue {
  active: JournalMessage[];
  deadLetters: JournalMessage[];
  /** Duplicate detection history: messageId -> expiry (ms since the epoch). */
  seen: [string, number][];
}

export interface JournalState {
  sequence: string;
  queues: Record<string, JournalQueue>;
}

export type JournalOp =
  | { t: "send"; m: JournalMessage; seenUntil: number }
  | { t: "lock"; q: string; s: string }
  | { t: "complete"; q: string; s: string }
  | { t: "abandon"; q: string; s: string; at: number }
  | { t: "dead"; q: string; s: string; reason: string; description?: string }
  | { t: "removeDead"; q: string; s: string }
  | { t: "snapshot"; state: JournalState };

const FILE = "journal.jsonl";
/** Rewrite the journal as one snapshot after this many lines. */
const COMPACT_AFTER = 5000;

/** Applies one journal line to a state being rebuilt. */
function apply(state: JournalState, op: JournalOp): void {
  if (op.t === "snapshot") {
    state.sequence = op.state.sequence;
    state.queues = op.state.queues;
    return;
  }
  if (op.t === "send") {
    const q = (state.queues[op.m.queue] ??= { active: [], deadLetters: [], seen: [] });
    q.active.push(op.m);
    q.seen.push([op.m.messageId, op.seenUntil]);
    if (BigInt(op.m.seq) > BigInt(state.sequence)) state.sequence = op.m.seq;
    return;
  }
  const q = state.queues[op.q];
  if (!q) return;
  if (op.t === "removeDead") {
    q.deadLetters = q.deadLetters.filter((m) => m.seq !== op.s);
    return;
  }
  const i = q.active.findIndex((m) => m.seq === op.s);
  if (i < 0) return;
  const m = q.active[i]!;
  if (op.t === "lock") {
    m.deliveryCount++;
    m.scheduled = false;
  } else if (op.t === "complete") {
    q.active.splice(i, 1);
  } else if (op.t === "abandon") {
    m.availableAt = op.at;
  } else if (op.t === "dead") {
    q.active.splice(i, 1);
    q.deadLetters.push({
      ...m,
      deadLetterReason: op.reason,
      ...(op.description !== undefined ? { deadLetterErrorDescription: op.description } : {}),
    });
  }
}

export class BusJournal {
  private fd: number | undefined;
  private lines = 0;
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, FILE);
  }

  /** The state the journal describes (empty when there is none), with the duplicate history pruned to `now`. */
  load(now: number): JournalState {
    const state: JournalState = { sequence: "0", queues: {} };
    if (!existsSync(this.file)) return state;
    const text = readFileSync(this.file, "utf8");
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let op: JournalOp;
      try {
        op = JSON.parse(line) as JournalOp;
      } catch {
        // A line torn by a crash in the middle of its write: the change it describes never took effect.
        continue;
      }
      apply(state, op);
      this.lines++;
    }
    for (const q of Object.values(state.queues)) q.seen = q.seen.filter(([, until]) => until > now);
    return state;
  }

  /** Writes one change; returns when the kernel has it (a process kill after this loses nothing). */
  append(op: JournalOp): void {
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.fd = openSync(this.file, "a");
    }
    writeSync(this.fd, `${JSON.stringify(op)}\n`);
    this.lines++;
  }

  /** True when the journal has grown enough that the bus should call compact() with its current state. */
  get wantsCompaction(): boolean {
    return this.lines >= COMPACT_AFTER;
  }

  /** Replaces the journal by one snapshot line of `state` (temporary file, fsync, rename). */
  compact(state: JournalState): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, `${JSON.stringify({ t: "snapshot", state } satisfies JournalOp)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    renameSync(tmp, this.file);
    this.lines = 1;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
