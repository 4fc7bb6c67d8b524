import { useEffect, useRef, useState } from 'react';
import type { EventFilter } from '../../../shared/api';
import { formatTime, useZone, zoneLabel, zonedToUtc } from '../time-zone';
import { useView } from '../view-state';
import { MatchChips } from '../widgets/value-filter';

type TextKey = 'actor' | 'operation' | 'resource' | 'text' | 'source';
/** Typing pauses this long before the filter runs: a word, not every letter, starts a query. */
const DEBOUNCE_MS = 350;

/**
 * A text filter that applies as the analyst types (debounced; Enter applies at once) and says
 * which state it is in: waiting to apply, applied, or off.
 */
function TextField({ name, label, find = false }: { name: TextKey; label: string; find?: boolean }) {
  const { filter, setFilter } = useView();
  const applied = filter[name] ?? '';
  const [value, setValue] = useState(applied);
  const timer = useRef<number | undefined>(undefined);
  // A filter changed elsewhere (a chip, a saved view, Back) shows here.
  useEffect(() => setValue((v) => (v.trim() === applied ? v : applied)), [applied]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const apply = (next: string) => {
    window.clearTimeout(timer.current);
    if (next.trim() !== applied) setFilter({ [name]: next.trim() } as Partial<EventFilter>);
  };
  const state = value.trim() !== applied ? 'pending' : applied ? 'applied' : 'off';
  return (
    <label className={`filter-field ${state}`}>
      {label}
      <input
        aria-label={`filter ${label}`}
        data-state={state}
        value={value}
        title={state === 'pending' ? 'applies when you stop typing (Enter: now)' : state === 'applied' ? 'filtering' : ''}
        {...(find ? { 'data-find': true } : {})}
        onChange={(e) => {
          const next = e.target.value;
          setValue(next);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => apply(next), DEBOUNCE_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply(e.currentTarget.value);
          else if (e.key === 'Escape' && value) {
            e.stopPropagation();
            setValue('');
            apply('');
          }
        }}
      />
    </label>
  );
}

/** Times are typed in the zone on screen and kept in the filter (and the URL) in UTC; a partial time waits for Enter. */
function TimeField({ name }: { name: 'from' | 'to' }) {
  const { filter, setFilter } = useView();
  const zone = useZone((s) => s.zone);
  const shown = filter[name] ? formatTime(filter[name], zone).replace(/\.0+$/, '') : '';
  const apply = (input: HTMLInputElement) => {
    const text = input.value.trim();
    if (text === shown) return;
    if (text === '') return setFilter({ [name]: undefined });
    const utc = zonedToUtc(text, zone);
    if (!utc) {
      input.setCustomValidity(`${text} is not a time (YYYY-MM-DD HH:MM:SS)`);
      return input.reportValidity();
    }
    input.setCustomValidity('');
    setFilter({ [name]: utc });
  };
  return (
    <label className={`filter-field ${shown ? 'applied' : 'off'}`}>
      {name} ({zoneLabel(zone)})
      <input
        key={`${name}:${filter[name] ?? ''}:${zone}`}
        aria-label={`filter ${name}`}
        defaultValue={shown}
        placeholder="2026-02-14 02:00"
        size={19}
        onKeyDown={(e) => e.key === 'Enter' && apply(e.currentTarget)}
        onBlur={(e) => apply(e.currentTarget)}
      />
    </label>
  );
}

/** A filter with a few fixed values, or any. */
function ChoiceField<K extends 'status' | 'marked'>({ name, choices }: { name: K; choices: NonNullable<EventFilter[K]>[] }) {
  const { filter, setFilter } = useView();
  return (
    <label className={`filter-field ${filter[name] ? 'applied' : 'off'}`}>
      {name}
      <select aria-label={`filter ${name}`} value={filter[name] ?? ''} onChange={(e) => setFilter({ [name]: e.target.value || undefined } as Partial<EventFilter>)}>
        <option value="">any</option>
        {choices.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    </label>
  );
}

/** The filter bar of the events view: every filter in force is visible here, and removable. */
export function EventFilters({ counting, total }: { counting: boolean; total: string }) {
  const { filter, setFilter, clearFilter } = useView();
  return (
    <div className="filters">
      <TimeField name="from" />
      <TimeField name="to" />
      <TextField name="actor" label="actor" />
      <TextField name="operation" label="operation" />
      <TextField name="resource" label="resource" />
      <TextField name="source" label="source" />
      <ChoiceField name="status" choices={['success', 'failure']} />
      <TextField name="text" label="text in raw" find />
      <ChoiceField name="marked" choices={['bookmarked', 'tagged']} />
      <label className={`filter-field check ${filter.nhi ? 'applied' : 'off'}`}>
        machines only
        <input type="checkbox" aria-label="machines only" checked={filter.nhi === true} onChange={(e) => setFilter({ nhi: e.target.checked ? true : undefined })} />
      </label>
      {(['service', 'category', 'tag'] as const).map((key) =>
        filter[key] ? (
          <span key={key} className="chip">
            {key} {filter[key]} <button type="button" className="link" aria-label={`stop filtering on ${key}`} onClick={() => setFilter({ [key]: undefined })}>✕</button>
          </span>
        ) : null,
      )}
      {filter.finding && (
        <span className="chip" data-testid="finding-filter">
          evidence of finding {filter.finding} <button type="button" className="link" aria-label="stop showing the finding's evidence" onClick={() => setFilter({ finding: undefined })}>✕</button>
        </span>
      )}
      <MatchChips />
      {Object.keys(filter).length > 0 && (
        <button type="button" className="link small" onClick={clearFilter}>clear filters</button>
      )}
      <span className="muted" data-testid="event-count" aria-live="polite">{counting ? 'counting…' : total}</span>
    </div>
  );
}
