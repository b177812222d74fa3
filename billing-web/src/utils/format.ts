// The reader's own languages; named explicitly so tests (jsdom reports en-US) do not depend on the host's LANG.
const locale = (): readonly string[] => navigator.languages;

/** Money kept as integer cents, shown in the currency's usual form: 9900, 'usd' → "$99.00". */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
}

/** A unit price, which may be a fraction of a cent: 0.5, 'usd' → "$0.005"; 200 → "$2.00". */
export function formatUnitPrice(cents: number, currency: string): string {
  return new Intl.NumberFormat(locale(), {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  }).format(cents / 100);
}

/** A price given as a decimal string of cents, precise enough for per-token prices (millionths of a dollar): '0.0002' → "$0.000002". */
export function formatDecimalCents(decimal: string, currency: string): string {
  return new Intl.NumberFormat(locale(), {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: 8,
  }).format(Number(decimal) / 100);
}

/** Whole quantities with grouping: 10000000 → "10,000,000". */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value);
}

export function formatPercent(ratio: number): string {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}

/** A calendar date from an ISO-8601 timestamp: "Dec 1, 2026". */
export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(new Date(iso));
}

/** Date and time from an ISO-8601 timestamp, with the zone so a reset time is not misread. */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}
