/**
 * `d365-amazon orders backfill --from <time> [--to <time>] [--marketplace <id>]... [--api <url>] [--key <key>] [--json]`
 *
 * Starts the order backfill of a period on a running app (`npm start`, or the app in Azure with --api and a
 * function key) and follows it as Power Automate would: POST /api/orders/backfill answers 202 with a Location,
 * polled until it answers 200 with the result. On a terminal a progress bar shows the step (report requested,
 * waiting for Amazon, reading, queueing the orders); the result is printed at the end (one JSON object with
 * --json). Exit 0 when the backfill finished, 1 when it failed.
 */
import { progressBar } from "../platform/progress";

const USAGE =
  "usage: d365-amazon orders backfill --from <ISO time> [--to <ISO time>] [--marketplace <id>]... [--api <url>] [--key <function key>] [--json]";

const STEPS = ["request-report", "wait-for-report", "read-report", "enqueue"] as const;
const STEP_TEXT: Record<string, string> = {
  "request-report": "requesting Amazon's order report",
  "wait-for-report": "waiting for Amazon's report",
  "read-report": "reading the report",
  enqueue: "queueing the orders",
};

interface Status {
  runtimeStatus?: string;
  customStatus?: { step?: string; poll?: number; orders?: number } | null;
  output?: { reportId?: string; status?: string; orders?: number; enqueued?: number; skipped?: number; error?: string } | null;
}

export interface BackfillCliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultIo: BackfillCliIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

export async function runOrdersBackfill(args: string[], io: BackfillCliIo = defaultIo): Promise<number> {
  const value = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const from = value("--from");
  if (!from || args.includes("--help")) {
    io.err(USAGE);
    return from ? 0 : 2;
  }
  const json = args.includes("--json");
  const api = (value("--api") ?? `http://127.0.0.1:${process.env.LOCAL_HTTP_PORT || "7071"}/api`).replace(/\/+$/, "");
  const key = value("--key") ?? process.env.FUNCTION_KEY;
  const marketplaceIds = args.flatMap((a, i) => (a === "--marketplace" && args[i + 1] ? [args[i + 1]!] : []));
  const headers: Record<string, string> = { "content-type": "application/json", ...(key ? { "x-functions-key": key } : {}) };
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  const body = { from, ...(value("--to") ? { to: value("--to") } : {}), ...(marketplaceIds.length ? { marketplaceIds } : {}) };
  let res = await fetch(`${api}/orders/backfill`, { method: "POST", headers, body: JSON.stringify(body) });
  if (res.status !== 202 && res.status !== 200) {
    io.err(`orders backfill: ${res.status} ${await res.text()}`);
    return 1;
  }
  const bar = progressBar("backfill", { total: STEPS.length, unit: "steps", enabled: !json });
  let status: Status = (await res.json()) as Status;
  const location = res.headers.get("location");
  while (res.status === 202 && location) {
    await sleep(Math.min(10, Number(res.headers.get("retry-after") ?? 1)) * 200);
    res = await fetch(location, { headers });
    status = (await res.json()) as Status;
    const step = status.customStatus?.step ?? "";
    const at = Math.max(0, STEPS.indexOf(step as (typeof STEPS)[number]));
    const detail =
      step === "wait-for-report"
        ? ` (poll ${status.customStatus?.poll ?? 0})`
        : step === "enqueue"
          ? ` (${status.customStatus?.orders} orders)`
          : "";
    bar.update(at, { label: `backfill: ${STEP_TEXT[step] ?? status.runtimeStatus ?? "starting"}${detail}` });
  }
  bar.update(STEPS.length);
  bar.done();
  const output = status.output;
  if (json) io.out(JSON.stringify(status, null, 2));
  else if (output)
    io.out(
      `backfill ${output.status}: report ${output.reportId}, ${output.orders} orders, ${output.enqueued} queued for import, ${output.skipped} already imported` +
        (output.error ? ` (${output.error})` : ""),
    );
  else io.out(`backfill ${status.runtimeStatus ?? `answered ${res.status}`}`);
  return status.runtimeStatus === "Completed" && output?.status === "done" ? 0 : 1;
}
