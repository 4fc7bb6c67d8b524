import { useVirtualizer } from '@tanstack/react-virtual';
import { tableFromIPC } from 'apache-arrow';
import { useEffect, useRef, useState } from 'react';
import { EVENT_PAGE_COLUMNS, type EventDetail } from '../../shared/api';
import { base64Bytes, bytes, call, number } from './api-client';
import { useCase } from './case/case-store';
import { JournalNotes } from './journal-notes';
import { ExportBar } from './export-bar';
import { formatTime, useTimeFormat, useZone, zoneLabel, zoneText, zonedToUtc } from './time-zone';
import { type SortColumn, useView } from './view-state';

type EventRow = Record<(typeof EVENT_PAGE_COLUMNS)[number], unknown>;
const PAGE = 200;
const ROW_HEIGHT = 28;
const decode = (b64: string): EventRow[] => (b64 ? [...tableFromIPC(base64Bytes(b64))].map((r) => r.toJSON() as EventRow) : []);

const COLUMNS: { key: SortColumn | 'is_nhi'; label: string; title?: string }[] = [
  { key: 'time', label: 'Time' },
  { key: 'actor_uid', label: 'Actor' },
  { key: 'is_nhi', label: 'Kind' },
  { key: 'operation', label: 'Operation' },
  { key: 'resource_uid', label: 'Resource' },
  { key: 'src_ip', label: 'Source IP' },
  { key: 'status', label: 'Status' },
  { key: 'bytes_out', label: 'Read', title: 'bytes read out of the resource (a download, GetObject)' },
  { key: 'bytes_in', label: 'Written', title: 'bytes written into the resource (an upload, PutObject, the target of a copy)' },
];

