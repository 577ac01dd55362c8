/**
 * The dashboard page (GET /api/dashboard): one HTML document that an admin can leave open. Its source is
 * three plain files beside this module, edited as they are and never compiled: dashboard.html, dashboard.css
 * and dashboard.js (an ES module that reads the app's JSON API and refreshes itself). The build copies them
 * next to the compiled module (scripts/build.js), so the page is the same from the source (`npm start` on
 * tsx) and from dist/ (the Azure package).
 *
 * The CSS and the script are inlined into the one answer, and the Content-Security-Policy allows exactly
 * those two inline blocks (by their SHA-256), calls to the app's own origin, and nothing else. The page's
 * URL may carry the function key (?code=), so it is sent with `Referrer-Policy: no-referrer`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

export const DASHBOARD_FILES = ["dashboard.html", "dashboard.css", "dashboard.js"] as const;

export interface DashboardPage {
  html: string;
  headers: Record<string, string>;
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** Puts the file named by `data-inline` into its empty <style> or <script> element. */
function inline(html: string, tag: "style" | "script", file: string, content: string): string {
  const pattern = new RegExp(`(<${tag}\\b[^>]*?) data-inline="${file.replace(".", "\\.")}"([^>]*>)</${tag}>`);
  if (!pattern.test(html)) throw new Error(`dashboard.html has no <${tag} data-inline="${file}"></${tag}>`);
  if (content.includes(`</${tag}`)) throw new Error(`${file} must not contain </${tag}`);
  return html.replace(pattern, (_m, open: string, rest: string) => `${open}${rest}\n${content}</${tag}>`);
}

/** Builds the page from the files in `dir` (default: beside this module, in src/ or in dist/). */
export function buildDashboardPage(dir: string = __dirname): DashboardPage {
  const read = (name: string) => {
    try {
      return readFileSync(path.join(dir, name), "utf8");
    } catch (err) {
      throw new Error(`the dashboard's ${name} is missing in ${dir} (npm run build copies it): ${(err as Error).message}`);
    }
  };
  const [template, css, js] = DASHBOARD_FILES.map(read) as [string, string, string];
  const html = inline(inline(template, "style", "dashboard.css", css), "script", "dashboard.js", js);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(`\n${js}`)}`,
    `style-src ${sha256(`\n${css}`)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    html,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy": csp,
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
    },
  };
}

let cached: DashboardPage | undefined;

/** The page, read once per process. */
export function dashboardPage(): DashboardPage {
  cached ??= buildDashboardPage();
  return cached;
}
