/**
 * Seed: address states (UNVERIFIED entity AddressStates) for the countries whose orders carry state codes
 * F&O knows: the United States and Canada. A region outside these (KENT, BAYERN) is not a state code.
 */
import type { SimStore } from "../store";

export const DEMO_ADDRESS_STATES: Record<string, readonly string[]> = {
  USA: [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "PR",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
  ],
  CAN: ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"],
};

export function seedAddressStates(store: SimStore): void {
  for (const [country, states] of Object.entries(DEMO_ADDRESS_STATES)) {
    for (const state of states) store.put("AddressStates", { CountryRegionId: country, State: state, Description: state }, "seed");
  }
}
