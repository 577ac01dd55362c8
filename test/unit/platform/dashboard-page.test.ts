/**
 * The dashboard page as GET /api/dashboard answers it, without a browser: its three source files inlined into
 * one document, with a Content-Security-Policy that allows exactly those inline blocks.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dashboard } from "../../../src/functions/dashboard";
import { buildDashboardPage, DASHBOARD_FILES } from "../../../src/platform/dashboard/page";

const SRC = join(__dirname, "..", "..", "..", "src", "platform", "dashboard");
const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

describe("the dashboard page", () => {
  it("inlines dashboard.css and dashboard.js and allows exactly those blocks in its Content-Security-Policy", async () => {
    const res = await dashboard();
    expect(res.status).toBe(200);
    const html = String(res.body);
    const headers = res.headers as Record<string, string>;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(style).toBe(`\n${readFileSync(join(SRC, "dashboard.css"), "utf8")}`);
    expect(script).toBe(`\n${readFileSync(join(SRC, "dashboard.js"), "utf8")}`);
    const csp = headers["Content-Security-Policy"]!;
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(headers["Referrer-Policy"]).toBe("no-referrer");
    expect(html).not.toContain("data-inline");
    // What a laptop downloads every time the page is opened (the data comes from the JSON routes).
    expect(Buffer.byteLength(html)).toBeLessThan(64 * 1024);
  });

  it("says which file is missing, and refuses a script that would close its own element", () => {
    const dir = mkdtempSync(join(tmpdir(), "dashboard-page-"));
    for (const f of DASHBOARD_FILES) writeFileSync(join(dir, f), readFileSync(join(SRC, f), "utf8"));
    writeFileSync(join(dir, "dashboard.js"), 'document.body.append("</script>");');
    expect(() => buildDashboardPage(dir)).toThrow(/dashboard\.js must not contain <\/script/);
    expect(() => buildDashboardPage(join(dir, "nowhere"))).toThrow(/the dashboard's dashboard\.html is missing/);
  });
});
