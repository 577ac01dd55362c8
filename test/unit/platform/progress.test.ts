import { describe, expect, it } from "vitest";
import { progressBar, renderProgress } from "../../../src/platform/progress";

describe("the progress bar", () => {
  it("shows how far the work is, in bytes or items, within the terminal's width", () => {
    expect(renderProgress("reading big.txt", 512 * 1024 * 1024, 1024 * 1024 * 1024, "bytes", 12.3, 100)).toBe(
      "reading big.txt [####################--------------------]  50% 512.0 MB/1.0 GB 12s",
    );
    expect(renderProgress("bench", 1, 4, "steps", 2, 60).length).toBeLessThan(60);
    expect(renderProgress("backfill", 3, undefined, "items", 1.25)).toBe("backfill 3 1.3s");
  });

  it("draws nothing where the output is not a terminal (a pipe, a file, --json)", () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    const bar = progressBar("x", { total: 10, stream });
    bar.update(5);
    bar.done();
    const tty = { isTTY: true, columns: 80, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    progressBar("x", { total: 10, stream: tty, enabled: false }).update(5);
    expect(written).toEqual([]);
    const shown = progressBar("x", { total: 10, stream: tty });
    shown.update(10);
    shown.done();
    expect(written[0]).toMatch(/^\r\x1b\[Kx \[#+\] 100% 10\/10/);
    expect(written.at(-1)).toBe("\r\x1b[K");
  });
});
