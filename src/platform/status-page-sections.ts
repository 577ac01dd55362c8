/**
 * Extra sections of `GET /api/status`, contributed by flows (for example the orders flow's count of orders
 * by ledger status), so the status page can say what waits and what needs a person without the platform
 * knowing any flow. The wiring builds the table. A section reads state only; it must be cheap and must not
 * return buyer PII.
 */
import type { StateStore } from "./ports";

export type StatusSection = (state: StateStore) => Promise<object>;

/** Sections by name, in the order the status page shows them. */
export type StatusSections = Record<string, StatusSection>;

export async function collectStatusSections(sections: StatusSections, state: StateStore): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(sections).map(async ([name, section]): Promise<[string, unknown]> => {
      try {
        return [name, await section(state)];
      } catch (err) {
        return [name, { error: err instanceof Error ? err.message : String(err) }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
