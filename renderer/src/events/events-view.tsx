import { useVirtualizer } from '@tanstack/react-virtual';
import { tableFromIPC } from 'apache-arrow';
import { type PointerEvent as ReactPointerEvent, useEffect, useRef, useState } from 'react';
import type { EVENT_PAGE_COLUMNS } from '../../../shared/api';
import { EVENT_SORT_COLUMNS, GRID_COLUMNS, type GridColumnKey, type SortColumn, shortenMiddle } from '../../../shared/event-columns';
import { base64Bytes, bytes, call, number } from '../api-client';
import { useCase } from '../case/case-store';
import { ExportBar } from './export-bar';
import { useTimeFormat, useZone, zoneLabel } from '../time-zone';
import { useView } from '../view-state';
import { EventFilters } from './event-filters';
import { EventPanel } from './event-panel';
import { columnOf, gridTemplate, useGridColumns, widthOf } from './grid-columns';
import { ColumnValues, type ValueTarget, ValueMenu, isValueColumn } from '../widgets/value-filter';

type EventRow = Record<(typeof EVENT_PAGE_COLUMNS)[number], unknown>;
const PAGE = 200;
const ROW_HEIGHT = 28;
/** Roughly how many characters of the grid's font fit in a pixel: for cutting values in the middle. */
const CHAR_PX = 7.4;
const decode = (b64: string): EventRow[] => (b64 ? [...tableFromIPC(base64Bytes(b64))].map((r) => r.toJSON() as EventRow) : []);
const SORTABLE = new Set<string>(EVENT_SORT_COLUMNS);

/** The text a cell shows and the whole value behind it (for the tooltip and for filtering). */
function cellValue(row: EventRow, key: GridColumnKey, time: (iso: string) => string): { text: string; full: string | null } {
  switch (key) {
    case 'time': return { text: time(String(row.time)), full: String(row.time) };
    case 'actor_uid': return { text: String(row.actor_display ?? row.actor_uid ?? ''), full: row.actor_uid === null ? null : String(row.actor_uid) };
    case 'is_nhi': return { text: row.is_nhi === true ? 'machine' : row.is_nhi === false ? 'human' : '?', full: null };
    case 'bytes_out':
    case 'bytes_in': return { text: row[key] ? bytes(row[key] as number) : '', full: row[key] ? String(row[key]) : null };
    case 'marks': return { text: '', full: null };
    default: return { text: row[key] === null || row[key] === undefined ? '' : String(row[key]), full: row[key] === null || row[key] === undefined ? null : String(row[key]) };
  }
}

