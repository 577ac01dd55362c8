/** Query options ($filter, $select, $orderby, $top, $skip, $count) and key segments, as the simulator reads them. */
import { odataError } from "./errors";
import { checkTypes, enumLiterals, evaluate, FilterError, filterFields, parseFilter, type FieldInfo } from "./filter";
import { ENUM_MEMBERS, ENUM_NAMESPACE, type EntityDef, type PropertyDef } from "./schema";
import type { Row } from "./store";
import { checkValue, defaultValue } from "./values";

export function fieldInfo(def: EntityDef): (field: string) => FieldInfo {
  return (field) => {
    const p = def.properties.get(field);
    const base = p ? { edmType: p.type, empty: defaultValue(p) } : {};
    if (def.enums[field]) return { kind: "enum", enumName: def.enums[field], ...base };
    if (def.numbers.has(field)) return { kind: "number", ...base };
    if (def.dates.has(field)) return { kind: "date", ...base };
    return { kind: "string", ...base };
  };
}

function unknownProperty(def: EntityDef, name: string) {
  return odataError(400, `Could not find a property named '${name}' on type 'Microsoft.Dynamics.DataEntities.${def.typeName}'.`);
}

export function applyFilter(def: EntityDef, rows: Row[], filter: string | null): Row[] {
  if (!filter) return rows;
  let node;
  try {
    node = parseFilter(filter);
  } catch (err) {
    if (err instanceof FilterError) throw odataError(400, err.message);
    throw err;
  }
  for (const f of filterFields(node)) if (!def.fields.has(f)) throw unknownProperty(def, f);
  // ODataLib resolves an enum literal against the model: the type must exist in the namespace and the member be spelled exactly.
  for (const lit of enumLiterals(node)) {
    if (lit.typeName !== `${ENUM_NAMESPACE}.${lit.enumName}` || !(ENUM_MEMBERS[lit.enumName] ?? []).includes(lit.value)) {
      throw odataError(400, `The string '${lit.typeName}'${lit.value}'' is not a valid enumeration type constant.`);
    }
  }
  const info = fieldInfo(def);
  try {
    checkTypes(node, info);
  } catch (err) {
    if (err instanceof FilterError) throw odataError(400, err.message);
    throw err;
  }
  try {
    return rows.filter((r) => evaluate(node, r, info));
  } catch (err) {
    if (err instanceof FilterError) throw odataError(400, err.message);
    throw err;
  }
}

