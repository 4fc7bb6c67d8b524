import { create } from 'zustand';

/**
 * The zone every time on screen is shown in: UTC unless the analyst picks local time or a named
 * zone. Times travel as ISO strings in UTC with microseconds; only their display changes, and
 * the zone in use is always printed beside them.
 */

export type Zone = 'UTC' | 'local' | string;

const KEY = 'nhi-time-zone';
const LOCAL = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function isValidZone(zone: string): boolean {
  if (zone === 'UTC' || zone === 'local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function initial(): Zone {
  const saved = window.localStorage.getItem(KEY);
  return saved && isValidZone(saved) ? saved : 'UTC';
}

interface ZoneState {
  zone: Zone;
  setZone(zone: Zone): void;
}

export const useZone = create<ZoneState>((set) => ({
  zone: initial(),
  setZone(zone) {
    if (!isValidZone(zone)) return;
    window.localStorage.setItem(KEY, zone);
    set({ zone });
  },
}));

/** The IANA name of a zone setting ('local' is this machine's zone). */
export const ianaOf = (zone: Zone): string => (zone === 'local' ? LOCAL : zone);

/** A short label for the zone in use: `UTC`, `local (Europe/Berlin)`, `America/New_York`. */
export const zoneLabel = (zone: Zone): string => (zone === 'local' ? `local (${LOCAL})` : zone);

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `2026-02-14 02:14:05.123456` in the zone, keeping the microseconds Date would drop (they are
 * the same in every zone). Unparseable text is shown as it is.
 */
export function formatTime(iso: string | null | undefined, zone: Zone): string {
  if (!iso) return '';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  if (!match) return iso;
  const fraction = match[3] ?? '';
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

/** Formats with the zone in use; re-renders when the zone changes. */
export function useTimeFormat(): (iso: string | null | undefined) => string {
  const zone = useZone((s) => s.zone);
  return (iso) => formatTime(iso, zone);
}

/** Common zones offered in the picker; any IANA name can be typed. */
export const COMMON_ZONES = ['UTC', 'local', 'America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney'];
