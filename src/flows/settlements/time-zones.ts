/**
 * The time zone of the books a settlement is split in. A settlement row's month is the month of its local
 * posting date in that zone, not of its UTC date: a US sale at 22:00 Pacific on 31 January is a January sale
 * (accounting tools for Amazon moved to the marketplace's time zone for this reason). The zone comes from the
 * mapping's `legalEntities` (the books of the legal entity), else the marketplace's own time zone, else UTC.
 */
import type { SettlementAccounts } from "../../mapping/settlement-accounts";

/**
 * The time zone of each Amazon marketplace (marketplace-name in the flat file, lower case). Amazon.com's
 * reports and Seller Central use Pacific time; the European, Asian and Latin American marketplaces their
 * country's time.
 */
export const MARKETPLACE_TIME_ZONES: Readonly<Record<string, string>> = {
  "amazon.com": "America/Los_Angeles",
  "amazon.ca": "America/Toronto",
  "amazon.com.mx": "America/Mexico_City",
  "amazon.com.br": "America/Sao_Paulo",
  "amazon.co.uk": "Europe/London",
  "amazon.ie": "Europe/Dublin",
  "amazon.de": "Europe/Berlin",
  "amazon.fr": "Europe/Paris",
  "amazon.it": "Europe/Rome",
  "amazon.es": "Europe/Madrid",
  "amazon.nl": "Europe/Amsterdam",
  "amazon.com.be": "Europe/Brussels",
  "amazon.se": "Europe/Stockholm",
  "amazon.pl": "Europe/Warsaw",
  "amazon.com.tr": "Europe/Istanbul",
  "amazon.ae": "Asia/Dubai",
  "amazon.sa": "Asia/Riyadh",
  "amazon.eg": "Africa/Cairo",
  "amazon.co.za": "Africa/Johannesburg",
  "amazon.in": "Asia/Kolkata",
  "amazon.sg": "Asia/Singapore",
  "amazon.co.jp": "Asia/Tokyo",
  "amazon.com.au": "Australia/Sydney",
};

/** When no row names an Amazon marketplace (only MCF rows, say): the marketplace the currency is paid out in. */
const CURRENCY_TIME_ZONES: Readonly<Record<string, string>> = {
  USD: "America/Los_Angeles",
  CAD: "America/Toronto",
  MXN: "America/Mexico_City",
  BRL: "America/Sao_Paulo",
  GBP: "Europe/London",
  EUR: "Europe/Berlin",
  SEK: "Europe/Stockholm",
  PLN: "Europe/Warsaw",
  TRY: "Europe/Istanbul",
  AED: "Asia/Dubai",
  SAR: "Asia/Riyadh",
  EGP: "Africa/Cairo",
  ZAR: "Africa/Johannesburg",
  INR: "Asia/Kolkata",
  SGD: "Asia/Singapore",
  JPY: "Asia/Tokyo",
  AUD: "Australia/Sydney",
};

export interface BooksTimeZone {
  zone: string;
  /** Where it came from, for the preview: the mapping, the marketplace's default, the currency's, or none (UTC). */
  source: "mapping" | "marketplace" | "currency" | "utc";
}

/** The books' time zone of a settlement in `currency` on `marketplace` (marketplace-name of its rows). */
export function booksTimeZone(accounts: SettlementAccounts, currency: string, marketplace?: string): BooksTimeZone {
  const configured = accounts.legalEntityFor(currency, marketplace)?.timeZone;
  if (configured) return { zone: configured, source: "mapping" };
  const byMarketplace = marketplace
    ? MARKETPLACE_TIME_ZONES[
        marketplace
          .trim()
          .toLowerCase()
          .replace(/^www\./, "")
      ]
    : undefined;
  if (byMarketplace) return { zone: byMarketplace, source: "marketplace" };
  const byCurrency = CURRENCY_TIME_ZONES[currency];
  if (byCurrency) return { zone: byCurrency, source: "currency" };
  return { zone: "UTC", source: "utc" };
}

/**
 * Local dates in one time zone, cached per time slot. A slot is a UTC quarter-hour "yyyy-MM-ddTHH:mm" (every
 * time zone's offset is a whole number of quarter-hours, so all of a slot falls on one local date) or a bare
 * date "yyyy-MM-dd" for rows that have no time, which is taken as a local date already.
 */
export class LocalDates {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<string, string>();

  constructor(readonly zone: string) {
    // en-CA formats dates as yyyy-MM-dd.
    this.format = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  }

  /** The local date (yyyy-MM-dd) of a slot or of an ISO date-time. */
  of(slotOrInstant: string): string {
    if (slotOrInstant.length === 10) return slotOrInstant;
    let hit = this.cache.get(slotOrInstant);
    if (hit === undefined) {
      const iso = slotOrInstant.length === 16 ? `${slotOrInstant}:00Z` : slotOrInstant;
      hit = this.format.format(new Date(iso));
      this.cache.set(slotOrInstant, hit);
    }
    return hit;
  }
}

/** The UTC quarter-hour of an instant: "2024-09-13T08:45". */
export function timeSlot(time: number): string {
  return new Date(time - (((time % 900_000) + 900_000) % 900_000)).toISOString().slice(0, 16);
}