/** Every event of the case, filtered and sorted, in a virtual list that loads pages as it scrolls. */
export function EventsView({ casePath }: { casePath: string }) {
  const { filter, setFilter, selected, select, sort, setSort } = useView();
  const { visible, widths, toggle, resize, reset } = useGridColumns();
  const revision = useCase((s) => s.revision);
  const zone = useZone((s) => s.zone);
  const time = useTimeFormat();
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<(EventRow | undefined)[]>([]);
  const rowsNow = useRef(rows);
  rowsNow.current = rows;
  const [error, setError] = useState<string | null>(null);
  const [menu, setMenu] = useState<ValueTarget | null>(null);
  const [values, setValues] = useState<{ field: string; at: { x: number; y: number } } | null>(null);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  /** The generation whose first page (and count) has arrived: later pages wait for it. */
  const counted = useRef(-1);
  const scroller = useRef<HTMLDivElement>(null);
  const header = useRef<HTMLDivElement>(null);

  /** The count of the current query once known (it may arrive before or after its first page). */
  const knownCount = useRef<{ gen: number; total: number } | null>(null);
  const [counting, setCounting] = useState(false);

  async function loadPage(page: number, gen: number) {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    // Counting scans every match (a free-text filter reads all raw records); the first page often
    // needs far less, so it comes on its own and the count follows.
    // Scrolling on through a time-sorted list: the page starts after the last event of the one
    // before (keyset), as fast deep in ten million events as at the top; a jump far ahead skips rows.
    const previous = page > 0 && sort.column === 'time' ? rowsNow.current[page * PAGE - 1] : undefined;
    const after = previous ? { time: String(previous.time), uid: String(previous.event_uid) } : undefined;
    const r = await call('events.query', { casePath, filter, sort, offset: page * PAGE, limit: PAGE, withTotal: false, ...(after ? { after } : {}) });
    if (gen !== generation.current) return;
    if (!r.ok) return setError(r.error.message);
    setError(null);
    const decoded = decode(r.value.arrow);
    if (page === 0 && counted.current !== gen) {
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
    pendingIndex.current = null;
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
  // The selected row is always whole on screen: when it changes, and when its page arrives.
  const shownSelection = useRef<string | null>(null);
  useEffect(() => {
    if (selectedIndex < 0 || shownSelection.current === selected) return;
    shownSelection.current = selected;
    virtual.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selected, selectedIndex]);

  /** A row moved to before its page arrived: selected when it does (End on a long list). */
  const pendingIndex = useRef<number | null>(null);
  useEffect(() => {
    const index = pendingIndex.current;
    if (index === null || !rows[index]) return;
    pendingIndex.current = null;
    select(String(rows[index]!.event_uid));
  }, [rows]);
  function move(delta: number) {
    const next = Math.max(0, Math.min(total - 1, (selectedIndex < 0 ? (items[0]?.index ?? 0) - delta : selectedIndex) + delta));
    const row = rows[next];
    pendingIndex.current = row ? null : next;
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

  /** A tag or bookmark added in the panel shows in the grid: its page is read again. */
  function refreshSelectedPage() {
    if (selectedIndex < 0) return;
    const page = Math.floor(selectedIndex / PAGE);
    loading.current.delete(page);
    void loadPage(page, generation.current);
  }

  function startResize(key: GridColumnKey, e: ReactPointerEvent<HTMLSpanElement>) {
    e.preventDefault();
    e.stopPropagation();
    const startX = e.clientX;
    const startWidth = widthOf(key, widths);
    const onMove = (m: PointerEvent) => resize(key, startWidth + m.clientX - startX);
    const onUp = () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  }

  const template = gridTemplate(visible, widths);
  const rowWidth = visible.reduce((s, k) => s + widthOf(k, widths) + 8, 16);

  const cell = (row: EventRow, key: GridColumnKey, index: number) => {
    if (key === 'marks') {
      const tags = row.tags ? String(row.tags).split(' ') : [];
      return (
        <span key={key} role="gridcell" aria-colindex={index + 1} data-col={key} className="marks" title={[row.bookmarked ? 'bookmarked' : '', ...tags].filter(Boolean).join(', ')}>
          {row.bookmarked ? <span className="bookmark" aria-label="bookmarked">★</span> : null}
          {tags.length > 0 && (
            <button type="button" className="tag-mark" aria-label={`only events tagged ${tags[0]}`} onClick={(e) => { e.stopPropagation(); setFilter({ tag: tags[0] }); }}>
              {tags[0]}{tags.length > 1 ? `+${tags.length - 1}` : ''}
            </button>
          )}
        </span>
      );
    }
    const { text, full } = cellValue(row, key, time);
    const column = columnOf(key);
    const room = Math.floor((widthOf(key, widths) - 4) / CHAR_PX);
    const shown = column.shorten === 'middle' ? shortenMiddle(text, room) : text;
    const field = key;
    return (
      <span
        key={key}
        role="gridcell"
        aria-colindex={index + 1}
        data-col={key}
        className={key === 'status' && row.status === 'failure' ? 'fail' : key === 'bytes_out' || key === 'bytes_in' ? 'num' : undefined}
        title={full ?? undefined}
        onContextMenu={isValueColumn(key) ? (e) => { e.preventDefault(); setMenu({ field, value: full, at: { x: e.clientX, y: e.clientY } }); } : undefined}
      >
        {shown}
      </span>
    );
  };

  return (
    <section aria-label="events" className="events">
      <EventFilters counting={counting} total={`${number(total)} events`} />
      <div className="toolbar grid-tools">
        <ExportBar casePath={casePath} filter={filter} />
        <span className="spacer" />
        <span className="muted small">Right-click a value, or click one in the record, to filter on it</span>
        <details className="columns-menu">
          <summary>Columns</summary>
          <div className="columns-list" role="group" aria-label="columns">
            {GRID_COLUMNS.map((c) => (
              <label key={c.key}>
                <input type="checkbox" checked={visible.includes(c.key)} onChange={() => toggle(c.key)} /> {c.key === 'marks' ? 'Bookmarks and tags' : c.label}
              </label>
            ))}
            <button type="button" className="link small" onClick={reset}>Default columns and widths</button>
          </div>
        </details>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="event-layout">
        <div className="event-table" role="grid" aria-label="events" aria-rowcount={total + 1} aria-colcount={visible.length}>
          <div className="event-header" ref={header}>
            <div className="event-row header" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, width: rowWidth }}>
              {visible.map((key, i) => {
                const c = columnOf(key);
                const sortable = SORTABLE.has(key);
                const label = key === 'time' ? `Time (${zoneLabel(zone)})` : c.label;
                return (
                  <span key={key} role="columnheader" aria-colindex={i + 1} data-col={key} aria-sort={sortable ? (sort.column === key ? (sort.descending ? 'descending' : 'ascending') : 'none') : undefined} title={c.title}>
                    {sortable ? (
                      <button type="button" className="sort" onClick={() => setSort({ column: key as SortColumn, descending: sort.column === key ? !sort.descending : key === 'bytes_out' || key === 'bytes_in' })}>
                        {label}
                        {sort.column === key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                      </button>
                    ) : (
                      label
                    )}
                    {isValueColumn(key) && (
                      <button type="button" className="link col-values" aria-label={`values of ${c.label}`} title="count its values" onClick={(e) => setValues({ field: key, at: { x: e.clientX, y: e.clientY + 12 } })}>
                        ≡
                      </button>
                    )}
                    <span
                      className="resize"
                      role="separator"
                      aria-orientation="vertical"
                      aria-label={`width of ${c.label}`}
                      aria-valuenow={widthOf(key, widths)}
                      aria-valuemin={36}
                      aria-valuemax={1200}
                      tabIndex={0}
                      onPointerDown={(e) => startResize(key, e)}
                      onKeyDown={(e) => {
                        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
                        e.preventDefault();
                        resize(key, widthOf(key, widths) + (e.key === 'ArrowRight' ? 16 : -16));
                      }}
                    />
                  </span>
                );
              })}
            </div>
          </div>
          <div
            ref={scroller}
            className="event-list"
            role="rowgroup"
            tabIndex={0}
            onKeyDown={onKeyDown}
            data-testid="event-list"
            onScroll={(e) => header.current && (header.current.scrollLeft = e.currentTarget.scrollLeft)}
          >
            <div style={{ height: virtual.getTotalSize(), width: rowWidth }} className="event-canvas">
              {items.map((item) => {
                const row = rows[item.index];
                return (
                  <div
                    key={item.key}
                    role="row"
                    aria-rowindex={item.index + 2}
                    aria-selected={row !== undefined && row.event_uid === selected}
                    className={`event-row${row && row.event_uid === selected ? ' selected' : ''}`}
                    style={{ transform: `translateY(${item.start}px)`, gridTemplateColumns: template, width: rowWidth }}
                    onClick={() => row && select(String(row.event_uid))}
                  >
                    {row ? visible.map((key, i) => cell(row, key, i)) : <span role="gridcell" className="muted">…</span>}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
        {selected && <EventPanel casePath={casePath} eventUid={selected} onClose={() => select(null)} onMarked={refreshSelectedPage} />}
      </div>
      {menu && <ValueMenu target={menu} onClose={() => setMenu(null)} />}
      {values && <ColumnValues casePath={casePath} field={values.field} at={values.at} onClose={() => setValues(null)} />}
    </section>
  );
}
