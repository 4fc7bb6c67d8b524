import { useState } from 'react';
import { COMMON_ZONES, isValidZone, useZone, zoneLabel } from '../time-zone';

/** The one toggle for the zone every time is shown in; the zone in use is always on screen. */
export function ZonePicker() {
  const { zone, setZone } = useZone();
  const [custom, setCustom] = useState('');
  const options = COMMON_ZONES.includes(zone) ? COMMON_ZONES : [...COMMON_ZONES, zone];
  return (
    <span className="zone">
      <label>
        Times in
        <select aria-label="time zone" value={zone} onChange={(e) => (e.target.value === 'other' ? setCustom(' ') : setZone(e.target.value))}>
          {options.map((z) => <option key={z} value={z}>{zoneLabel(z)}</option>)}
          <option value="other">other zone…</option>
        </select>
      </label>
      {custom && (
        <input
          aria-label="zone name"
          autoFocus
          placeholder="e.g. Europe/Paris"
          defaultValue=""
          onKeyDown={(e) => {
            if (e.key === 'Escape') setCustom('');
            if (e.key !== 'Enter') return;
            const name = e.currentTarget.value.trim();
            if (isValidZone(name)) {
              setZone(name);
              setCustom('');
            } else e.currentTarget.setCustomValidity(`${name} is not a time zone name`);
          }}
        />
      )}
      <button type="button" className="chip" onClick={() => setZone(zone === 'UTC' ? 'local' : 'UTC')} title="Switch between UTC and local time (t)">
        {zone === 'UTC' ? 'UTC' : zoneLabel(zone)}
      </button>
    </span>
  );
}
