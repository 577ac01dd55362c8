import type { ShippingAddress } from "./amazon-order";

/**
 * Amazon's shipping address -> D365's one-time delivery address. Amazon sends ISO 3166-1 alpha-2 country
 * codes; D365's DeliveryAddressCountryRegionId uses alpha-3 (`USA`, `GBR`, `DEU`), as in the standard
 * address setup (LogisticsAddressCountryRegion ids). Buyer PII (name, street) only ever goes onto
 * the D365 order; nothing here is logged or stored.
 */
const ALPHA3 = Object.fromEntries(
  (
    "AD:AND AE:ARE AF:AFG AG:ATG AI:AIA AL:ALB AM:ARM AO:AGO AQ:ATA AR:ARG AS:ASM AT:AUT AU:AUS AW:ABW AX:ALA AZ:AZE " +
    "BA:BIH BB:BRB BD:BGD BE:BEL BF:BFA BG:BGR BH:BHR BI:BDI BJ:BEN BL:BLM BM:BMU BN:BRN BO:BOL BQ:BES BR:BRA BS:BHS " +
    "BT:BTN BV:BVT BW:BWA BY:BLR BZ:BLZ CA:CAN CC:CCK CD:COD CF:CAF CG:COG CH:CHE CI:CIV CK:COK CL:CHL CM:CMR CN:CHN " +
    "CO:COL CR:CRI CU:CUB CV:CPV CW:CUW CX:CXR CY:CYP CZ:CZE DE:DEU DJ:DJI DK:DNK DM:DMA DO:DOM DZ:DZA EC:ECU EE:EST " +
    "EG:EGY EH:ESH ER:ERI ES:ESP ET:ETH FI:FIN FJ:FJI FK:FLK FM:FSM FO:FRO FR:FRA GA:GAB GB:GBR GD:GRD GE:GEO GF:GUF " +
    "GG:GGY GH:GHA GI:GIB GL:GRL GM:GMB GN:GIN GP:GLP GQ:GNQ GR:GRC GS:SGS GT:GTM GU:GUM GW:GNB GY:GUY HK:HKG HM:HMD " +
    "HN:HND HR:HRV HT:HTI HU:HUN ID:IDN IE:IRL IL:ISR IM:IMN IN:IND IO:IOT IQ:IRQ IR:IRN IS:ISL IT:ITA JE:JEY JM:JAM " +
    "JO:JOR JP:JPN KE:KEN KG:KGZ KH:KHM KI:KIR KM:COM KN:KNA KP:PRK KR:KOR KW:KWT KY:CYM KZ:KAZ LA:LAO LB:LBN LC:LCA " +
    "LI:LIE LK:LKA LR:LBR LS:LSO LT:LTU LU:LUX LV:LVA LY:LBY MA:MAR MC:MCO MD:MDA ME:MNE MF:MAF MG:MDG MH:MHL MK:MKD " +
    "ML:MLI MM:MMR MN:MNG MO:MAC MP:MNP MQ:MTQ MR:MRT MS:MSR MT:MLT MU:MUS MV:MDV MW:MWI MX:MEX MY:MYS MZ:MOZ NA:NAM " +
    "NC:NCL NE:NER NF:NFK NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL NR:NRU NU:NIU NZ:NZL OM:OMN PA:PAN PE:PER PF:PYF PG:PNG " +
    "PH:PHL PK:PAK PL:POL PM:SPM PN:PCN PR:PRI PS:PSE PT:PRT PW:PLW PY:PRY QA:QAT RE:REU RO:ROU RS:SRB RU:RUS RW:RWA " +
    "SA:SAU SB:SLB SC:SYC SD:SDN SE:SWE SG:SGP SH:SHN SI:SVN SJ:SJM SK:SVK SL:SLE SM:SMR SN:SEN SO:SOM SR:SUR SS:SSD " +
    "ST:STP SV:SLV SX:SXM SY:SYR SZ:SWZ TC:TCA TD:TCD TF:ATF TG:TGO TH:THA TJ:TJK TK:TKL TL:TLS TM:TKM TN:TUN TO:TON " +
    "TR:TUR TT:TTO TV:TUV TW:TWN TZ:TZA UA:UKR UG:UGA UM:UMI US:USA UY:URY UZ:UZB VA:VAT VC:VCT VE:VEN VG:VGB VI:VIR " +
    "VN:VNM VU:VUT WF:WLF WS:WSM YE:YEM YT:MYT ZA:ZAF ZM:ZMB ZW:ZWE"
  )
    .split(" ")
    .map((pair) => pair.split(":") as [string, string]),
);

/** ISO alpha-2 -> alpha-3; `UK` (used by some Amazon tools for Great Britain) counts as GB. Undefined when unknown. */
export function toIso3Country(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const c = code.trim().toUpperCase();
  if (c.length === 3 && Object.values(ALPHA3).includes(c)) return c;
  return ALPHA3[c === "UK" ? "GB" : c];
}

