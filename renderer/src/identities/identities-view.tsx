import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { IdentitySort, IdentitySummary } from '../../../shared/api';
import { call, number } from '../api-client';
import { useCase } from '../case/case-store';
import { useTimeFormat } from '../time-zone';
import { useView } from '../view-state';

type SortKey = IdentitySort['key'];
const PAGE = 200;
const ROW_HEIGHT = 33;
/** Typing pauses this long before the search runs. */
const DEBOUNCE_MS = 250;

/**
 * Every actor of the case, machine or human, with why it was classified so; click for its
 * profile. Filtered, sorted and paged by the database, drawn a screenful at a time: a case can
 * hold a hundred thousand identities.
 */
export function IdentitiesView({ casePath }: { casePath: string }) {
  const revision = useCase((s) => s.revision);
  const { filter, setFilter, go } = useView();
  const time = useTimeFormat();
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const [type, setType] = useState('');
  const [sort, setSort] = useState<IdentitySort>({ key: 'events', descending: true });
  const [total, setTotal] = useState(0);
  const [all, setAll] = useState(0);
  const [types, setTypes] = useState<string[]>([]);
  const [rows, setRows] = useState<(IdentitySummary | undefined)[]>([]);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const loading = useRef(new Set<number>());
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const timer = window.setTimeout(() => setSearch(text.trim()), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  const query = { casePath, ...(filter.nhi !== undefined ? { nhi: filter.nhi } : {}), ...(type ? { type } : {}), ...(search ? { text: search } : {}), sort };
  async function loadPage(page: number, gen: number) {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    const r = await call('identities.page', { ...query, offset: page * PAGE, limit: PAGE });
    if (gen !== generation.current) return;
    if (!r.ok) return setError(r.error.message);
    setError(null);
    const { rows: got, total: matching } = r.value;
    if (page === 0) {
      setTotal(matching);
      setAll(r.value.all ?? 0);
      setTypes(r.value.types ?? []);
      setRows(() => {
        const next = new Array<IdentitySummary | undefined>(matching);
        got.forEach((row, i) => (next[i] = row));
        return next;
      });
      return;
    }
    setRows((old) => {
      const next = [...old];
      got.forEach((row, i) => (next[page * PAGE + i] = row));
      return next;
    });
  }
  useEffect(() => {
    generation.current++;
    loading.current = new Set();
    void loadPage(0, generation.current);
    scroller.current?.scrollTo({ top: 0 });
  }, [casePath, revision, filter.nhi, type, search, sort.key, sort.descending]);

  const virtual = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 15 });
  const items = virtual.getVirtualItems();
  useEffect(() => {
    for (const item of items) if (!rows[item.index]) void loadPage(Math.floor(item.index / PAGE), generation.current);
  });
  const before = items[0]?.start ?? 0;
  const after = virtual.getTotalSize() - (items[items.length - 1]?.end ?? 0);

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
        <span className="muted" data-testid="identity-count">{number(total)} of {number(all)} identities</span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="identity-scroll" ref={scroller}>
        <table aria-label="identity list" aria-rowcount={total + 1} className="identity-table">
          <thead>
            <tr>{header('display', 'Identity')}{header('isNhi', 'Machine?')}{header('type', 'Type')}{header('confidence', 'Confidence')}{header('events', 'Events')}{header('lastSeen', 'Last seen')}<th>Why</th></tr>
          </thead>
          <tbody>
            {before > 0 && <tr aria-hidden="true" style={{ height: before }} />}
            {items.map((item) => {
              const i = rows[item.index];
              if (!i) return <tr key={item.key} aria-rowindex={item.index + 2} style={{ height: ROW_HEIGHT }}><td colSpan={7} className="muted">…</td></tr>;
              return (
                <tr key={item.key} aria-rowindex={item.index + 2} title={i.uid} style={{ height: ROW_HEIGHT }}>
                  <td><button type="button" className="link" onClick={() => go('identity', { identity: i.uid })}>{i.display ?? i.uid}</button></td>
                  <td><span className={`tag ${i.isNhi ? 'machine' : i.isNhi === false ? 'human' : ''}`}>{i.isNhi === null ? '?' : i.isNhi ? 'machine' : 'human'}</span></td>
                  <td>{i.type}</td>
                  <td>{i.confidence.toFixed(2)}</td>
                  <td>{number(i.events)}</td>
                  <td>{time(i.lastSeen)}</td>
                  <td className="why" title={i.reason ?? ''}>{i.reason}</td>
                </tr>
              );
            })}
            {after > 0 && <tr aria-hidden="true" style={{ height: after }} />}
          </tbody>
        </table>
      </div>
    </section>
  );
}
