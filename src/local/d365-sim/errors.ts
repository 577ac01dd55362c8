/** D365-shaped error answers: error.code, error.message and innererror.message/type, as F&O writes them. */
import type { EntityDef } from "./schema";

export const WRITE_EXCEPTION = "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException";

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(
      typeof body === "object" && body && "error" in body
        ? String((body as { error: { message: string } }).error.message)
        : `HTTP ${status}`,
    );
  }
}

/** A plain OData error (query syntax, unknown property, not found). */
export function odataError(status: number, message: string): SimError {
  return new SimError(status, {
    error: { code: "", message, innererror: { message, type: "Microsoft.OData.ODataException", stacktrace: "" } },
  });
}

/** A business-logic rejection: "Write failed for table row of type '...'. Infolog: ..." as D365 writes it. */
export function writeFailed(def: EntityDef, infolog: string, status = 400): SimError {
  const message = `Write failed for table row of type '${def.entityClass}'. Infolog: ${infolog}`;
  return new SimError(status, {
    error: { code: "", message: "An error has occurred.", innererror: { message, type: WRITE_EXCEPTION, stacktrace: "" } },
  });
}

/** Duplicate key: D365 answers 500 with the Infolog "The record already exists." */
export function duplicateKey(def: EntityDef, keyText: string): SimError {
  return writeFailed(def, `Info: Cannot create a record in ${def.tableLabel}. ${keyText}. The record already exists.`, 500);
}

export function notFoundInRelated(def: EntityDef, value: unknown, fieldLabel: string, relatedTable: string): SimError {
  return writeFailed(
    def,
    `Error: The value '${String(value)}' in field '${fieldLabel}' is not found in the relating table '${relatedTable}'.`,
  );
}

export function mustBeFilled(def: EntityDef, fieldLabel: string): SimError {
  return writeFailed(def, `Error: Field '${fieldLabel}' must be filled in.`);
}

/**
 * A computed or read-only field in a write: F&O refuses the whole write instead of ignoring the field.
 * (The Infolog wording is the simulator's; docs/d365-simulator.md.)
 */
export function readOnlyField(def: EntityDef, field: string): SimError {
  return writeFailed(def, `Error: Field '${field}' in data entity '${def.entityClass}' is read-only and cannot be set.`);
}
