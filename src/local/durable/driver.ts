/**
 * A local Durable Functions backend: runs orchestrations registered with `df.app.orchestration` through
 * durable-functions' own orchestrator (the captured createOrchestrator wrapper), the way the Durable extension
 * does it: replay the generator over a growing history, run the work it asks for (activities, timers,
 * sub-orchestrations), append the results as history events and replay again (docs/local-host.md).
 *
 * Which work is outstanding is read from the orchestrator's own task table after each replay (the
 * TaskOrchestrationExecutor's open tasks, reached through context.df), so task ids always agree with the
 * orchestrator's numbering, including the extra ids that callActivityWithRetry uses for its retry timers.
 *
 * History is saved after every step (see store.ts), so a restarted host replays from it and does not run a
 * completed activity again. An activity that was running when the process died runs again (at least once,
 * as in Azure).
 *
 * Like the Durable extension (DTFx's TaskOrchestrationContext), every replay is checked against the history:
 * the activity, timer or sub-orchestration that history recorded under a sequence number must be what the
 * orchestrator asks for under that number now (same kind, same name ignoring case), and nothing recorded may
 * be missing. Otherwise the instance fails with "Non-Deterministic workflow detected: ..." (the extension's
 * NonDeterministicOrchestrationException), as it does in Azure after an orchestrator was changed while
 * instances of it were running. durable-functions itself matches results to tasks by number only and would
 * quietly hand one activity's result to another.
 *
 * Not supported locally: entities (callEntity, signalEntity, locks), callHttp, rewind, versioning.
 */
import { InvocationContext } from "@azure/functions";
import { randomUUID } from "node:crypto";
import { callHandler, type Registration } from "../registry";
import { TERMINAL_STATUSES, type HistoryEventRecord, type InstanceRecord, type InstanceStore, type RuntimeStatus } from "./store";

// durable-functions' HistoryEventType and ActionType enums (lib/src/history/HistoryEventType.js, actions/ActionType.js).
const Ev = {
  ExecutionStarted: 0,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;
const Act = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  LockEntities: 13,
} as const;
/** ReplaySchema.V3: compound actions, long-timer splitting; what the current extension bundles speak. */
const REPLAY_SCHEMA_V3 = 2;

export type DurableLogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";

export interface DurableDriverOptions {
  registrations: Registration[];
  store: InstanceStore;
  hubName?: string;
  /** Durable timers and retry intervals run this many times faster than written (10 = ten times). Default 1. */
  timeScale?: number;
  /** host.json maxConcurrentActivityFunctions. Default 10. */
  maxConcurrentActivities?: number;
  /** Fills context.extraInputs for functions that declare inputs (the durable client of activities). */
  prepareContext?: (registration: Registration, context: InvocationContext) => void;
  /** Where function logs go. Default: nowhere. */
  log?: (level: DurableLogLevel, functionName: string, ...args: unknown[]) => void;
}

export interface StartOptions {
  instanceId?: string;
  input?: unknown;
}

export interface OrchestrationStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: unknown[];
}

export interface StatusQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  instanceIdPrefix?: string;
  top?: number;
}

export interface DurableIdleSummary {
  /** Instances that finished (Completed, Failed, Terminated) since the driver started, by status. */
  instances: { instanceId: string; name: string; runtimeStatus: RuntimeStatus; error?: string }[];
  /** Instances still running but only waiting (for an external event or a timer beyond the horizon). */
  waiting: { instanceId: string; name: string; waitingFor: string[] }[];
}

interface InFlight {
  kind: "activity" | "timer" | "sub";
  timer?: NodeJS.Timeout;
  /** Real time (ms) when a timer fires. */
  dueAt?: number;
  /** The sub-orchestration's instance id. */
  childId?: string;
}