/** Every event of the case, filtered and sorted, in a virtual list that loads pages as it scrolls. */
export function EventsView({ casePath }: { casePath: string }) {
  const { filter, setFilter, selected, select, sort, setSort } = useView();
  const revision = useCase((s) => s.revision);
  const zone = useZone((s) => s.zone);
  const time = useTimeFormat();
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<(EventRow | undefined)[]>([]);
  const [error, setError] = useState<string | null>(null);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  /** The generation whose first page (and count) has arrived: later pages wait for it. */
  const counted = useRef(-1);
  const scroller = useRef<HTMLDivElement>(null);

  /** The count of the current query once known (it may arrive before or after its first page). */
  const knownCount = useRef<{ gen: number; total: number } | null>(null);
  const [counting, setCounting] = useState(false);

  async function loadPage(page: number, gen: number) {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    // Counting scans every match (a free-text filter reads all raw records); the first page often
    // needs far less, so it comes on its own and the count follows.
    const r = await call('events.query', { casePath, filter, sort, offset: page * PAGE, limit: PAGE, withTotal: false });
    if (gen !== generation.current) return;
    if (!r.ok) return setError(r.error.message);
    setError(null);
    const decoded = decode(r.value.arrow);
    if (page === 0) {
      counted.current = gen;
      const known = knownCount.current?.gen === gen ? knownCount.current.total : null;
      setTotal(known ?? decoded.length);
      setRows(() => {
        const next = new Array<EventRow | undefined>(known ?? decoded.length);
        decoded.forEach((row, i) => (next[i] = row));
        return next;
      });
      // Marks for the UI benchmark: the first page of a new query is on screen after this paint.
      requestAnimationFrame(() => performance.mark('nhi:events-painted'));
      return;
    }
    setRows((old) => {
      const next = [...old];
      decoded.forEach((row, i) => (next[page * PAGE + i] = row));
      return next;
    });
  }

  async function loadCount(gen: number) {
    setCounting(true);
    const r = await call('events.count', { casePath, filter });
    if (gen !== generation.current) return;
    setCounting(false);
    if (!r.ok) return setError(r.error.message);
    knownCount.current = { gen, total: r.value.total };
    if (counted.current !== gen) return; // the first page will use it
    setTotal(r.value.total);
    setRows((old) => {
      const next = new Array<EventRow | undefined>(r.value.total);
      old.slice(0, r.value.total).forEach((row, i) => (next[i] = row));
      return next;
    });
  }

  useEffect(() => {
    generation.current++;
    loading.current = new Set();
    knownCount.current = null;
    // Keep the old rows on screen until the new first page replaces them: no blank flash.
    void loadPage(0, generation.current);
    void loadCount(generation.current);
    scroller.current?.scrollTo({ top: 0 });
  }, [casePath, JSON.stringify(filter), JSON.stringify(sort), revision]);

  const virtual = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  const items = virtual.getVirtualItems();
  useEffect(() => {
    if (counted.current !== generation.current) return;
    for (const item of items) if (!rows[item.index]) void loadPage(Math.floor(item.index / PAGE), generation.current);
  });

  const selectedIndex = selected ? rows.findIndex((r) => r?.event_uid === selected) : -1;
  function move(delta: number) {
    const next = Math.max(0, Math.min(total - 1, (selectedIndex < 0 ? (items[0]?.index ?? 0) - delta : selectedIndex) + delta));
    const row = rows[next];
    if (row) select(String(row.event_uid));
    virtual.scrollToIndex(next, { align: 'auto' });
  }
  function onKeyDown(e: React.KeyboardEvent) {
    if (e.key === 'ArrowDown' || e.key === 'j') move(1);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(-1);
    else if (e.key === 'PageDown') move(15);
    else if (e.key === 'PageUp') move(-15);
    else if (e.key === 'Home') move(-total);
    else if (e.key === 'End') move(total);
    else if (e.key === 'Escape') select(null);
    else return;
    e.preventDefault();
  }

  const field = (key: 'actor' | 'operation' | 'resource' | 'text' | 'source', label: string, find = false) => (
    <label>
      {label}
      <input
        key={`${key}:${filter[key] ?? ''}`}
        aria-label={`filter ${label}`}
        defaultValue={filter[key] ?? ''}
        {...(find ? { 'data-find': true } : {})}
        onKeyDown={(e) => e.key === 'Enter' && setFilter({ [key]: e.currentTarget.value })}
        onBlur={(e) => e.currentTarget.value !== (filter[key] ?? '') && setFilter({ [key]: e.currentTarget.value })}
      />
    </label>
  );
  // Times are typed in the zone on screen and kept in the filter (and the URL) in UTC.
  const timeField = (key: 'from' | 'to') => {
    const shown = filter[key] ? formatTime(filter[key], zone).replace(/\.0+$/, '') : '';
    const apply = (input: HTMLInputElement) => {
      const text = input.value.trim();
      if (text === shown) return;
      if (text === '') return setFilter({ [key]: undefined });
      const utc = zonedToUtc(text, zone);
      if (!utc) return input.setCustomValidity(`${text} is not a time (YYYY-MM-DD HH:MM:SS)`);
      input.setCustomValidity('');
      setFilter({ [key]: utc });
    };
    return (
      <label>
        {key} ({zoneLabel(zone)})
        <input
          key={`${key}:${filter[key] ?? ''}:${zone}`}
          aria-label={`filter ${key}`}
          defaultValue={shown}
          placeholder="2026-02-14 02:00"
          size={19}
          onKeyDown={(e) => e.key === 'Enter' && apply(e.currentTarget)}
          onBlur={(e) => apply(e.currentTarget)}
        />
      </label>
    );
  };

  return (
    <section aria-label="events" className="events">
      <div className="filters">
        {timeField('from')}
        {timeField('to')}
        {field('actor', 'actor')}
        {field('operation', 'operation')}
        {field('resource', 'resource')}
        {field('source', 'source')}
        <label>
          status
          <select aria-label="filter status" value={filter.status ?? ''} onChange={(e) => setFilter({ status: (e.target.value || undefined) as 'success' | 'failure' | undefined })}>
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
          </select>
        </label>
        {field('text', 'text in raw', true)}
        <label>
          machines only
          <input type="checkbox" aria-label="machines only" checked={filter.nhi === true} onChange={(e) => setFilter({ nhi: e.target.checked ? true : undefined })} />
        </label>
        {Object.keys(filter).length > 0 && (
          <button type="button" className="link small" onClick={() => setFilter({ from: undefined, to: undefined, actor: undefined, operation: undefined, resource: undefined, source: undefined, status: undefined, text: undefined, nhi: undefined, finding: undefined, service: undefined, category: undefined })}>
            clear filters
          </button>
        )}
        {(['service', 'category'] as const).map((key) =>
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
        <span className="muted" data-testid="event-count">{counting ? 'counting…' : `${number(total)} events`}</span>
      </div>
      <ExportBar casePath={casePath} filter={filter} />
      {error && <p className="error" role="alert">{error}</p>}
      <div className="event-layout">
        <div className="event-table" role="grid" aria-label="events" aria-rowcount={total + 1}>
          <div className="event-row header" role="row" aria-rowindex={1}>
            {COLUMNS.map((c) =>
              c.key === 'is_nhi' ? (
                <span key={c.key} role="columnheader">{c.label}</span>
              ) : (
                <span key={c.key} role="columnheader" aria-sort={sort.column === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" className="sort" onClick={() => setSort({ column: c.key as SortColumn, descending: sort.column === c.key ? !sort.descending : c.key === 'bytes_out' || c.key === 'bytes_in' })} title={c.title}>
                    {c.key === 'time' ? `Time (${zoneLabel(zone)})` : c.label}
                    {sort.column === c.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                  </button>
                </span>
              ),
            )}
          </div>
          <div ref={scroller} className="event-list" role="rowgroup" tabIndex={0} onKeyDown={onKeyDown} data-testid="event-list">
            <div style={{ height: virtual.getTotalSize() }} className="event-canvas">
              {items.map((item) => {
                const row = rows[item.index];
                return (
                  <div
                    key={item.key}
                    role="row"
                    aria-rowindex={item.index + 2}
                    aria-selected={row !== undefined && row.event_uid === selected}
                    className={`event-row${row && row.event_uid === selected ? ' selected' : ''}`}
                    style={{ transform: `translateY(${item.start}px)` }}
                    onClick={() => row && select(String(row.event_uid))}
                  >
                    {row ? (
                      <>
                        <span role="gridcell" title={String(row.time)}>{time(String(row.time))}</span>
                        <span role="gridcell" title={String(row.actor_uid ?? '')}>{String(row.actor_display ?? row.actor_uid ?? '')}</span>
                        <span role="gridcell">{row.is_nhi === true ? 'machine' : row.is_nhi === false ? 'human' : '?'}</span>
                        <span role="gridcell">{String(row.operation)}</span>
                        <span role="gridcell" title={String(row.resource_uid ?? '')}>{String(row.resource_uid ?? '')}</span>
                        <span role="gridcell">{String(row.src_ip ?? '')}</span>
                        <span role="gridcell" className={row.status === 'failure' ? 'fail' : ''}>{String(row.status)}</span>
                        <span role="gridcell" className="num">{row.bytes_out ? bytes(row.bytes_out as number) : ''}</span>
                        <span role="gridcell" className="num">{row.bytes_in ? bytes(row.bytes_in as number) : ''}</span>
                      </>
                    ) : (
                      <span role="gridcell" className="muted">…</span>
                    )}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
        {selected && <EventPanel casePath={casePath} eventUid={selected} onClose={() => select(null)} />}
      </div>
    </section>
  );
}

/** The raw record as written in the evidence, where it came from, and who stands behind it. */
function EventPanel({ casePath, eventUid, onClose }: { casePath: string; eventUid: string; onClose: () => void }) {
  const { go } = useView();
  const zone = useZone((s) => s.zone);
  const [detail, setDetail] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDetail(null);
    setError(null);
    void call('event.detail', { casePath, eventUid }).then((r) => (r.ok ? setDetail(r.value) : setError(r.error.message)));
  }, [casePath, eventUid]);
  if (error) return <aside className="event-panel error">{error}</aside>;
  if (!detail) return <aside className="event-panel muted">Loading…</aside>;
  let pretty = detail.raw;
  try {
    pretty = JSON.stringify(JSON.parse(detail.raw), null, 2);
  } catch {
    // CSV records and the like are shown as they are.
  }
  const p = detail.provenance;
  const actor = typeof detail.event.actor_uid === 'string' ? detail.event.actor_uid : null;
  return (
    <aside className="event-panel" aria-label="event detail">
      <div className="toolbar">
        <strong>{String(detail.event.operation)}</strong>
        <span className="muted">{formatTime(String(detail.event.time), zone)} {zoneLabel(zone)}</span>
        <span className="spacer" />
        <button type="button" className="link" onClick={onClose} aria-label="close event detail">✕</button>
      </div>
      <h3>Who stands behind it</h3>
      <p data-testid="chain">{detail.chain ? zoneText(detail.chain.summary, zone) : 'no chain'}</p>
      {actor && <button type="button" className="link" onClick={() => go('identity', { identity: actor })}>Open the profile of {actor}</button>}
      <h3>Provenance</h3>
      <dl className="provenance" data-testid="provenance">
        <dt>File</dt><dd>{p.path}</dd>
        <dt>SHA-256</dt><dd className="mono">{p.sha256}</dd>
        <dt>Record</dt><dd>#{p.recordNo}, byte {number(p.byteOffset)}</dd>
        <dt>Bundle</dt><dd>{p.sourcePath}</dd>
      </dl>
      {detail.resources.length > 0 && (
        <>
          <h3>Resources</h3>
          <ul className="plain">
            {detail.resources.map((r) => <li key={`${r.role}${r.resource_uid}`}><span className="muted">{r.role}</span> {r.resource_uid}{r.boundary ? <span className="muted"> · {r.boundary}</span> : null}</li>)}
          </ul>
        </>
      )}
      <h3>Notes and tags</h3>
      <JournalNotes casePath={casePath} targetKind="event" targetId={eventUid} />
      <h3>Raw record</h3>
      <pre data-testid="raw">{pretty}</pre>
    </aside>
  );
}
