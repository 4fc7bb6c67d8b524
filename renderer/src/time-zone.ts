import { create } from 'zustand';
import { type Zone, formatTime, isValidZone } from '../../shared/zone-math';

export { COMMON_ZONES, type Zone, formatTime, ianaOf, isValidZone, zoneLabel, zoneText, zonedToUtc } from '../../shared/zone-math';

/** The zone the analyst picked, kept in this browser between sessions. */
const KEY = 'nhi-time-zone';

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


/** Formats with the zone in use; re-renders when the zone changes. */
export function useTimeFormat(): (iso: string | null | undefined) => string {
  const zone = useZone((s) => s.zone);
  return (iso) => formatTime(iso, zone);
}

