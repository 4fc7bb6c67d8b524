import { sqlString } from './source-parser';

/**
 * SQL that reads a time from a VARCHAR in any of the forms logs use, as a UTC TIMESTAMP (µs),
 * or NULL when it cannot be read (the caller quarantines the record with `no_time`):
 *
 * - ISO 8601 / RFC 3339 with `Z`, an offset or no zone; fractions beyond microseconds (RFC 3339
 *   nanoseconds) are cut to microseconds. A time without a zone is read in `zone` (UTC unless
 *   a mapping says otherwise).
 * - Epoch numbers, the unit told by magnitude for any date after 1973: below 1e11 seconds, below
 *   1e14 milliseconds, below 1e16 microseconds, below 1e18 Windows FILETIME (100 ns ticks since
 *   1601, which is where those values fall for 1970–2286), else nanoseconds. A mapping may name
 *   the unit instead. Fractions are kept (`1771035240.5` is half a second).
 * - RFC 1123 (`Sat, 14 Feb 2026 02:14:00 GMT`) and any strptime `format` a mapping gives.
 */
export type EpochUnit = 's' | 'ms' | 'us' | 'ns' | 'filetime';

export interface TimeOptions {
  /** IANA zone for times written without one. */
  zone?: string;
  /** strptime format, tried before the built-in forms. */
  format?: string;
  /** Force the unit of epoch numbers instead of guessing by magnitude. */
  unit?: EpochUnit;
}

/** Microseconds between 1601-01-01 (FILETIME's epoch) and 1970-01-01. */
const FILETIME_OFFSET_US = 11_644_473_600_000_000n;

function epochMicrosSql(x: string, unit?: EpochUnit): string {
  const scaled: Record<EpochUnit, string> = {
    s: `${x} * 1000000`,
    ms: `${x} * 1000`,
    us: x,
    ns: `${x} / 1000`,
    filetime: `${x} / 10 - ${FILETIME_OFFSET_US}`,
  };
  if (unit) return `CAST(floor(${scaled[unit]}) AS BIGINT)`;
  return `CAST(floor(CASE
    WHEN abs(${x}) < 1e11 THEN ${scaled.s}
    WHEN abs(${x}) < 1e14 THEN ${scaled.ms}
    WHEN abs(${x}) < 1e16 THEN ${scaled.us}
    WHEN abs(${x}) < 1e18 THEN ${scaled.filetime}
    ELSE ${scaled.ns} END) AS BIGINT)`;
}

export function timeSql(value: string, options: TimeOptions = {}): string {
  const v = `trim(${value})`;
  // DECIMAL keeps nanosecond epochs exact, which DOUBLE would not.
  const number = `coalesce(TRY_CAST(${v} AS DECIMAL(38, 9)), TRY_CAST(TRY_CAST(${v} AS DOUBLE) AS DECIMAL(38, 9)))`;
  const hasZone = `regexp_matches(${v}, '(Z|z|[+-][0-9]{2}(:?[0-9]{2})?|\\s(UTC|GMT))$')`;
  const zoned = `TRY_CAST(${v} AS TIMESTAMPTZ)::TIMESTAMP`;
  const local =
    options.zone && options.zone !== 'UTC'
      ? `timezone(${sqlString(options.zone)}, TRY_CAST(${v} AS TIMESTAMP))::TIMESTAMP`
      : `TRY_CAST(${v} AS TIMESTAMP)`;
  const formats = [
    ...(options.format ? [options.format] : []),
    '%a, %d %b %Y %H:%M:%S GMT',
    '%d/%b/%Y:%H:%M:%S %z',
    '%Y/%m/%d %H:%M:%S',
  ];
  const byFormats = formats.map((f) => {
      const parsed = `try_strptime(${v}, ${sqlString(f)})`;
      // A format with %z yields a zoned value; one without is local time in `zone`.
      return /%z|%Z|GMT/.test(f) || !options.zone || options.zone === 'UTC'
        ? `${parsed}::TIMESTAMP`
        : `timezone(${sqlString(options.zone)}, ${parsed}::TIMESTAMP)::TIMESTAMP`;
  });
  // A mapping's own format goes first; the built-in forms after the ISO reading.
  const first = options.format ? [byFormats.shift()!] : [];
  return `(CASE
    WHEN ${value} IS NULL OR ${v} = '' THEN NULL
    WHEN regexp_full_match(${v}, '[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?') THEN try(make_timestamp(${epochMicrosSql(number, options.unit)}))
    ELSE coalesce(${[...first, `CASE WHEN ${hasZone} THEN ${zoned} ELSE ${local} END`, ...byFormats].join(', ')})
  END)`;
}
