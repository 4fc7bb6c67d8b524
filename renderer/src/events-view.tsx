import { useVirtualizer } from '@tanstack/react-virtual';
import { tableFromIPC } from 'apache-arrow';
import { useEffect, useRef, useState } from 'react';
import { EVENT_PAGE_COLUMNS, type EventDetail } from '../../shared/api';
import { useView } from './view-state';

type EventRow = Record<(typeof EVENT_PAGE_COLUMNS)[number], unknown>;
const PAGE = 200;
const decode = (b64: string): EventRow[] => (b64 ? [...tableFromIPC(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))].map((r) => r.toJSON() as EventRow) : []);

/** Every event of the case, filtered, in a virtual list that loads pages as it scrolls. */
export function EventsView({ casePath }: { casePath: string }) {
  const { filter, setFilter, selected, select } = useView();
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<(EventRow | undefined)[]>([]);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);

  async function loadPage(page: number, gen: number) {
    if (!window.nhi || loading.current.has(page)) return;
    loading.current.add(page);
    const r = await window.nhi.call('events.query', { casePath, filter, offset: page * PAGE, limit: PAGE });
    if (gen !== generation.current || !r.ok) return;
    const decoded = decode(r.value.arrow);
    setTotal(r.value.total);
    setRows((old) => {
      const next = old.length === r.value.total ? [...old] : new Array<EventRow | undefined>(r.value.total);
      if (old.length === r.value.total) old.forEach((v, i) => (next[i] = v));
      decoded.forEach((row, i) => (next[page * PAGE + i] = row));
      return next;
    });
  }

  useEffect(() => {
    generation.current++;
    loading.current = new Set();
    setRows([]);
    setTotal(0);
    void loadPage(0, generation.current);
  }, [casePath, JSON.stringify(filter)]);

  const virtual = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => 28, overscan: 20 });
  const items = virtual.getVirtualItems();
  useEffect(() => {
    for (const item of items) if (!rows[item.index]) void loadPage(Math.floor(item.index / PAGE), generation.current);
  });

  const field = (key: 'actor' | 'operation' | 'resource' | 'text' | 'source', label: string) => (
    <label>
      {label}
      <input aria-label={`filter ${label}`} defaultValue={filter[key] ?? ''} onKeyDown={(e) => e.key === 'Enter' && setFilter({ [key]: e.currentTarget.value })} onBlur={(e) => setFilter({ [key]: e.currentTarget.value })} />
    </label>
  );

  return (
    <section aria-label="events" className="events">
      <h2>Events</h2>
      <div className="filters">
        {field('actor', 'actor')}
        {field('operation', 'operation')}
        {field('resource', 'resource')}
        {field('text', 'text in raw')}
        <label>
          machines only
          <input type="checkbox" aria-label="machines only" checked={filter.nhi === true} onChange={(e) => setFilter({ nhi: e.target.checked ? true : undefined })} />
        </label>
        <span className="muted" data-testid="event-count">{total.toLocaleString('en-US')} events</span>
      </div>
      <div className="event-layout">
        <div ref={scroller} className="event-list" role="grid" aria-rowcount={total}>
          <div style={{ height: virtual.getTotalSize() }} className="event-canvas">
            {items.map((item) => {
              const row = rows[item.index];
              return (
                <div
                  key={item.key}
                  role="row"
                  tabIndex={0}
                  className={`event-row${row && row.event_uid === selected ? ' selected' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => row && select(String(row.event_uid))}
                  onKeyDown={(e) => e.key === 'Enter' && row && select(String(row.event_uid))}
                >
                  {row ? (
                    <>
                      <span>{String(row.time).slice(0, 23)}</span>
                      <span>{String(row.actor_display ?? row.actor_uid ?? '')}</span>
                      <span>{row.is_nhi === true ? 'machine' : row.is_nhi === false ? 'human' : '?'}</span>
                      <span>{String(row.operation)}</span>
                      <span>{String(row.resource_uid ?? '')}</span>
                      <span>{String(row.src_ip ?? '')}</span>
                      <span>{String(row.status)}</span>
                    </>
                  ) : (
                    <span className="muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
        {selected && <EventPanel casePath={casePath} eventUid={selected} />}
      </div>
    </section>
  );
}

/** The raw record as written in the evidence, where it came from, and who stands behind it. */
function EventPanel({ casePath, eventUid }: { casePath: string; eventUid: string }) {
  const [detail, setDetail] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDetail(null);
    void window.nhi?.call('event.detail', { casePath, eventUid }).then((r) => (r.ok ? setDetail(r.value) : setError(r.error.message)));
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
  return (
    <aside className="event-panel" aria-label="event detail">
      <h3>Who stands behind it</h3>
      <p data-testid="chain">{detail.chain?.summary ?? 'no chain'}</p>
      <h3>Provenance</h3>
      <dl className="provenance" data-testid="provenance">
        <dt>File</dt><dd>{p.path}</dd>
        <dt>SHA-256</dt><dd>{p.sha256}</dd>
        <dt>Record</dt><dd>#{p.recordNo}, byte {p.byteOffset.toLocaleString('en-US')}</dd>
        <dt>Bundle</dt><dd>{p.sourcePath}</dd>
      </dl>
      <h3>Raw record</h3>
      <pre data-testid="raw">{pretty}</pre>
    </aside>
  );
}