const US_STATES: Record<string, string> = {
  ALABAMA: "AL",
  ALASKA: "AK",
  ARIZONA: "AZ",
  ARKANSAS: "AR",
  CALIFORNIA: "CA",
  COLORADO: "CO",
  CONNECTICUT: "CT",
  DELAWARE: "DE",
  "DISTRICT OF COLUMBIA": "DC",
  FLORIDA: "FL",
  GEORGIA: "GA",
  HAWAII: "HI",
  IDAHO: "ID",
  ILLINOIS: "IL",
  INDIANA: "IN",
  IOWA: "IA",
  KANSAS: "KS",
  KENTUCKY: "KY",
  LOUISIANA: "LA",
  MAINE: "ME",
  MARYLAND: "MD",
  MASSACHUSETTS: "MA",
  MICHIGAN: "MI",
  MINNESOTA: "MN",
  MISSISSIPPI: "MS",
  MISSOURI: "MO",
  MONTANA: "MT",
  NEBRASKA: "NE",
  NEVADA: "NV",
  "NEW HAMPSHIRE": "NH",
  "NEW JERSEY": "NJ",
  "NEW MEXICO": "NM",
  "NEW YORK": "NY",
  "NORTH CAROLINA": "NC",
  "NORTH DAKOTA": "ND",
  OHIO: "OH",
  OKLAHOMA: "OK",
  OREGON: "OR",
  PENNSYLVANIA: "PA",
  "RHODE ISLAND": "RI",
  "SOUTH CAROLINA": "SC",
  "SOUTH DAKOTA": "SD",
  TENNESSEE: "TN",
  TEXAS: "TX",
  UTAH: "UT",
  VERMONT: "VT",
  VIRGINIA: "VA",
  WASHINGTON: "WA",
  "WEST VIRGINIA": "WV",
  WISCONSIN: "WI",
  WYOMING: "WY",
  "PUERTO RICO": "PR",
  GUAM: "GU",
  "VIRGIN ISLANDS": "VI",
  "AMERICAN SAMOA": "AS",
  "NORTHERN MARIANA ISLANDS": "MP",
  "ARMED FORCES AMERICAS": "AA",
  "ARMED FORCES EUROPE": "AE",
  "ARMED FORCES PACIFIC": "AP",
};
const CA_PROVINCES: Record<string, string> = {
  ALBERTA: "AB",
  "BRITISH COLUMBIA": "BC",
  MANITOBA: "MB",
  "NEW BRUNSWICK": "NB",
  "NEWFOUNDLAND AND LABRADOR": "NL",
  "NOVA SCOTIA": "NS",
  ONTARIO: "ON",
  "PRINCE EDWARD ISLAND": "PE",
  QUEBEC: "QC",
  QUÉBEC: "QC",
  SASKATCHEWAN: "SK",
  "NORTHWEST TERRITORIES": "NT",
  NUNAVUT: "NU",
  YUKON: "YT",
};

/**
 * Amazon's StateOrRegion is free text ("CA", "ca", "California", "Calif.", "KENT", "Bayern"); D365 checks
 * DeliveryAddressStateId against the address states of the country (LogisticsAddressState), so a state
 * that is not one of them makes F&O refuse the whole order. US and Canadian names become their postal
 * codes (the lists below). Elsewhere the trimmed, upper-cased value is sent only when it is one of the codes
 * D365 knows for that country (`knownStates`, read through the address states entity), else none: D365
 * takes a blank state, and the city and postal code still place the address.
 */
export function normalizeState(
  countryIso2: string | undefined,
  state: string | undefined,
  knownStates?: ReadonlySet<string>,
): string | undefined {
  if (!state) return undefined;
  const s = state.trim().replace(/\.$/, "").replace(/\s+/g, " ").toUpperCase();
  if (!s) return undefined;
  const country = countryIso2?.trim().toUpperCase();
  const table = country === "US" || country === "USA" ? US_STATES : country === "CA" || country === "CAN" ? CA_PROVINCES : undefined;
  if (table) {
    if (Object.values(table).includes(s)) return s;
    return table[s];
  }
  return knownStates?.has(s) ? s : undefined;
}

export interface D365DeliveryAddress {
  IsDeliveryAddressOrderSpecific: "Yes";
  DeliveryAddressName: string;
  DeliveryAddressStreet?: string;
  DeliveryAddressCity?: string;
  DeliveryAddressStateId?: string;
  DeliveryAddressZipCode?: string;
  DeliveryAddressCountryRegionId: string;
  DeliveryAddressDescription: string;
}

/**
 * The one-time delivery address, or undefined when Amazon gave no country (FBA orders without PII access
 * often carry no address; D365 then uses the marketplace customer's address). An unknown country code
 * returns `{ unknownCountry }` so that the caller can raise a mapping gap.
 */
export function toDeliveryAddress(
  amazonOrderId: string,
  address: ShippingAddress | undefined,
  knownStates?: ReadonlySet<string>,
): D365DeliveryAddress | undefined | { unknownCountry: string } {
  if (!address?.countryCode) return undefined;
  const country = toIso3Country(address.countryCode);
  if (!country) return { unknownCountry: address.countryCode };
  const street = [address.addressLine1, address.addressLine2, address.addressLine3]
    .map((l) => l?.trim())
    .filter(Boolean)
    .join("\n");
  const out: D365DeliveryAddress = {
    IsDeliveryAddressOrderSpecific: "Yes",
    // Without the RDT (no PII roles) Amazon sends no name: the order id keeps the address recognisable.
    DeliveryAddressName: address.name?.trim() || `Amazon ${amazonOrderId}`,
    DeliveryAddressCountryRegionId: country,
    DeliveryAddressDescription: `Amazon ${amazonOrderId}`,
  };
  if (street) out.DeliveryAddressStreet = street;
  if (address.city?.trim()) out.DeliveryAddressCity = address.city.trim();
  const state = normalizeState(address.countryCode, address.stateOrRegion, knownStates);
  if (state) out.DeliveryAddressStateId = state;
  if (address.postalCode?.trim()) out.DeliveryAddressZipCode = address.postalCode.trim();
  return out;
}
