/**
 * A one-line progress bar for long command-line work (the settlement preview of a large file, the benchmark,
 * a backfill followed from the command line). Drawn only on a terminal: on a pipe, a file or with --json the
 * bar is a no-op, so machine output stays clean. Redrawn at most every 100 ms, on stderr by default.
 *
 *   const bar = progressBar("reading", { total: size, unit: "bytes" });
 *   bar.update(done);  ...  bar.done();
 */
export interface ProgressBar {
  /** Sets how far the work is; `total` may change (or become known) on the way. */
  update(done: number, options?: { total?: number; label?: string }): void;
  /** Clears the bar (the caller prints its result after). */
  done(): void;
}

export interface ProgressOptions {
  total?: number;
  unit?: "bytes" | "items" | "steps";
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** False turns the bar off (e.g. --json). */
  enabled?: boolean;
  width?: number;
}

const noop: ProgressBar = { update() {}, done() {} };

function amount(n: number, unit: ProgressOptions["unit"]): string {
  if (unit !== "bytes") return n.toLocaleString("en-US");
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${n} B`;
}

/** The bar's text (without the carriage return), for a width in columns. */
export function renderProgress(
  label: string,
  done: number,
  total: number | undefined,
  unit: ProgressOptions["unit"],
  seconds: number,
  width = 80,
): string {
  const counts = total ? `${amount(done, unit)}/${amount(total, unit)}` : amount(done, unit);
  const time = `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  if (!total) return `${label} ${counts} ${time}`.slice(0, width - 1);
  const ratio = Math.max(0, Math.min(1, done / total));
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const room = Math.max(10, Math.min(40, width - label.length - counts.length - time.length - percent.length - 6));
  const filled = Math.round(ratio * room);
  return `${label} [${"#".repeat(filled)}${"-".repeat(room - filled)}] ${percent} ${counts} ${time}`.slice(0, width - 1);
}

export function progressBar(label: string, options: ProgressOptions = {}): ProgressBar {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || !stream.isTTY) return noop;
  const started = Date.now();
  let total = options.total;
  let name = label;
  let last = 0;
  let drawn = false;
  return {
    update(done, o = {}) {
      if (o.total !== undefined) total = o.total;
      if (o.label !== undefined) name = o.label;
      const now = Date.now();
      if (drawn && now - last < 100 && !(total && done >= total)) return;
      last = now;
      drawn = true;
      stream.write(
        `\r\x1b[K${renderProgress(name, done, total, options.unit, (now - started) / 1000, options.width ?? stream.columns ?? 80)}`,
      );
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
