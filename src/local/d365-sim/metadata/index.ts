/**
 * The F&O facts the simulator's schema is built from. `fo-entities.json` holds facts (names, types, keys,
 * enum members) extracted from a 2025 F&O environment's $metadata, regenerated with
 * `npx tsx scripts/generate-d365-metadata.ts <facts.json>`; `unverified.ts` holds the few sets and enums the
 * app uses that the extract does not cover, kept by hand and marked unverified. docs/d365-simulator.md says
 * what is verified and what to check in a first sandbox run.
 */
import factsJson from "./fo-entities.json";
import { UNVERIFIED_ENTITY_SETS, UNVERIFIED_ENUM_TYPES } from "./unverified";

export const ENUM_NAMESPACE = "Microsoft.Dynamics.DataEntities";

/** The Edm primitive types F&O entities use. */
export const EDM_PRIMITIVES = [
  "Edm.String",
  "Edm.Decimal",
  "Edm.Int32",
  "Edm.Int64",
  "Edm.DateTimeOffset",
  "Edm.Date",
  "Edm.Guid",
  "Edm.Boolean",
] as const;
export type EdmPrimitive = (typeof EDM_PRIMITIVES)[number];

export interface PropertyFacts {
  /** An Edm primitive, or `Microsoft.Dynamics.DataEntities.<Enum>` for an enum-typed property. */
  type: string;
  nullable: boolean;
}

export interface EntitySetFacts {
  entityType: string;
  /** "EDMX" when the entity type name was read from $metadata, "inferred" when it is the singular of the set. */
  entityTypeBasis: string;
  keys: string[];
  properties: Record<string, PropertyFacts>;
}

export interface EnumTypeFacts {
  /** Whether the EDMX name was confirmed ("confirmed", "corroborated", "unconfirmed"). */
  basis: string;
  members: Record<string, number>;
}

interface FactsFile {
  entitySets: Record<string, EntitySetFacts>;
  enumTypes: Record<string, EnumTypeFacts>;
}

const facts = factsJson as unknown as FactsFile;

/** Entity sets whose facts come from F&O's $metadata. */
export const VERIFIED_ENTITY_SETS: Readonly<Record<string, EntitySetFacts>> = facts.entitySets;

/** Every entity set the simulator knows: the verified ones, then the hand-kept unverified ones. */
export const ENTITY_SET_FACTS: Readonly<Record<string, EntitySetFacts & { verified: boolean }>> = Object.fromEntries([
  ...Object.entries(facts.entitySets).map(([k, v]) => [k, { ...v, verified: true }]),
  ...Object.entries(UNVERIFIED_ENTITY_SETS).map(([k, v]) => [k, { ...v, verified: false }]),
]);

/** Every enum type the simulator knows, by its EDMX name. */
export const ENUM_TYPE_FACTS: Readonly<Record<string, EnumTypeFacts & { verified: boolean }>> = Object.fromEntries([
  ...Object.entries(facts.enumTypes).map(([k, v]) => [k, { ...v, verified: true }]),
  ...Object.entries(UNVERIFIED_ENUM_TYPES).map(([k, v]) => [k, { ...v, verified: false }]),
]);

for (const name of Object.keys(UNVERIFIED_ENTITY_SETS)) {
  if (facts.entitySets[name]) throw new Error(`unverified.ts redefines ${name}, which fo-entities.json has: remove it there`);
}
