import { useEffect, useMemo, useState } from 'react';
import type { IdentitySummary } from '../../../shared/api';
import { call, number } from '../api-client';
import { useCase } from '../case/case-store';
import { useTimeFormat } from '../time-zone';
import { useView } from '../view-state';

type SortKey = 'display' | 'isNhi' | 'type' | 'confidence' | 'events' | 'lastSeen';

/** Every actor of the case, machine or human, with why it was classified so; click for its profile. */
export function IdentitiesView({ casePath }: { casePath: string }) {
  const revision = useCase((s) => s.revision);
  const { filter, setFilter, go } = useView();
  const time = useTimeFormat();
  const [all, setAll] = useState<IdentitySummary[]>([]);
  const [text, setText] = useState('');
  const [type, setType] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'events', descending: true });

  useEffect(() => {
    void call('identities.list', { casePath }).then((r) => r.ok && setAll(r.value));
  }, [casePath, revision]);

  const types = useMemo(() => [...new Set(all.map((i) => i.type))].sort(), [all]);
  const rows = useMemo(() => {
    const needle = text.toLowerCase();
    const kept = all.filter(
      (i) => (filter.nhi === undefined || i.isNhi === filter.nhi) && (!type || i.type === type) && (!needle || `${i.uid} ${i.display ?? ''} ${i.reason ?? ''}`.toLowerCase().includes(needle)),
    );
    const value = (i: IdentitySummary) => (sort.key === 'display' ? (i.display ?? i.uid) : sort.key === 'isNhi' ? String(i.isNhi) : i[sort.key]);
    return kept.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sort.descending ? -order : order;
    });
  }, [all, text, type, filter.nhi, sort]);

  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => setSort({ key, descending: sort.key === key ? !sort.descending : key === 'events' || key === 'confidence' })}>
        {label}{sort.key === key ? (sort.descending ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );

  return (
    <section aria-label="identities">
      <div className="filters">
        <label>
          search
          <input aria-label="search identities" value={text} onChange={(e) => setText(e.target.value)} placeholder="name, ARN, reason" data-find />
        </label>
        <label>
          kind
          <select aria-label="machine or human" value={filter.nhi === undefined ? '' : String(filter.nhi)} onChange={(e) => setFilter({ nhi: e.target.value === '' ? undefined : e.target.value === 'true' })}>
            <option value="">all</option>
            <option value="true">machines</option>
            <option value="false">humans</option>
          </select>
        </label>
        <label>
          type
          <select aria-label="identity type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">all</option>
            {types.map((t) => <option key={t}>{t}</option>)}
          </select>
        </label>
        <span className="muted" data-testid="identity-count">{number(rows.length)} of {number(all.length)} identities</span>
      </div>
      <table aria-label="identity list">
        <thead>
          <tr>{header('display', 'Identity')}{header('isNhi', 'Machine?')}{header('type', 'Type')}{header('confidence', 'Confidence')}{header('events', 'Events')}{header('lastSeen', 'Last seen')}<th>Why</th></tr>
        </thead>
        <tbody>
          {rows.map((i) => (
            <tr key={i.uid} title={i.uid}>
              <td><button type="button" className="link" onClick={() => go('identity', { identity: i.uid })}>{i.display ?? i.uid}</button></td>
              <td><span className={`tag ${i.isNhi ? 'machine' : i.isNhi === false ? 'human' : ''}`}>{i.isNhi === null ? '?' : i.isNhi ? 'machine' : 'human'}</span></td>
              <td>{i.type}</td>
              <td>{i.confidence.toFixed(2)}</td>
              <td>{number(i.events)}</td>
              <td>{time(i.lastSeen)}</td>
              <td>{i.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
