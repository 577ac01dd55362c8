/**
 * Property values as F&O's OData layer reads them from JSON (IEEE754Compatible=false): Edm.Decimal and the
 * integer types are JSON numbers (a decimal sent as a string is refused), integers have no fraction,
 * Edm.DateTimeOffset is a full date and time with an offset (a bare date is refused), enum members are
 * their exact symbol (case-sensitive, as .NET's Enum.Parse is), and null is refused where the property is
 * not nullable. The same rules check every seeded row, and DMF's text cells are converted with them.
 */
import { odataError, readOnlyField, type SimError } from "./errors";
import { ENUM_MEMBERS, ENUM_NAMESPACE, ENUM_VALUES, type EntityDef, type PropertyDef } from "./schema";

export const EMPTY_DATE = "1900-01-01T12:00:00Z";
export const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** The value F&O returns for a property nobody set (X++ has no nulls: empty string, zero, 1900-01-01, member 0). */
export function defaultValue(p: PropertyDef): unknown {
  switch (p.kind) {
    case "string":
      return "";
    case "decimal":
    case "int32":
    case "int64":
      return 0;
    case "date":
      return EMPTY_DATE;
    case "guid":
      return EMPTY_GUID;
    case "bool":
      return false;
    case "enum": {
      const members = ENUM_VALUES[p.enumType!] ?? {};
      return Object.entries(members).find(([, v]) => v === 0)?.[0] ?? Object.keys(members)[0] ?? "";
    }
  }
}

function cannotConvert(p: PropertyDef, v: unknown): SimError {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return odataError(400, `Cannot convert the literal '${text}' to the expected type '${p.type}'. (property '${p.name}')`);
}

/** ODataLib's answer to a null for a non-nullable property. */
export function nullNotAllowed(p: PropertyDef): SimError {
  const t = `${p.type}[Nullable=False]`;
  return odataError(
    400,
    `A null value was found for the property named '${p.name}', which has the expected type '${t}'. The expected type '${t}' does not allow null values.`,
  );
}

/** The enum error .NET's Enum.Parse gives, which F&O passes on. */
export function enumNotFound(p: PropertyDef, v: unknown): SimError {
  return odataError(
    400,
    `Requested value '${String(v)}' was not found. (property '${p.name}', enum '${ENUM_NAMESPACE}.${p.enumType}', members ${(ENUM_MEMBERS[p.enumType!] ?? []).join(", ")})`,
  );
}

/** Normalizes a DateTimeOffset to the UTC form F&O answers with. */
export function utc(text: string): string {
  return new Date(text).toISOString().replace(/\.000Z$/, "Z");
}

/** Checks a JSON value for a property (null handled by the caller) and returns it as stored. */
export function checkValue(p: PropertyDef, v: unknown): unknown {
  switch (p.kind) {
    case "string":
      if (typeof v !== "string") throw cannotConvert(p, v);
      return v;
    case "decimal":
      if (typeof v !== "number" || !Number.isFinite(v)) throw cannotConvert(p, v);
      return v;
    case "int32":
      if (typeof v !== "number" || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw cannotConvert(p, v);
      return v;
    case "int64":
      if (typeof v !== "number" || !Number.isSafeInteger(v)) throw cannotConvert(p, v);
      return v;
    case "date":
      if (typeof v !== "string" || !DATE_TIME_OFFSET.test(v) || Number.isNaN(Date.parse(v))) throw cannotConvert(p, v);
      return utc(v);
    case "guid":
      if (typeof v !== "string" || !GUID.test(v)) throw cannotConvert(p, v);
      return v;
    case "bool":
      if (typeof v !== "boolean") throw cannotConvert(p, v);
      return v;
    case "enum":
      if (typeof v !== "string" || !(ENUM_MEMBERS[p.enumType!] ?? []).includes(v)) throw enumNotFound(p, v);
      return v;
  }
}

/**
 * Reads a request body as F&O does: unknown properties, values of the wrong type, null for a non-nullable
 * property and computed/read-only fields each refuse the whole write. Returns the values to store.
 */
export function readBody(def: EntityDef, body: Record<string, unknown>, mode: "create" | "update"): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw odataError(400, "The request body must be a JSON object.");
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith("@odata.")) continue;
    const p = def.properties.get(k);
    if (!p) {
      throw odataError(
        400,
        `The property '${k}' does not exist on type 'Microsoft.Dynamics.DataEntities.${def.typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    if (v === null) {
      if (!p.nullable) throw nullNotAllowed(p);
      if (def.computed?.includes(k)) throw readOnlyField(def, k);
      // X++ has no null: an emptied field reads back as its type's empty value.
      if (mode === "update") out[k] = defaultValue(p);
      continue;
    }
    const value = checkValue(p, v);
    if (def.computed?.includes(k)) throw readOnlyField(def, k);
    out[k] = value;
  }
  return out;
}

/** Checks one row against the schema: every field known, every value of its type. Throws naming the field. */
export function checkRow(def: EntityDef, row: Record<string, unknown>, what: string): void {
  for (const [field, value] of Object.entries(row)) {
    const p = def.properties.get(field);
    if (!p) throw new Error(`${what} ${def.set}: '${field}' is not a property of ${def.typeName}`);
    if (value === null || value === undefined) {
      if (!p.nullable) throw new Error(`${what} ${def.set}: '${field}' is null but not nullable`);
      continue;
    }
    try {
      checkValue(p, value);
    } catch (err) {
      throw new Error(`${what} ${def.set}: '${field}' = ${JSON.stringify(value)}: ${(err as Error).message}`);
    }
  }
  for (const k of def.keys) {
    if (row[k] === undefined || row[k] === null) throw new Error(`${what} ${def.set}: key '${k}' is missing`);
  }
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * A DMF text cell as a typed value. DMF reads dates in the source format's date format (ISO `yyyy-MM-dd`,
 * optionally with a time, and `dd-MMM-yyyy` are accepted here), numbers with a dot, and enum cells by
 * symbol or label, ignoring case.
 */
export function fromText(p: PropertyDef, text: string, labels: Record<string, string> = {}): unknown {
  const t = text.trim();
  switch (p.kind) {
    case "string":
      return text;
    case "decimal":
    case "int32":
    case "int64": {
      if (!/^[-+]?\d+(\.\d+)?$/.test(t)) throw cannotConvert(p, text);
      return checkValue(p, Number(t));
    }
    case "date": {
      if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${t}T12:00:00Z`;
      const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(t);
      if (m && MONTHS.includes(m[2]!.toLowerCase())) {
        const month = String(MONTHS.indexOf(m[2]!.toLowerCase()) + 1).padStart(2, "0");
        return `${m[3]}-${month}-${m[1]!.padStart(2, "0")}T12:00:00Z`;
      }
      return checkValue(p, t);
    }
    case "guid":
      return checkValue(p, t);
    case "bool":
      if (/^(true|yes|1)$/i.test(t)) return true;
      if (/^(false|no|0)$/i.test(t)) return false;
      throw cannotConvert(p, text);
    case "enum": {
      const members = ENUM_MEMBERS[p.enumType!] ?? [];
      const bySymbol = members.find((m) => m.toLowerCase() === t.toLowerCase());
      if (bySymbol) return bySymbol;
      const byLabel = Object.entries(labels).find(([label]) => label.toLowerCase() === t.toLowerCase());
      if (byLabel) return byLabel[1];
      throw enumNotFound(p, text);
    }
  }
}
