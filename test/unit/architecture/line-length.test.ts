/**
 * Lines stay readable: no line of TypeScript in src/, test/ or scripts/ is longer than 160 characters, except
 * a line that is one string, template or regular-expression literal (a message, a wire sample, a URL), or a
 * test's title, which cannot be broken without changing what it says. Biome formats to 140 columns; this
 * catches what it leaves.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../../..");
const MAX = 160;

/** A line that is a single literal, optionally after `return`, `?`, `:` or `key:`, and before `,` `;` `+` `)`. */
/** `it("...", async () => {` and the like: the title is the test's name. */
const TITLE_LINE = /^(it|test|describe)(\.\w+)?\((".*"|'.*'|`.*`), (async )?\(\) => \{$/;
const LITERAL_LINE = /^(return |[?:] |[\w$"']+: )?(".*"|'.*'|`.*`|\/.*\/[dgimsuy]*)(\s*[,;)+])*$/;

function longLines(text: string): { line: number; length: number }[] {
  return text
    .split("\n")
    .map((l, i) => ({ line: i + 1, length: l.length, text: l.trim() }))
    .filter((l) => l.length > MAX && !LITERAL_LINE.test(l.text) && !TITLE_LINE.test(l.text))
    .map(({ line, length }) => ({ line, length }));
}

describe("line length", () => {
  it("keeps every line of code within 160 characters", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "src", "test", "scripts"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => f.endsWith(".ts") && existsSync(join(ROOT, f)));
    expect(files.length).toBeGreaterThan(100);
    const over = files.flatMap((f) => longLines(readFileSync(join(ROOT, f), "utf8")).map((l) => `${f}:${l.line} (${l.length})`));
    expect(over).toEqual([]);
  });

  it("tells a long literal from long code", () => {
    const literal = `      "${"x".repeat(200)}",`;
    const code = `    const value = compute(${"argument, ".repeat(20)});`;
    const title = `  it("${"reads well ".repeat(20)}", async () => {`;
    expect(longLines(`${literal}\n${code}\n${title}`)).toEqual([{ line: 2, length: code.length }]);
  });
});
