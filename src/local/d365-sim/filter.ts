/**
 * The `$filter` subset D365 F&O supports: eq ne gt ge lt le, and or not, parentheses, string / number /
 * date / enum / boolean / null literals, and the `eq '*x*'` wildcard. `in`, `has` and functions are
 * refused as D365 refuses them: a 400 "The query specified in the URI is not valid". Operands must have
 * compatible types, as ODataLib requires: a string property is not compared with a number, and an enum
 * property only with a literal of its own enum type, `Microsoft.Dynamics.DataEntities.<Enum>'<Member>'`,
 * the member spelled exactly.
 */
export class FilterError extends Error {}

type Tok =
  | { t: "str"; v: string; pos: number }
  | { t: "num"; v: number; raw: string; pos: number }
  | { t: "date"; v: string; pos: number }
  | { t: "enum"; enumName: string; typeName: string; v: string; pos: number }
  | { t: "id"; v: string; pos: number }
  | { t: "("; pos: number }
  | { t: ")"; pos: number }
  | { t: ","; pos: number };

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "date"; value: string }
  | { kind: "enum"; enumName: string; typeName: string; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "null" };

export type FilterNode =
  | { type: "and" | "or"; left: FilterNode; right: FilterNode }
  | { type: "not"; operand: FilterNode }
  | { type: "cmp"; op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"; field: string; value: Literal; reversed: boolean };

const COMPARISONS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const UNSUPPORTED = new Set(["in", "has", "add", "sub", "mul", "div", "divby", "mod"]);

function syntaxError(text: string, pos: number): FilterError {
  return new FilterError(`The query specified in the URI is not valid. Syntax error at position ${pos} in '${text}'.`);
}

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      toks.push({ t: c, pos: i });
      i++;
      continue;
    }
    if (c === "'") {
      const start = i;
      let v = "";
      i++;
      for (;;) {
        if (i >= text.length)
          throw new FilterError(
            `The query specified in the URI is not valid. There is an unterminated string literal at position ${start} in '${text}'.`,
          );
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i];
        i++;
      }
      toks.push({ t: "str", v, pos: start });
      continue;
    }
    const date = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/.exec(text.slice(i));
    if (date && date[0].length > 4) {
      toks.push({ t: "date", v: date[0], pos: i });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([mMdDfF]|[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      toks.push({ t: "num", v: Number(num[0].replace(/[mMdDfF]$/, "")), raw: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (id) {
      const start = i;
      i += id[0].length;
      if (text[i] === "'" && id[0].includes(".")) {
        // enum literal Namespace.Enum'Symbol'
        const end = text.indexOf("'", i + 1);
        if (end < 0) throw syntaxError(text, i);
        const full = id[0];
        toks.push({ t: "enum", enumName: full.slice(full.lastIndexOf(".") + 1), typeName: full, v: text.slice(i + 1, end), pos: start });
        i = end + 1;
        continue;
      }
      toks.push({ t: "id", v: id[0], pos: start });
      continue;
    }
    throw syntaxError(text, i);
  }
  return toks;
}

export function parseFilter(text: string): FilterNode {
  const toks = tokenize(text);
  let p = 0;
  const peek = () => toks[p];
  const kw = (word: string) => {
    const t = toks[p];
    return t?.t === "id" && t.v.toLowerCase() === word;
  };

  function parseOr(): FilterNode {
    let left = parseAnd();
    while (kw("or")) {
      p++;
      left = { type: "or", left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): FilterNode {
    let left = parseUnary();
    while (kw("and")) {
      p++;
      left = { type: "and", left, right: parseUnary() };
    }
    return left;
  }
  function parseUnary(): FilterNode {
    if (kw("not")) {
      p++;
      return { type: "not", operand: parseUnary() };
    }
    const t = peek();
    if (t?.t === "(") {
      p++;
      const inner = parseOr();
      if (peek()?.t !== ")") throw syntaxError(text, peek()?.pos ?? text.length);
      p++;
      return inner;
    }
    return parseComparison();
  }
  function operand(): { field?: string; value?: Literal } {
    const t = peek();
    if (!t) throw syntaxError(text, text.length);
    p++;
    switch (t.t) {
      case "str":
        return { value: { kind: "string", value: t.v } };
      case "num":
        return { value: { kind: "number", value: t.v } };
      case "date":
        return { value: { kind: "date", value: t.v } };
      case "enum":
        return { value: { kind: "enum", enumName: t.enumName, typeName: t.typeName, value: t.v } };
      case "id": {
        const lower = t.v.toLowerCase();
        if (lower === "true" || lower === "false") return { value: { kind: "bool", value: lower === "true" } };
        if (lower === "null") return { value: { kind: "null" } };
        if (peek()?.t === "(") {
          throw new FilterError(
            `The query specified in the URI is not valid. An unknown function with name '${t.v}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
          );
        }
        return { field: t.v };
      }
      default:
        throw syntaxError(text, t.pos);
    }
  }
  function parseComparison(): FilterNode {
    const left = operand();
    const opTok = peek();
    if (!opTok || opTok.t !== "id") throw syntaxError(text, opTok?.pos ?? text.length);
    const op = opTok.v.toLowerCase();
    if (UNSUPPORTED.has(op)) throw syntaxError(text, opTok.pos);
    if (!COMPARISONS.has(op)) throw syntaxError(text, opTok.pos);
    p++;
    const right = operand();
    if (left.field && right.value) return { type: "cmp", op: op as never, field: left.field, value: right.value, reversed: false };
    if (right.field && left.value) return { type: "cmp", op: op as never, field: right.field, value: left.value, reversed: true };
    throw new FilterError(
      `The query specified in the URI is not valid. The simulator compares a property with a literal only ('${text}').`,
    );
  }

  const node = parseOr();
  if (p < toks.length) throw syntaxError(text, toks[p]!.pos);
  return node;
}

/**
 * Checks every comparison's operand types once, as ODataLib does when it parses the URI (so a wrong literal
 * fails even when no row is there to compare), by evaluating each against an empty row.
 */
export function checkTypes(node: FilterNode, info: (field: string) => FieldInfo): void {
  if (node.type === "cmp") evalCmp(node, {}, info(node.field));
  else if (node.type === "not") checkTypes(node.operand, info);
  else {
    checkTypes(node.left, info);
    checkTypes(node.right, info);
  }
}

/** Enum literals in a filter (to check their type and member against the schema). */
export function enumLiterals(node: FilterNode, out: Extract<Literal, { kind: "enum" }>[] = []): Extract<Literal, { kind: "enum" }>[] {
  if (node.type === "cmp") {
    if (node.value.kind === "enum") out.push(node.value);
  } else if (node.type === "not") enumLiterals(node.operand, out);
  else {
    enumLiterals(node.left, out);
    enumLiterals(node.right, out);
  }
  return out;
}

/** Fields named in a filter (to validate them against the entity). */
export function filterFields(node: FilterNode, out: string[] = []): string[] {
  if (node.type === "cmp") out.push(node.field);
  else if (node.type === "not") filterFields(node.operand, out);
  else {
    filterFields(node.left, out);
    filterFields(node.right, out);
  }
  return out;
}

export interface FieldInfo {
  enumName?: string;
  kind: "string" | "number" | "date" | "enum";
  /** Edm type for messages (default by kind). */
  edmType?: string;
  /** The value of an unset property (F&O has no nulls: "", 0, 1900-01-01, member 0). */
  empty?: unknown;
}

const ENUM_NS = "Microsoft.Dynamics.DataEntities";

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "is");
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Evaluates a parsed filter against a row. `info` gives each property's type; throws FilterError on type mismatches. */
export function evaluate(node: FilterNode, row: Record<string, unknown>, info: (field: string) => FieldInfo): boolean {
  switch (node.type) {
    case "and":
      return evaluate(node.left, row, info) && evaluate(node.right, row, info);
    case "or":
      return evaluate(node.left, row, info) || evaluate(node.right, row, info);
    case "not":
      return !evaluate(node.operand, row, info);
    case "cmp":
      return evalCmp(node, row, info(node.field));
  }
}

function flip(op: string): string {
  return ({ gt: "lt", lt: "gt", ge: "le", le: "ge" } as Record<string, string>)[op] ?? op;
}

function evalCmp(node: Extract<FilterNode, { type: "cmp" }>, row: Record<string, unknown>, fi: FieldInfo): boolean {
  const op = node.reversed ? flip(node.op) : node.op;
  const raw = row[node.field] ?? fi.empty;
  const lit = node.value;
  if (lit.kind === "null") {
    const isNull = raw === null || raw === undefined;
    if (op === "eq") return isNull;
    if (op === "ne") return !isNull;
    return false;
  }
  if (lit.kind === "enum" && lit.typeName !== `${ENUM_NS}.${lit.enumName}`) {
    throw new FilterError(`The string '${lit.typeName}'${lit.value}'' is not a valid enumeration type constant.`);
  }
  if (fi.kind === "enum") {
    if (lit.kind !== "enum" || lit.enumName !== fi.enumName) {
      throw new FilterError(
        `A binary operator with incompatible types was detected. Found operand types '${ENUM_NS}.${fi.enumName}' and '${lit.kind === "enum" ? lit.typeName : edmName(lit)}' for operator kind '${capital(node.op)}'.`,
      );
    }
    if (op !== "eq" && op !== "ne") throw new FilterError(`The enum property '${node.field}' supports only eq and ne.`);
    const same = String(raw ?? "") === lit.value;
    return op === "eq" ? same : !same;
  }
  if (lit.kind === "enum") {
    throw new FilterError(
      `A binary operator with incompatible types was detected. Found operand types '${fi.edmType ?? (fi.kind === "number" ? "Edm.Decimal" : fi.kind === "date" ? "Edm.DateTimeOffset" : "Edm.String")}' and '${lit.typeName}' for operator kind '${capital(node.op)}'.`,
    );
  }
  let a: number | string;
  let b: number | string;
  if (fi.kind === "number") {
    if (lit.kind !== "number") throw incompatible(node, fi.edmType ?? "Edm.Decimal", lit);
    a = Number(raw ?? 0);
    b = lit.value;
  } else if (fi.kind === "date") {
    if (lit.kind !== "date") throw incompatible(node, fi.edmType ?? "Edm.DateTimeOffset", lit);
    a = Date.parse(String(raw ?? "1900-01-01T12:00:00Z"));
    b = Date.parse(lit.value.length === 10 ? `${lit.value}T00:00:00Z` : lit.value);
  } else {
    if (lit.kind !== "string") throw incompatible(node, fi.edmType ?? "Edm.String", lit);
    const s = raw === null || raw === undefined ? "" : String(raw);
    const l = lit.value;
    // D365 (SQL Server collation): string comparison ignores case; `*` in an eq literal is a wildcard.
    if ((op === "eq" || op === "ne") && l.includes("*")) {
      const m = globToRegExp(l).test(s);
      return op === "eq" ? m : !m;
    }
    a = s.toLowerCase();
    b = l.toLowerCase();
  }
  const c = compare(a, b);
  switch (op) {
    case "eq":
      return c === 0;
    case "ne":
      return c !== 0;
    case "gt":
      return c > 0;
    case "ge":
      return c >= 0;
    case "lt":
      return c < 0;
    default:
      return c <= 0;
  }
}

function edmName(lit: Literal): string {
  if (lit.kind === "number") return Number.isInteger(lit.value) ? "Edm.Int32" : "Edm.Decimal";
  if (lit.kind === "enum") return lit.typeName;
  return { string: "Edm.String", date: "Edm.DateTimeOffset", bool: "Edm.Boolean", null: "null" }[lit.kind];
}

function capital(op: string): string {
  return (
    (
      { eq: "Equal", ne: "NotEqual", gt: "GreaterThan", ge: "GreaterThanOrEqual", lt: "LessThan", le: "LessThanOrEqual" } as Record<
        string,
        string
      >
    )[op] ?? op
  );
}

function incompatible(node: Extract<FilterNode, { type: "cmp" }>, fieldType: string, lit: Literal): FilterError {
  return new FilterError(
    `A binary operator with incompatible types was detected. Found operand types '${fieldType}' and '${edmName(lit)}' for operator kind '${capital(node.op)}'.`,
  );
}