interface Live {
  record: InstanceRecord;
  busy: boolean;
  dirty: boolean;
  needsProbe: boolean;
  inflight: Map<number, InFlight>;
  waitingOnEvents: string[];
  waiters: ((r: InstanceRecord) => void)[];
  /** Set while a finished instance is being saved and recorded: not idle yet, though its status is final. */
  finishing?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const isTerminal = (s: RuntimeStatus) => TERMINAL_STATUSES.includes(s);
const decodeActionInput = (x: unknown) => (typeof x === "string" ? safeParse(x) : x);
function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
const json = (v: unknown) => JSON.stringify(v === undefined ? null : v);

function flattenActions(actions: unknown): Any[] {
  const out: Any[] = [];
  const walk = (a: Any) => {
    if (Array.isArray(a)) a.forEach(walk);
    else if (a && Array.isArray(a.compoundActions)) a.compoundActions.forEach(walk);
    else if (a) out.push(a);
  };
  walk(actions);
  return out;
}

/** Extracts the orchestrator's error from OrchestrationFailureError ("...$OutOfProcData$:{state json}"). */
function orchestratorError(err: unknown): { message: string; customStatus?: unknown } {
  const text = err instanceof Error ? err.message : String(err);
  const marker = "$OutOfProcData$:";
  const i = text.indexOf(marker);
  if (i >= 0) {
    try {
      const state = JSON.parse(text.slice(i + marker.length));
      return { message: String(state.error ?? text), customStatus: state.customStatus };
    } catch {
      // fall through
    }
  }
  return { message: text };
}

function retryDelayMs(options: Any, failures: number): number {
  const first = Number(options?.firstRetryIntervalInMilliseconds ?? 1000);
  const coefficient = Number(options?.backoffCoefficient ?? 1) || 1;
  let delay = first * coefficient ** Math.max(0, failures - 1);
  const max = Number(options?.maxRetryIntervalInMilliseconds ?? 0);
  if (max > 0) delay = Math.min(delay, max);
  return delay;
}

type ScheduledKind = "activity" | "timer" | "sub-orchestration" | "other";

/**
 * Records every task the orchestrator numbers during one replay (sequence number -> task). The orchestrator sets
 * context.df once, with its TaskOrchestrationExecutor; its trackOpenTask gives each new task its number.
 */
function recordScheduledTasks(context: InvocationContext): Map<number, Any> {
  const tasks = new Map<number, Any>();
  let df: Any;
  Object.defineProperty(context, "df", {
    configurable: true,
    enumerable: true,
    get: () => df,
    set: (value: Any) => {
      df = value;
      const executor = value?.taskOrchestratorExecutor;
      if (!executor || typeof executor.trackOpenTask !== "function") return;
      const track = executor.trackOpenTask.bind(executor);
      executor.trackOpenTask = (task: Any) => {
        const before = task?.id;
        track(task);
        if (before === false && typeof task?.id === "number") tasks.set(task.id, task);
      };
    },
  });
  return tasks;
}

/** What a numbered task schedules, as history records it. */
function scheduledAs(task: Any): { kind: ScheduledKind; name?: string } {
  let action: Any = typeof task?.actionObj === "object" ? task.actionObj : undefined;
  if (!action && task?.parent && "retryOptions" in task.parent) {
    // A retry of callActivityWithRetry / callSubOrchestratorWithRetry: its children are the first attempt,
    // then a retry timer and a new attempt for each failure.
    const index = (task.parent.children as Any[]).indexOf(task);
    if (index % 2 === 1) return { kind: "timer" };
    action = task.parent.actionObj;
  }
  switch (action?.actionType) {
    case Act.CallActivity:
    case Act.CallActivityWithRetry:
      return { kind: "activity", name: String(action.functionName) };
    case Act.CreateTimer:
      return { kind: "timer" };
    case Act.CallSubOrchestrator:
    case Act.CallSubOrchestratorWithRetry:
      return { kind: "sub-orchestration", name: String(action.functionName) };
    default:
      return { kind: "other" };
  }
}

const KIND_OF_EVENT: Record<number, ScheduledKind> = {
  [Ev.TaskScheduled]: "activity",
  [Ev.TimerCreated]: "timer",
  [Ev.SubOrchestrationInstanceCreated]: "sub-orchestration",
};
const KIND_WORDS: Record<ScheduledKind, string> = {
  activity: "an activity task",
  timer: "a timer task",
  "sub-orchestration": "a sub-orchestration task",
  other: "a task of another kind",
};

/**
 * The first scheduling event of the history that the replay did not reproduce (DTFx's wording), or undefined.
 * Recorded events missing from the replay count only when the orchestrator ran without throwing.
 */
function replayMismatch(history: HistoryEventRecord[], scheduled: Map<number, Any>, complete: boolean): string | undefined {
  const changed = "Was a change made to the orchestrator code after this instance had already started running?";
  for (const e of history) {
    const recordedKind = KIND_OF_EVENT[e.EventType];
    if (!recordedKind || e.EventId < 0) continue;
    const recorded = `${KIND_WORDS[recordedKind]} with sequence number ${e.EventId}${e.Name === undefined ? "" : ` named '${String(e.Name)}'`}`;
    const task = scheduled.get(e.EventId);
    if (!task) {
      if (!complete) continue;
      return `A previous execution of this orchestration scheduled ${recorded}, but the current replay execution hasn't (yet?) scheduled this task. ${changed}`;
    }
    const now = scheduledAs(task);
    if (now.kind !== recordedKind) {
      return `A previous execution of this orchestration scheduled ${recorded}, but the current orchestration replay instead produced ${KIND_WORDS[now.kind]}${now.name ? ` named '${now.name}'` : ""} with this sequence number. ${changed}`;
    }
    if (now.name !== undefined && String(e.Name ?? "").toLowerCase() !== now.name.toLowerCase()) {
      return `A previous execution of this orchestration scheduled ${recorded}, but the current orchestration replay instead scheduled ${KIND_WORDS[now.kind]} named '${now.name}' with this sequence number. ${changed}`;
    }
  }
  return undefined;
}

class Semaphore {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class DurableDriver {
  readonly hubName: string;
  readonly timeScale: number;
  private readonly orchestrations = new Map<string, Registration>();
  private readonly activities = new Map<string, Registration>();
  private readonly instances = new Map<string, Live>();
  private readonly semaphore: Semaphore;
  private readonly running = new Set<Promise<unknown>>();
  private readonly finishedSinceStart: DurableIdleSummary["instances"] = [];
  private stopped = true;
  /** Executions of each activity function (tests use it to prove that nothing ran twice). */
  readonly activityExecutions = new Map<string, number>();
  readonly stats = { activityFailures: 0, orchestrationsFailed: 0, orchestrationsCompleted: 0 };

