/**
 * Azure Functions HTTP route templates (ASP.NET style): literal segments, `{name}`, optional `{name?}`,
 * constraints `{id:int}` / `{id:guid}` / `{id:alpha}` / `{id:bool}` / `{id:long}` / `{id:double}`, and a
 * trailing catch-all `{*rest}`. Literals match case-insensitively, as in Azure.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
  /** Routes with more literal segments win over parameterised ones. */
  specificity: number;
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  double: /^-?\d+(\.\d+)?$/,
  float: /^-?\d+(\.\d+)?$/,
  decimal: /^-?\d+(\.\d+)?$/,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  alpha: /^[a-z]+$/i,
};

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraints?: string[];
}

function parseSegment(raw: string): Segment {
  const m = /^\{(\*)?([A-Za-z_][\w]*)((?::[^}?]+)*)(\?)?\}$/.exec(raw);
  if (!m) return { literal: raw.toLowerCase() };
  const constraints = (m[3] ?? "")
    .split(":")
    .filter(Boolean)
    .map((c) => c.replace(/\(.*\)$/, "").toLowerCase());
  return { param: m[2], catchAll: !!m[1], optional: !!m[4] || !!m[1], constraints };
}

export function compileRoute(template: string): CompiledRoute {
  const clean = template.replace(/^\/+|\/+$/g, "");
  const segments = clean === "" ? [] : clean.split("/").map(parseSegment);
  const specificity = segments.filter((s) => s.literal !== undefined).length * 10 + segments.filter((s) => !s.optional).length;
  return {
    template: clean,
    specificity,
    match(path: string) {
      const parts = path
        .replace(/^\/+|\/+$/g, "")
        .split("/")
        .filter((p) => p !== "");
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        if (seg.catchAll) {
          if (parts.length > i) params[seg.param!] = parts.slice(i).map(decodeURIComponent).join("/");
          return params;
        }
        const part = parts[i];
        if (part === undefined) {
          if (seg.optional) continue;
          return undefined;
        }
        if (seg.literal !== undefined) {
          if (decodeURIComponent(part).toLowerCase() !== seg.literal) return undefined;
          continue;
        }
        const value = decodeURIComponent(part);
        for (const c of seg.constraints ?? []) {
          const re = CONSTRAINTS[c];
          if (re && !re.test(value)) return undefined;
        }
        params[seg.param!] = value;
      }
      return parts.length <= segments.length ? params : undefined;
    },
  };
}
