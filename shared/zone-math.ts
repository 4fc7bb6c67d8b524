/**
 * The zone every time on screen is shown in: UTC unless the analyst picks local time or a named
 * zone. Times travel as ISO strings in UTC with microseconds; only their display changes, and
 * the zone in use is always printed beside them.
 */

export type Zone = 'UTC' | 'local' | string;

export const LOCAL = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function isValidZone(zone: string): boolean {
  if (zone === 'UTC' || zone === 'local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The IANA name of a zone setting ('local' is this machine's zone). */
export const ianaOf = (zone: Zone): string => (zone === 'local' ? LOCAL : zone);

/** A short label for the zone in use: `UTC`, `local, Europe/Berlin`, `America/New_York` (no nested brackets in "Time (…)"). */
export const zoneLabel = (zone: Zone): string => (zone === 'local' ? `local, ${LOCAL}` : zone);

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `2026-02-14 02:14:05.123456` in the zone, keeping the microseconds Date would drop (they are
 * the same in every zone). Unparseable text is shown as it is.
 */
export function formatTime(iso: string | null | undefined, zone: Zone): string {
  if (!iso) return '';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  if (!match) return iso;
  // Sub-second digits are kept when they say something; an all-zero fraction is noise.
  const fraction = /^\.0+$/.test(match[3] ?? '') ? '' : (match[3] ?? '');
  if (zone === 'UTC') return `${match[1]} ${match[2]}${fraction}`;
  const name = ianaOf(zone);
  let format = formatters.get(name);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: name, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(name, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(`${match[1]}T${match[2]}Z`)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${fraction}`;
}

/** Common zones offered in the picker; any IANA name can be typed. */
export const COMMON_ZONES = ['UTC', 'local', 'America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney'];

/** How far ahead of UTC a zone's wall clock is at an instant, in ms (negative west of Greenwich). */
function zoneOffset(utcMs: number, iana: string): number {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: iana, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A time the analyst typed, read in the zone on screen, as a UTC ISO string for the filters.
 * `2026-02-13 21:14` in America/New_York is `2026-02-14T02:14:00.000Z`. Text with its own `Z` or
 * offset keeps it. Answers null for text that is not a time.
 */
export function zonedToUtc(text: string, zone: Zone): string | null {
  const trimmed = text.trim();
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(trimmed)) {
    const ms = Date.parse(trimmed.replace(' ', 'T'));
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$/.exec(trimmed);
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Math.round(Number(m[7] ?? 0) * 1000));
  if (zone === 'UTC') return new Date(wall).toISOString();
  const iana = ianaOf(zone);
  // The offset at the wall time read as UTC, then again at the result: right across DST changes.
  let utc = wall - zoneOffset(wall, iana);
  utc = wall - zoneOffset(utc, iana);
  return new Date(utc).toISOString();
}

/**
 * Text written by the server (a chain, a finding's explanation) names times in UTC ISO form;
 * shown in the analyst's zone, every such time is rewritten and the zone said once at the end.
 */
export function zoneText(text: string, zone: Zone): string {
  if (zone === 'UTC') return text;
  let changed = false;
  const out = text.replace(/\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?Z\b/g, (_m, day: string, clock: string, fraction: string | undefined) => {
    changed = true;
    return formatTime(`${day}T${clock}${(fraction ?? '').replace(/0+$/, '').replace(/^\.$/, '')}Z`, zone);
  });
  return changed ? `${out} (times in ${zoneLabel(zone)})` : out;
}