  constructor(private readonly opts: DurableDriverOptions) {
    this.hubName = opts.hubName ?? "AmazonConnect";
    this.timeScale = opts.timeScale && opts.timeScale > 0 ? opts.timeScale : 1;
    this.semaphore = new Semaphore(Math.max(1, opts.maxConcurrentActivities ?? 10));
    for (const r of opts.registrations) {
      if (r.kind === "orchestration") this.orchestrations.set(r.name, r);
      if (r.kind === "activity") this.activities.set(r.name, r);
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Lifecycle

  /** Loads saved instances of the hub and resumes those that were running. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const record of await this.opts.store.load(this.hubName)) {
      if (this.instances.has(record.instanceId)) continue;
      const live = this.newLive(record);
      this.instances.set(record.instanceId, live);
      if (!isTerminal(record.runtimeStatus) && record.runtimeStatus !== "Suspended") {
        live.needsProbe = true;
        this.kick(live);
      }
    }
  }

  /** Stops starting work: timers are cancelled, running activities finish and their results are saved. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const live of this.instances.values()) {
      for (const f of live.inflight.values()) if (f.timer) clearTimeout(f.timer);
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.instances.values()].map((l) => this.persist(l)));
  }

  // ------------------------------------------------------------------------------------------------------
  // Client operations (also served over HTTP by http-api.ts)

  /** Starts an orchestration. An instance id that exists already (running or finished) is left as it is. */
  async startNew(name: string, options: StartOptions = {}): Promise<{ instanceId: string; created: boolean }> {
    if (!this.orchestrations.has(name)) throw new UnknownFunctionError(`No orchestrator function named "${name}" is registered.`);
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, "");
    if (this.instances.has(instanceId)) return { instanceId, created: false };
    const live = this.createInstance(name, instanceId, json(options.input));
    await this.persist(live);
    this.kick(live);
    return { instanceId, created: true };
  }

  getStatus(instanceId: string, options: { showHistory?: boolean; showInput?: boolean } = {}): OrchestrationStatus | undefined {
    const live = this.instances.get(instanceId);
    return live ? this.toStatus(live.record, options) : undefined;
  }

  listInstances(query: StatusQuery = {}): OrchestrationStatus[] {
    let list = [...this.instances.values()].map((l) => l.record);
    if (query.runtimeStatus?.length) list = list.filter((r) => query.runtimeStatus!.includes(r.runtimeStatus));
    if (query.createdTimeFrom) list = list.filter((r) => Date.parse(r.createdTime) >= query.createdTimeFrom!.getTime());
    if (query.createdTimeTo) list = list.filter((r) => Date.parse(r.createdTime) <= query.createdTimeTo!.getTime());
    if (query.instanceIdPrefix) list = list.filter((r) => r.instanceId.startsWith(query.instanceIdPrefix!));
    list.sort((a, b) => a.createdTime.localeCompare(b.createdTime));
    if (query.top) list = list.slice(0, query.top);
    return list.map((r) => this.toStatus(r, { showInput: true }));
  }

  /** "accepted", "notFound" or "gone" (the instance finished). */
  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<"accepted" | "notFound" | "gone"> {
    const live = this.instances.get(instanceId);
    if (!live) return "notFound";
    if (isTerminal(live.record.runtimeStatus)) return "gone";
    live.record.inbox.push(this.event(Ev.EventRaised, -1, { Name: eventName, Input: json(eventData) }));
    await this.persist(live);
    this.kick(live);
    return "accepted";
  }

  async terminate(instanceId: string, reason = ""): Promise<"accepted" | "notFound" | "gone"> {
    const live = this.instances.get(instanceId);
    if (!live) return "notFound";
    if (isTerminal(live.record.runtimeStatus)) return "gone";
    await this.finish(live, "Terminated", json(reason));
    return "accepted";
  }

  async suspend(instanceId: string): Promise<"accepted" | "notFound" | "gone"> {
    const live = this.instances.get(instanceId);
    if (!live) return "notFound";
    if (isTerminal(live.record.runtimeStatus)) return "gone";
    live.record.runtimeStatus = "Suspended";
    this.touch(live.record);
    await this.persist(live);
    return "accepted";
  }

  async resume(instanceId: string): Promise<"accepted" | "notFound" | "gone"> {
    const live = this.instances.get(instanceId);
    if (!live) return "notFound";
    if (isTerminal(live.record.runtimeStatus)) return "gone";
    if (live.record.runtimeStatus === "Suspended") {
      live.record.runtimeStatus = "Running";
      live.needsProbe = true;
      this.touch(live.record);
      await this.persist(live);
      this.kick(live);
    }
    return "accepted";
  }

  /** Deletes an instance's state. Returns how many were deleted (0 or 1). */
  async purge(instanceId: string): Promise<number> {
    const live = this.instances.get(instanceId);
    if (!live) return 0;
    for (const f of live.inflight.values()) if (f.timer) clearTimeout(f.timer);
    this.instances.delete(instanceId);
    await this.opts.store.remove(this.hubName, instanceId);
    return 1;
  }

  async purgeBy(query: StatusQuery): Promise<number> {
    let n = 0;
    for (const s of this.listInstances(query)) n += await this.purge(s.instanceId);
    return n;
  }

  /** Resolves with the final status when the instance finishes (or undefined after the timeout). */
  waitForCompletion(instanceId: string, timeoutMs = 30_000): Promise<OrchestrationStatus | undefined> {
    const live = this.instances.get(instanceId);
    if (!live) return Promise.resolve(undefined);
    if (isTerminal(live.record.runtimeStatus)) return Promise.resolve(this.toStatus(live.record, {}));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      live.waiters.push((r) => {
        clearTimeout(timer);
        resolve(this.toStatus(r, {}));
      });
    });
  }