export function applyOrderBy(def: EntityDef, rows: Row[], orderby: string | null): Row[] {
  if (!orderby) return rows;
  const info = fieldInfo(def);
  const keys = orderby.split(",").map((part) => {
    const [field = "", dir = "asc"] = part.trim().split(/\s+/);
    if (!def.fields.has(field)) throw unknownProperty(def, field);
    if (!/^(asc|desc)$/i.test(dir))
      throw odataError(400, `The query specified in the URI is not valid. Invalid $orderby direction '${dir}'.`);
    return { field, desc: dir.toLowerCase() === "desc", kind: info(field).kind };
  });
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const av = a[k.field];
      const bv = b[k.field];
      let c: number;
      if (k.kind === "number") c = Number(av ?? 0) - Number(bv ?? 0);
      else if (k.kind === "date") c = Date.parse(String(av ?? "1900-01-01")) - Date.parse(String(bv ?? "1900-01-01"));
      else
        c = String(av ?? "")
          .toLowerCase()
          .localeCompare(String(bv ?? "").toLowerCase());
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

export function applySelect(def: EntityDef, row: Row, select: string[] | undefined): Row {
  if (!select) return row;
  const out: Row = { "@odata.etag": row["@odata.etag"] };
  for (const f of select) out[f] = row[f] ?? null;
  return out;
}

export function parseSelect(def: EntityDef, select: string | null): string[] | undefined {
  if (!select) return undefined;
  const fields = select
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (fields.length === 1 && fields[0] === "*") return undefined;
  for (const f of fields) if (!def.fields.has(f)) throw unknownProperty(def, f);
  return fields;
}

export function parseNonNegativeInt(name: string, v: string | null): number | undefined {
  if (v === null) return undefined;
  if (!/^\d+$/.test(v))
    throw odataError(
      400,
      `Invalid value '${v}' for $${name} query option found. The $${name} query option requires a non-negative integer value.`,
    );
  return Number(v);
}

/**
 * Parses `(dataAreaId='usmf',SalesOrderNumber='000123')` (already URL-decoded) into values. Each literal
 * must have its key's type, as ODataLib requires: strings quoted, decimals and integers bare
 * (`LineNumber=1`, not `LineNumber='1'`), enums as `Microsoft.Dynamics.DataEntities.<Enum>'<Member>'`.
 */
export function parseKey(def: EntityDef, text: string): Row {
  const inner = text.replace(/^\(/, "").replace(/\)$/, "");
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === "'") {
      if (quoted && inner[i + 1] === "'") {
        cur += "''";
        i++;
        continue;
      }
      quoted = !quoted;
      cur += c;
    } else if (c === "," && !quoted) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur) parts.push(cur);
  const key: Row = {};
  if (parts.length === 1 && !/^\s*\w+\s*=/.test(parts[0]!)) {
    if (def.keys.length !== 1) throw keyError(def);
    key[def.keys[0]!] = keyValue(def, def.keys[0]!, parts[0]!.trim());
  } else {
    for (const p of parts) {
      const eq = p.indexOf("=");
      const name = p.slice(0, eq).trim();
      if (!def.keys.includes(name)) throw keyError(def);
      key[name] = keyValue(def, name, p.slice(eq + 1).trim());
    }
  }
  for (const k of def.keys) if (!(k in key)) throw keyError(def);
  return key;
}

function keyError(def: EntityDef) {
  return odataError(
    400,
    `The number of keys specified in the URI does not match number of key properties for the resource 'Microsoft.Dynamics.DataEntities.${def.typeName}' (keys: ${def.keys.join(", ")}).`,
  );
}

function badKeyLiteral(p: PropertyDef, literal: string) {
  return odataError(
    400,
    `The key value '${literal}' of '${p.name}' is not a valid literal of type '${p.type}'. Bad Request - Error in query syntax.`,
  );
}

function keyValue(def: EntityDef, name: string, v: string): unknown {
  const p = def.properties.get(name)!;
  const quoted = v.length >= 2 && v.startsWith("'") && v.endsWith("'");
  switch (p.kind) {
    case "string":
      if (!quoted) throw badKeyLiteral(p, v);
      return v.slice(1, -1).replace(/''/g, "'");
    case "decimal":
    case "int32":
    case "int64": {
      const m = /^(-?\d+(\.\d+)?)([mMlL])?$/.exec(v);
      if (!m || (p.kind !== "decimal" && m[2])) throw badKeyLiteral(p, v);
      return Number(m[1]);
    }
    case "date":
      if (quoted) throw badKeyLiteral(p, v);
      try {
        return checkValue(p, v);
      } catch {
        throw badKeyLiteral(p, v);
      }
    case "enum": {
      const m = /^([\w.]+)'(.*)'$/.exec(v);
      if (!m || m[1] !== `${ENUM_NAMESPACE}.${p.enumType}` || !(ENUM_MEMBERS[p.enumType!] ?? []).includes(m[2]!)) throw badKeyLiteral(p, v);
      return m[2];
    }
    default:
      return quoted ? v.slice(1, -1) : v;
  }
}

/** A key value as a URL literal of its type (the inverse of parseKey). */
export function keyLiteral(p: PropertyDef, v: unknown): string {
  switch (p.kind) {
    case "decimal":
    case "int32":
    case "int64":
    case "date":
      return String(v);
    case "enum":
      return `${ENUM_NAMESPACE}.${p.enumType}'${String(v)}'`;
    default:
      return `'${String(v).replace(/'/g, "''")}'`;
  }
}
