import { useEffect, useState } from 'react';
import type { EventFilter, ValueCounts, ValueMatch } from '../../../shared/api';
import { GRID_COLUMNS, VALUE_FIELDS, shortenMiddle } from '../../../shared/event-columns';
import { call, number } from '../api-client';
import { useView } from '../view-state';
import { Popover } from './popover';

/**
 * Filtering on a value the analyst is looking at: a cell of the grid, a field of the raw record, a
 * column's commonest values. "Only" keeps the events with that value (replacing another "only" on
 * the same field: two would match nothing); "hide" drops them, and several hides add up.
 */

export const fieldLabel = (field: string): string =>
  field.startsWith('raw:') ? field.slice(5).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~')).join('.') : (GRID_COLUMNS.find((c) => c.key === field)?.label ?? field);

export function withMatch(filter: EventFilter, match: ValueMatch): ValueMatch[] {
  // "Only X" says everything about its field; "hide X" replaces only what spoke of X.
  const kept = (filter.match ?? []).filter((m) => m.field !== match.field || (match.not && m.value !== match.value));
  return [...kept, match];
}

export interface ValueTarget {
  field: string;
  value: string | null;
  at: { x: number; y: number };
}

/** Only / hide / copy for one value. */
export function ValueMenu({ target, onClose }: { target: ValueTarget; onClose: () => void }) {
  const { filter, setFilter } = useView();
  const shown = target.value === null ? '(empty)' : shortenMiddle(target.value, 60);
  const apply = (not: boolean) => {
    setFilter({ match: withMatch(filter, { field: target.field, value: target.value, not }) });
    onClose();
  };
  return (
    <Popover at={target.at} label={`filter on ${fieldLabel(target.field)}`} onClose={onClose}>
      <p className="small muted" title={target.value ?? ''}>{fieldLabel(target.field)}: <span className="mono">{shown}</span></p>
      <div className="menu">
        <button type="button" onClick={() => apply(false)}>Only this value <kbd>=</kbd></button>
        <button type="button" onClick={() => apply(true)}>Hide this value <kbd>≠</kbd></button>
        {target.value !== null && (
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(target.value ?? '').finally(onClose)}>Copy</button>
        )}
      </div>
    </Popover>
  );
}

/** A column's commonest values among the events shown (its own value filters aside), with counts. */
export function ColumnValues({ casePath, field, at, onClose }: { casePath: string; field: string; at: { x: number; y: number }; onClose: () => void }) {
  const { filter, setFilter } = useView();
  const [counts, setCounts] = useState<ValueCounts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const others = { ...filter, match: (filter.match ?? []).filter((m) => m.field !== field) };
  useEffect(() => {
    void call('events.values', { casePath, filter: others, field, limit: 50 }).then((r) => (r.ok ? setCounts(r.value) : setError(r.error.message)));
  }, [casePath, field, JSON.stringify(others)]);
  const apply = (value: string | null, not: boolean) => {
    setFilter({ match: withMatch(filter, { field, value, not }) });
    onClose();
  };
  const label = fieldLabel(field);
  return (
    <Popover at={at} label={`values of ${label}`} onClose={onClose}>
      <p className="small muted">
        {label}: {counts ? `${number(counts.distinct)} distinct value${counts.distinct === 1 ? '' : 's'}${counts.distinct > counts.values.length ? `, the ${counts.values.length} commonest` : ''}` : error ?? 'counting…'}
      </p>
      {counts && (
        <table className="value-counts" data-testid="value-counts">
          <tbody>
            {counts.values.map((v) => (
              <tr key={v.value ?? '\u0000'}>
                <td title={v.value ?? ''} className="mono">{v.value === null ? <span className="muted">(empty)</span> : shortenMiddle(v.value, 44)}</td>
                <td className="num">{number(v.events)}</td>
                <td>
                  <button type="button" className="link small" aria-label={`only ${v.value ?? 'empty'}`} onClick={() => apply(v.value, false)}>=</button>{' '}
                  <button type="button" className="link small" aria-label={`hide ${v.value ?? 'empty'}`} onClick={() => apply(v.value, true)}>≠</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Popover>
  );
}

/** The value filters in force, each removable. */
export function MatchChips() {
  const { filter, setFilter } = useView();
  const match = filter.match ?? [];
  return (
    <>
      {match.map((m, i) => (
        <span key={`${m.field}${m.not}${m.value}`} className={`chip${m.not ? ' not' : ''}`} data-testid="value-filter" title={m.value ?? '(empty)'}>
          {fieldLabel(m.field)} {m.not ? '≠' : '='} {m.value === null ? '(empty)' : shortenMiddle(m.value, 40)}{' '}
          <button type="button" className="link" aria-label={`remove the filter ${fieldLabel(m.field)} ${m.not ? 'not ' : ''}${m.value ?? 'empty'}`} onClick={() => setFilter({ match: match.filter((_, j) => j !== i) })}>✕</button>
        </span>
      ))}
    </>
  );
}

/** Columns whose cells can be filtered on by value (times, kinds and byte counts have their own filters). */
export const isValueColumn = (key: string): boolean => (VALUE_FIELDS as readonly string[]).includes(key);