  /**
   * Resolves when no orchestration has work in flight: every instance has finished or waits only for an
   * external event or for a timer due later than `horizonMs` from now.
   */
  async waitForIdle(options: { timeoutMs?: number; horizonMs?: number } = {}): Promise<DurableIdleSummary> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    const horizon = options.horizonMs ?? 5000;
    for (;;) {
      const busy = [...this.instances.values()].some((l) => this.isBusy(l, horizon));
      if (!busy) break;
      if (Date.now() > deadline) throw new Error("durable: orchestrations still running at the timeout");
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.summary();
  }

  /** Finished instances since start and the ones still waiting, without waiting for anything. */
  summary(): DurableIdleSummary {
    const waiting = [...this.instances.values()]
      .filter((l) => !isTerminal(l.record.runtimeStatus))
      .map((l) => ({
        instanceId: l.record.instanceId,
        name: l.record.name,
        waitingFor: [
          ...l.waitingOnEvents.map((e) => `event:${e}`),
          ...[...l.inflight.values()].filter((f) => f.kind === "timer").map((f) => `timer:${new Date(f.dueAt ?? 0).toISOString()}`),
          ...[...l.inflight.values()].filter((f) => f.kind === "sub").map((f) => `sub-orchestration:${f.childId}`),
        ],
      }));
    return { instances: [...this.finishedSinceStart], waiting };
  }

