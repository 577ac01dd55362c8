/**
 * Extra sections of `GET /api/status`, contributed by flows (for example the orders flow's count of orders
 * by ledger status), so the status page can say what waits and what needs a person without the platform
 * knowing any flow. A section reads state only; it must be cheap and must not return buyer PII.
 */
import type { StateStore } from "./ports";

export type StatusSection = (state: StateStore) => Promise<Record<string, unknown>>;

const sections = new Map<string, StatusSection>();

export function registerStatusSection(name: string, section: StatusSection): void {
  sections.set(name, section);
}

export async function collectStatusSections(state: StateStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  await Promise.all(
    [...sections.entries()].map(async ([name, section]) => {
      try {
        out[name] = await section(state);
      } catch (err) {
        out[name] = { error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return out;
}
