/**
 * The `$metadata` document the simulator serves: an OData v4 CSDL (EDMX) with every entity type it knows
 * (keys and properties with their Edm or enum type and nullability), every enum type with its members and
 * values, and the entity container with one entity set per type — what metadata/ holds, nothing more
 * (no navigation properties, no MaxLength facets). Real F&O serves thousands of sets; a client generated
 * from this document sees only the simulated ones.
 */
import { ENTITIES, ENUM_NAMESPACE, ENUM_VALUES } from "./schema";

function attr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

export function metadataDocument(): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    "<edmx:DataServices>",
    `<Schema Namespace="${ENUM_NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  for (const e of ENTITIES) {
    out.push(`<EntityType Name="${attr(e.typeName)}">`);
    out.push(`<Key>${e.keys.map((k) => `<PropertyRef Name="${attr(k)}"/>`).join("")}</Key>`);
    for (const p of e.properties.values()) {
      out.push(`<Property Name="${attr(p.name)}" Type="${attr(p.type)}" Nullable="${p.nullable ? "true" : "false"}"/>`);
    }
    out.push("</EntityType>");
  }
  for (const [name, members] of Object.entries(ENUM_VALUES)) {
    out.push(`<EnumType Name="${attr(name)}">`);
    for (const [m, v] of Object.entries(members)) out.push(`<Member Name="${attr(m)}" Value="${v}"/>`);
    out.push("</EnumType>");
  }
  out.push('<EntityContainer Name="Resources">');
  for (const e of ENTITIES) out.push(`<EntitySet Name="${attr(e.set)}" EntityType="${ENUM_NAMESPACE}.${attr(e.typeName)}"/>`);
  out.push("</EntityContainer>", "</Schema>", "</edmx:DataServices>", "</edmx:Edmx>");
  return out.join("");
}