  private isBusy(l: Live, horizonMs: number, depth = 0): boolean {
    const s = l.record.runtimeStatus;
    if (l.finishing) return true;
    if (isTerminal(s) || s === "Suspended") return false;
    if (l.busy || l.needsProbe || l.record.inbox.length > 0) return true;
    const soon = Date.now() + horizonMs;
    for (const f of l.inflight.values()) {
      if (f.kind === "activity") return true;
      if (f.kind === "timer" && (f.dueAt ?? 0) <= soon) return true;
      if (f.kind === "sub") {
        // A parent is as busy as its child: a child waiting for an event leaves the parent waiting too.
        const child = f.childId ? this.instances.get(f.childId) : undefined;
        if (!child || depth > 20 || this.isBusy(child, horizonMs, depth + 1)) return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------------------
  // Instances

  private newLive(record: InstanceRecord): Live {
    return { record, busy: false, dirty: false, needsProbe: false, inflight: new Map(), waitingOnEvents: [], waiters: [] };
  }

  private createInstance(name: string, instanceId: string, inputJson: string, parent?: { instanceId: string; taskId: number }): Live {
    const now = new Date().toISOString();
    const record: InstanceRecord = {
      hub: this.hubName,
      instanceId,
      name,
      input: inputJson,
      runtimeStatus: "Pending",
      createdTime: now,
      lastUpdatedTime: now,
      output: "null",
      customStatus: "null",
      parentInstanceId: parent?.instanceId,
      parentTaskId: parent?.taskId,
      history: [],
      inbox: [this.event(Ev.ExecutionStarted, -1, { Name: name, Input: inputJson })],
    };
    const live = this.newLive(record);
    this.instances.set(instanceId, live);
    return live;
  }

  private event(type: number, id: number, fields: Record<string, unknown> = {}, at?: Date): HistoryEventRecord {
    return { EventType: type, EventId: id, IsPlayed: false, Timestamp: (at ?? new Date()).toISOString(), ...fields };
  }

  private touch(r: InstanceRecord): void {
    r.lastUpdatedTime = new Date().toISOString();
  }

  private persist(live: Live): Promise<void> {
    if (!this.instances.has(live.record.instanceId)) return Promise.resolve();
    return this.opts.store.save(live.record);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => undefined);
    return p;
  }

  /** Orchestration time: never behind the history, so timers and currentUtcDateTime only move forward. */
  private virtualNow(r: InstanceRecord): number {
    let t = Date.now();
    for (const e of r.history) if (e.EventType === Ev.OrchestratorStarted) t = Math.max(t, Date.parse(e.Timestamp));
    return t;
  }

  private kick(live: Live): void {
    if (this.stopped) return;
    if (live.busy) {
      live.dirty = true;
      return;
    }
    live.busy = true;
    void this.track(this.loop(live));
  }

  private async loop(live: Live): Promise<void> {
    try {
      for (;;) {
        live.dirty = false;
        const r = live.record;
        if (this.stopped || isTerminal(r.runtimeStatus) || r.runtimeStatus === "Suspended") break;
        if (r.inbox.length === 0 && !live.needsProbe) break;
        live.needsProbe = false;
        await this.replayOnce(live);
        if (!live.dirty && live.record.inbox.length === 0) break;
      }
    } catch (err) {
      this.log("error", live.record.name, `durable: replay of ${live.record.instanceId} failed:`, err);
      await this.finish(live, "Failed", json(err instanceof Error ? err.message : String(err)));
    } finally {
      live.busy = false;
    }
  }

  private async replayOnce(live: Live): Promise<void> {
    const r = live.record;
    const reg = this.orchestrations.get(r.name);
    if (!reg) {
      await this.finish(live, "Failed", json(`No orchestrator function named "${r.name}" is registered.`));
      return;
    }
    // A new episode: everything before it has been seen; the inbox becomes new history.
    let episodeAt = this.virtualNow(r) + (r.history.length ? 1 : 0);
    for (const e of r.inbox)
      if (e.EventType === Ev.TimerFired && typeof e.FireAt === "string") episodeAt = Math.max(episodeAt, Date.parse(e.FireAt));
    for (const e of r.history) e.IsPlayed = true;
    r.history.push(this.event(Ev.OrchestratorStarted, -1, {}, new Date(episodeAt)));
    r.history.push(...r.inbox.map((e) => ({ ...e, IsPlayed: false })));
    r.inbox = [];
    if (r.runtimeStatus === "Pending") r.runtimeStatus = "Running";

    const context = new InvocationContext({
      functionName: r.name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => this.log(level as DurableLogLevel, r.name, ...args),
      options: { trigger: reg.trigger as Any, extraInputs: [], extraOutputs: [] },
    });
    const scheduled = recordScheduledTasks(context);
    const binding = {
      history: JSON.parse(JSON.stringify(r.history)), // the orchestrator turns Timestamp text into Dates in place
      input: safeParse(r.input),
      instanceId: r.instanceId,
      isReplaying: false,
      parentInstanceId: r.parentInstanceId ?? "",
      upperSchemaVersion: REPLAY_SCHEMA_V3,
      longRunningTimerIntervalDuration: "3.00:00:00",
      maximumShortTimerDuration: "6.00:00:00",
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    let state: Any;
    let failure: unknown;
    try {
      state = await callHandler(reg, context, [binding]);
    } catch (err) {
      failure = err;
    }
    if (isTerminal(r.runtimeStatus)) return; // terminated while replaying
    const nonDeterminism = replayMismatch(r.history, scheduled, failure === undefined);
    if (nonDeterminism) {
      this.log("error", r.name, `durable: ${r.instanceId}: ${nonDeterminism}`);
      await this.finish(live, "Failed", json(`Non-Deterministic workflow detected: ${nonDeterminism}`));
      return;
    }
    if (failure !== undefined) {
      const { message, customStatus } = orchestratorError(failure);
      if (customStatus !== undefined) r.customStatus = json(customStatus);
      await this.finish(live, "Failed", json(`Orchestrator function '${r.name}' failed: ${message}`));
      return;
    }
    r.customStatus = json(state?.customStatus);

    if (state?.isDone) {
      const continueAsNew = flattenActions(state.actions).find((a) => a.actionType === Act.ContinueAsNew);
      if (continueAsNew) {
        this.cancelInflight(live);
        const input = json(decodeActionInput(continueAsNew.input));
        r.input = input;
        r.history = [];
        r.inbox = [this.event(Ev.ExecutionStarted, -1, { Name: r.name, Input: input })];
        this.touch(r);
        await this.persist(live);
        live.dirty = true;
        return;
      }
      await this.finish(live, "Completed", json(state.output));
      return;
    }

    // Still running: start every open task the orchestrator waits for that is not running yet.
    const executor: Any = (context as Any).df?.taskOrchestratorExecutor;
    if (!executor) throw new Error("durable: the orchestrator did not expose its task table (unsupported durable-functions version?)");
    live.waitingOnEvents = Object.keys(executor.openEvents ?? {});
    // timer.cancel() only flags the timer's action: stop waiting for it.
    for (const [id, f] of live.inflight) {
      const t = f.kind === "timer" ? executor.openTasks?.[id] : undefined;
      if (t && typeof t.actionObj === "object" && t.actionObj?.isCanceled) {
        clearTimeout(f.timer);
        live.inflight.delete(id);
      }
    }
    const newEvents: HistoryEventRecord[] = [];
    const at = new Date(episodeAt);
    const schedulingEvents = new Map<number, HistoryEventRecord>();
    for (const e of r.history) {
      if (e.EventType === Ev.TaskScheduled || e.EventType === Ev.TimerCreated || e.EventType === Ev.SubOrchestrationInstanceCreated)
        schedulingEvents.set(e.EventId, e);
    }
    for (const [key, task] of Object.entries(executor.openTasks as Record<string, Any>)) {
      const id = Number(key);
      if (!Number.isInteger(id) || live.inflight.has(id)) continue;
      const problem = this.startTask(live, id, task, at, newEvents, schedulingEvents.get(id));
      if (problem) {
        await this.finish(live, "Failed", json(`Orchestrator function '${r.name}' failed: ${problem}`));
        return;
      }
    }
    r.history.push(...newEvents, this.event(Ev.OrchestratorCompleted, -1, {}, at));
    this.touch(r);
    await this.persist(live);
  }

  /** Starts one open task; returns a reason when the task cannot run locally. */
  /** `existing` is the task's scheduling event when an earlier run (before a restart) recorded it. */
  private startTask(
    live: Live,
    id: number,
    task: Any,
    at: Date,
    scheduled: HistoryEventRecord[],
    existing: HistoryEventRecord | undefined,
  ): string | undefined {
    const r = live.record;
    // A NoOpTask's action is the string "noOp"; real tasks carry an action object.
    let action: Any = typeof task.actionObj === "object" ? task.actionObj : undefined;
    let retryAttempt = false;
    if (!action && task.parent && "retryOptions" in task.parent) {
      // A callActivityWithRetry / callSubOrchestratorWithRetry after a failure: first a retry timer, then the call again.
      const retryTask = task.parent;
      if (retryTask.isWaitingOnTimer) {
        const failures = Math.max(1, Number(retryTask.attemptNumber ?? 2) - 1);
        const fireAt = existing
          ? new Date(String(existing.FireAt))
          : new Date(at.getTime() + retryDelayMs(retryTask.retryOptions, failures));
        if (!existing) scheduled.push(this.event(Ev.TimerCreated, id, { FireAt: fireAt.toISOString() }, at));
        this.startTimer(live, id, fireAt);
        return undefined;
      }
      action = retryTask.actionObj;
      retryAttempt = true;
    }
    if (!action) return `task ${id} has no action the local driver understands`;
    switch (action.actionType) {
      case Act.CallActivity:
      case Act.CallActivityWithRetry: {
        const inputJson = existing ? String(existing.Input ?? "null") : json(decodeActionInput(action.input));
        if (!existing) scheduled.push(this.event(Ev.TaskScheduled, id, { Name: action.functionName, Input: inputJson }, at));
        this.startActivity(live, id, existing ? String(existing.Name) : action.functionName, inputJson);
        return undefined;
      }
      case Act.CreateTimer: {
        if (action.isCanceled) return undefined;
        const fireAt = existing ? new Date(String(existing.FireAt)) : new Date(action.fireAt);
        if (!existing) scheduled.push(this.event(Ev.TimerCreated, id, { FireAt: fireAt.toISOString() }, at));
        this.startTimer(live, id, fireAt);
        return undefined;
      }
      case Act.CallSubOrchestrator:
      case Act.CallSubOrchestratorWithRetry: {
        const childId = existing ? String(existing.InstanceId) : String(action.instanceId || `${r.instanceId}:${id}`);
        const inputJson = existing ? String(existing.Input ?? "null") : json(action.input);
        if (!existing)
          scheduled.push(
            this.event(Ev.SubOrchestrationInstanceCreated, id, { Name: action.functionName, InstanceId: childId, Input: inputJson }, at),
          );
        return this.startSubOrchestration(
          live,
          id,
          existing ? String(existing.Name) : action.functionName,
          childId,
          inputJson,
          retryAttempt,
        );
      }
      case Act.CallEntity:
      case Act.SignalEntity:
      case Act.LockEntities:
        return "durable entities are not supported by the local host";
      case Act.CallHttp:
        return "callHttp is not supported by the local host";
      default:
        return `action type ${action.actionType} is not supported by the local host`;
    }
  }

  private startActivity(live: Live, id: number, name: string, inputJson: string): void {
    live.inflight.set(id, { kind: "activity" });
    const instanceId = live.record.instanceId;
    const work = this.semaphore.run(async () => {
      const reg = this.activities.get(name);
      let completion: HistoryEventRecord;
      try {
        if (!reg) throw new Error(`No activity function named "${name}" is registered.`);
        this.activityExecutions.set(name, (this.activityExecutions.get(name) ?? 0) + 1);
        const context = new InvocationContext({
          functionName: name,
          invocationId: randomUUID(),
          logHandler: (level, ...args) => this.log(level as DurableLogLevel, name, ...args),
          triggerMetadata: { instanceId },
          options: {
            trigger: reg.trigger as Any,
            extraInputs: Object.values(reg.metadata.bindings).filter((b) => b.direction === "in" && b !== reg.trigger) as Any,
            extraOutputs: [],
          },
        });
        this.opts.prepareContext?.(reg, context);
        const result = await callHandler(reg, context, [safeParse(inputJson)]);
        completion = this.event(Ev.TaskCompleted, -1, { TaskScheduledId: id, Result: json(result) });
      } catch (err) {
        this.stats.activityFailures++;
        const e = err instanceof Error ? err : new Error(String(err));
        this.log("warning", name, `activity ${name} failed (instance ${instanceId}): ${e.message}`);
        completion = this.event(Ev.TaskFailed, -1, {
          TaskScheduledId: id,
          Reason: e.message,
          Details: e.stack ?? "",
          FailureDetails: { ErrorType: e.name || "Error", ErrorMessage: e.message, StackTrace: e.stack },
        });
      }
      const current = this.instances.get(instanceId);
      if (current !== live || isTerminal(live.record.runtimeStatus)) return;
      live.inflight.delete(id);
      live.record.inbox.push(completion);
      await this.persist(live);
      this.kick(live);
    });
    void this.track(work);
  }

  private startTimer(live: Live, id: number, fireAt: Date): void {
    const wait = Math.max(0, (fireAt.getTime() - this.virtualNow(live.record)) / this.timeScale);
    const entry: InFlight = { kind: "timer", dueAt: Date.now() + wait };
    entry.timer = setTimeout(() => {
      if (this.stopped || this.instances.get(live.record.instanceId) !== live || isTerminal(live.record.runtimeStatus)) return;
      live.inflight.delete(id);
      live.record.inbox.push(this.event(Ev.TimerFired, -1, { TimerId: id, FireAt: fireAt.toISOString() }));
      void this.track(this.persist(live));
      this.kick(live);
    }, wait);
    live.inflight.set(id, entry);
  }

  private startSubOrchestration(
    live: Live,
    id: number,
    name: string,
    childId: string,
    inputJson: string,
    retryAttempt: boolean,
  ): string | undefined {
    if (!this.orchestrations.has(name)) return `No orchestrator function named "${name}" is registered.`;
    live.inflight.set(id, { kind: "sub", childId });
    const parent = { instanceId: live.record.instanceId, taskId: id };
    let child = this.instances.get(childId);
    if (child && retryAttempt && child.record.runtimeStatus === "Failed") {
      this.instances.delete(childId);
      child = undefined;
    }
    if (!child) {
      child = this.createInstance(name, childId, inputJson, parent);
      void this.track(this.persist(child));
      this.kick(child);
    } else {
      child.record.parentInstanceId = parent.instanceId;
      child.record.parentTaskId = parent.taskId;
      if (isTerminal(child.record.runtimeStatus)) this.notifyParent(child.record);
    }
    return undefined;
  }

  private notifyParent(child: InstanceRecord): void {
    if (!child.parentInstanceId || child.parentTaskId === undefined) return;
    const parent = this.instances.get(child.parentInstanceId);
    if (!parent || isTerminal(parent.record.runtimeStatus)) return;
    const taskId = child.parentTaskId;
    if (!parent.inflight.has(taskId)) return;
    parent.inflight.delete(taskId);
    if (child.runtimeStatus === "Completed") {
      parent.record.inbox.push(this.event(Ev.SubOrchestrationInstanceCompleted, -1, { TaskScheduledId: taskId, Result: child.output }));
    } else {
      const message = String(safeParse(child.output) ?? child.runtimeStatus);
      parent.record.inbox.push(
        this.event(Ev.SubOrchestrationInstanceFailed, -1, {
          TaskScheduledId: taskId,
          Reason: message,
          Details: "",
          FailureDetails: { ErrorType: "OrchestrationFailure", ErrorMessage: message },
        }),
      );
    }
    void this.track(this.persist(parent));
    this.kick(parent);
  }

  private cancelInflight(live: Live): void {
    for (const f of live.inflight.values()) if (f.timer) clearTimeout(f.timer);
    live.inflight.clear();
  }

  private async finish(live: Live, status: RuntimeStatus, outputJson: string): Promise<void> {
    const r = live.record;
    this.cancelInflight(live);
    live.finishing = true;
    r.runtimeStatus = status;
    r.output = outputJson;
    live.waitingOnEvents = [];
    this.touch(r);
    // Counted before the write: from here on the instance reads as finished, so a summary taken while the file
    // is being written must already list it.
    this.finishedSinceStart.push({
      instanceId: r.instanceId,
      name: r.name,
      runtimeStatus: status,
      error: status === "Failed" ? String(safeParse(outputJson)) : undefined,
    });
    try {
      await this.persist(live);
    } finally {
      live.finishing = false;
    }
    if (status === "Completed") this.stats.orchestrationsCompleted++;
    if (status === "Failed") {
      this.stats.orchestrationsFailed++;
      this.log("error", r.name, `orchestration ${r.instanceId} failed: ${String(safeParse(outputJson))}`);
    }
    const waiters = live.waiters.splice(0);
    waiters.forEach((w) => w(r));
    this.notifyParent(r);
  }

  private toStatus(r: InstanceRecord, options: { showHistory?: boolean; showInput?: boolean }): OrchestrationStatus {
    const status: OrchestrationStatus = {
      name: r.name,
      instanceId: r.instanceId,
      runtimeStatus: r.runtimeStatus,
      input: options.showInput === false ? null : safeParse(r.input),
      customStatus: safeParse(r.customStatus),
      output: safeParse(r.output),
      createdTime: r.createdTime,
      lastUpdatedTime: r.lastUpdatedTime,
    };
    if (options.showHistory) status.historyEvents = r.history.map((e) => ({ ...e }));
    return status;
  }

  private log(level: DurableLogLevel, functionName: string, ...args: unknown[]): void {
    this.opts.log?.(level, functionName, ...args);
  }
}

/** Thrown when a caller names an orchestrator function that is not registered (HTTP 400/404). */
export class UnknownFunctionError extends Error {
  override name = "UnknownFunctionError";
}
