import { tableFromIPC } from 'apache-arrow';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GraphData, GraphPath, TimelineData } from '../../../shared/graph';
import { base64Bytes, call, number } from '../api-client';
import { useCase } from '../case/case-store';
import { formatTime, useZone, zoneLabel } from '../time-zone';
import { useReplay } from '../replay-state';
import { useView } from '../view-state';
import { GraphCanvas, type SimNode } from './graph-canvas';
import { download, graphSvg } from './graph-export';
import { formatBytes } from './graph-style';
import { type Clock, SPEEDS, tick } from './replay-clock';
import { TimelineStrip, stackColors } from './timeline-strip';

type Layout = { nodes: SimNode[]; links: { source: SimNode; target: SimNode; edge: GraphData['edges'][number] }[] };

/**
 * Who touched what, across which boundaries, and when: the timeline (brush a window: it filters
 * the graph and the events view too), the identity → resource graph, and a replay clock that
 * makes each flow appear when its first event happens.
 */
export function GraphView({ casePath }: { casePath: string }) {
  const { filter, setFilter, identity, selectIdentity, go } = useView();
  const revision = useCase((s) => s.revision);
  const zone = useZone((s) => s.zone);
  const [base, setBase] = useState<GraphData | null>(null);
  /** Neighbours the analyst expanded beyond the filter, merged into the picture. */
  const [extra, setExtra] = useState<{ nodes: GraphData['nodes']; edges: GraphData['edges'] }>({ nodes: [], edges: [] });
  const data = useMemo<GraphData | null>(() => {
    if (!base) return null;
    if (extra.nodes.length === 0) return base;
    const ids = new Set(base.nodes.map((n) => n.id));
    const keys = new Set(base.edges.map((e) => `${e.source}>${e.target}>${e.kind}`));
    return {
      ...base,
      nodes: [...base.nodes, ...extra.nodes.filter((n) => !ids.has(n.id))],
      edges: [...base.edges, ...extra.edges.filter((e) => !keys.has(`${e.source}>${e.target}>${e.kind}`))],
    };
  }, [base, extra]);
  const [timeline, setTimeline] = useState<TimelineData | null>(null);
  const [zoomed, setZoomed] = useState<{ from: string; to: string } | null>(null);
  const [stackBy, setStackBy] = useState<'nhi' | 'source' | 'category'>('nhi');
  const [marks, setMarks] = useState<{ at: string; label: string; severity: string }[]>([]);
  const [widthBy, setWidthBy] = useState<'events' | 'bytes'>('bytes');
  const [search, setSearch] = useState('');
  const [minEvents, setMinEvents] = useState(1);
  const [layers, setLayers] = useState<('credentials' | 'addresses')[]>([]);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [pathFrom, setPathFrom] = useState<string | null>(null);
  const [path, setPath] = useState<GraphPath | null>(null);
  const [clock, setClock] = useState<Clock | null>(null);
  const [recent, setRecent] = useState<{ time: string; actor: string; operation: string; resource: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const positions = useRef(new Map<string, { x: number; y: number }>());
  const layout = useRef<Layout | null>(null);
  const canvasWrap = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t0 = performance.now();
    void call('graph.query', { casePath, filter, minEvents, layers }).then((r) => {
      if (!r.ok) return setError(r.error.message);
      setError(null);
      setBase(r.value);
      setExtra({ nodes: [], edges: [] });
      performance.mark('nhi:graph-data');
      (window as unknown as { __nhiGraphQueryMs?: number }).__nhiGraphQueryMs = performance.now() - t0;
    });
  }, [casePath, JSON.stringify(filter), minEvents, layers.join(), revision]);

  useEffect(() => {
    const { from: _f, to: _t, ...rest } = filter;
    void call('timeline.histogram', { casePath, filter: zoomed ? { ...rest, ...zoomed } : rest, buckets: 240, stackBy }).then((r) => r.ok && setTimeline(r.value));
  }, [casePath, JSON.stringify({ ...filter, from: undefined, to: undefined }), zoomed, stackBy, revision]);

  useEffect(() => {
    void call('findings.list', { casePath }).then((r) => r.ok && setMarks(r.value.filter((f) => f.severity === 'critical' || f.severity === 'high').map((f) => ({ at: f.windowStart, label: `${f.severity}: ${f.title}`, severity: f.severity }))));
  }, [casePath, revision]);

  const nodes = data?.nodes ?? [];
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [data]);
  const selectedNode = identity ? byId.get(identity) ?? null : null;

  // Replay: the clock advances every animation frame while playing.
  useEffect(() => {
    if (!clock?.playing) return;
    let last = performance.now();
    let raf = requestAnimationFrame(function step(now) {
      // Taken now: React runs the updater later, after `last` has moved on.
      const elapsed = now - last;
      last = now;
      setClock((c) => (c ? tick(c, elapsed) : c));
      raf = requestAnimationFrame(step);
    });
    return () => cancelAnimationFrame(raf);
  }, [clock?.playing]);

  // Publish the clock for saved views; take up a position a restored view asks for.
  const requested = useReplay((s) => s.requested);
  useEffect(() => useReplay.getState().publish(clock ? Math.round(clock.at) : null), [clock?.at, clock === null]);
  useEffect(() => {
    if (requested === null || !data) return;
    const { from, to } = range();
    if (Number.isFinite(from)) setClock({ at: Math.max(from, Math.min(to, requested)), from, to, playing: false, speed: 1000 });
    useReplay.getState().request(null);
  }, [requested, data]);

  // The events list follows the clock (a few times a second, not every frame).
  const clockAt = clock ? Math.floor(clock.at / 1000) : null;
  useEffect(() => {
    if (!clock) return;
    const timer = setTimeout(() => {
      void call('events.query', { casePath, filter: { ...filter, to: new Date(clock.at + 1).toISOString() }, sort: { column: 'time', descending: true }, offset: 0, limit: 8, withTotal: false }).then((r) => {
        if (!r.ok || !r.value.arrow) return setRecent([]);
        setRecent([...tableFromIPC(base64Bytes(r.value.arrow))].map((row) => {
          const o = row.toJSON() as Record<string, unknown>;
          return { time: String(o.time), actor: String(o.actor_display ?? o.actor_uid ?? ''), operation: String(o.operation), resource: String(o.resource_uid ?? '') };
        }));
      });
    }, 150);
    return () => clearTimeout(timer);
  }, [clockAt]);

  const range = () => {
    const times = (data?.edges ?? []).flatMap((e) => [Date.parse(e.first), Date.parse(e.last)]);
    const from = filter.from ? Date.parse(filter.from) : Math.min(...times);
    const to = filter.to ? Date.parse(filter.to) : Math.max(...times);
    return { from, to };
  };
  function startReplay(at?: number) {
    const { from, to } = range();
    if (!Number.isFinite(from)) return;
    setClock({ at: at ?? from, from, to, playing: true, speed: clock?.speed ?? 1000 });
  }
  async function stepEvent(direction: 1 | -1) {
    if (!clock) return;
    const iso = new Date(clock.at).toISOString();
    const r = await call('events.query', {
      casePath,
      filter: direction === 1 ? { ...filter, from: new Date(clock.at + 1).toISOString() } : { ...filter, to: iso },
      sort: { column: 'time', descending: direction === -1 },
      offset: 0,
      limit: 1,
      withTotal: false,
    });
    if (!r.ok || !r.value.arrow) return;
    const row = [...tableFromIPC(base64Bytes(r.value.arrow))][0]?.toJSON() as { time?: string } | undefined;
    if (row?.time) setClock({ ...clock, at: Date.parse(row.time), playing: false });
  }

  /** Everything the node touched or was touched by, across the whole case (the window still applies). */
  async function expand(id: string) {
    const node = byId.get(id);
    if (!node) return;
    if (node.kind !== 'identity' && node.kind !== 'resource') return;
    const r = await call('graph.query', { casePath, filter: { ...(filter.from ? { from: filter.from } : {}), ...(filter.to ? { to: filter.to } : {}), ...(node.kind === 'identity' ? { actor: id } : { resource: id }) } });
    if (!r.ok) return setError(r.error.message);
    const keep = r.value.edges.filter((e) => e.source === id || e.target === id);
    const ids = new Set(keep.flatMap((e) => [e.source, e.target]));
    setExtra((old) => ({ nodes: [...old.nodes, ...r.value.nodes.filter((n) => ids.has(n.id))], edges: [...old.edges, ...keep] }));
  }

  async function findPath(to: string) {
    if (!pathFrom) return;
    const r = await call('graph.path', { casePath, from: pathFrom, to });
    if (r.ok) setPath(r.value);
    else setError(r.error.message);
  }

  function onKeyDown(e: React.KeyboardEvent) {
    const target = e.target as HTMLElement;
    if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (!clock) startReplay();
      else setClock({ ...clock, playing: !clock.playing && clock.at < clock.to });
    } else if (e.key === 'ArrowRight') void stepEvent(1);
    else if (e.key === 'ArrowLeft') void stepEvent(-1);
    else if ((e.key === '+' || e.key === '=' || e.key === '-') && clock) {
      const index = SPEEDS.indexOf(clock.speed as (typeof SPEEDS)[number]) + (e.key === '-' ? -1 : 1);
      setClock({ ...clock, speed: SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, index))]! });
    }
    else if (e.key === 'Escape') setClock(null);
  }

  // The flow table follows the clock four times a second, not every frame: at 2,000 nodes
  // re-rendering it per frame cost more than drawing the whole graph.
  const [tableAt, setTableAt] = useState<number | null>(null);
  const tableUpdated = useRef(0);
  useEffect(() => {
    const now = performance.now();
    if (!clock || !clock.playing || now - tableUpdated.current > 250) {
      tableUpdated.current = now;
      setTableAt(clock ? clock.at : null);
    }
  }, [clock?.at, clock?.playing, clock === null]);
  const sortedEdges = useMemo(
    () => (data?.edges ?? []).filter((e) => !hidden.has(e.source) && !hidden.has(e.target)).sort((a, b) => Number(b.external) - Number(a.external) || b.bytes - a.bytes || b.events - a.events),
    [data, hidden],
  );
  const firstTimes = useMemo(() => sortedEdges.map((e) => Date.parse(e.first)), [sortedEdges]);
  const visibleEdges = useMemo(() => (tableAt === null ? sortedEdges : sortedEdges.filter((_e, i) => firstTimes[i]! <= tableAt)), [sortedEdges, firstTimes, tableAt]);
  const highlight = useMemo(() => new Set(path?.nodes ?? []), [path]);
  const clockState = useMemo(() => (clock ? { at: clock.at, fadeMs: Math.max(60_000, (clock.to - clock.from) / 20) } : null), [clock?.at, clock?.from, clock?.to]);
  const label = (id: string) => byId.get(id)?.label ?? id;
  const time = (ms: number) => formatTime(new Date(ms).toISOString(), zone);

  return (
    <section aria-label="graph" className="graph-view" onKeyDown={onKeyDown} tabIndex={-1}>
      {timeline && timeline.bins.length > 0 && (
        <>
          <div className="toolbar small">
            <span className="muted">Timeline ({zoneLabel(zone)} ticks; buckets of {timeline.bucketSeconds >= 3600 ? `${timeline.bucketSeconds / 3600} h` : timeline.bucketSeconds >= 60 ? `${timeline.bucketSeconds / 60} min` : `${timeline.bucketSeconds} s`}) · brush to set the window</span>
            {filter.from && filter.to && (
              <>
                <span data-testid="window">window {formatTime(filter.from, zone)} → {formatTime(filter.to, zone)}</span>
                <button type="button" className="link" onClick={() => setZoomed({ from: filter.from!, to: filter.to! })}>zoom to window</button>
                <button type="button" className="link" onClick={() => setFilter({ from: undefined, to: undefined })}>clear window</button>
              </>
            )}
            {zoomed && <button type="button" className="link" onClick={() => setZoomed(null)}>zoom out</button>}
            <span className="spacer" />
            <label className="inline-label">stack by
              <select aria-label="stack the timeline by" value={stackBy} onChange={(e) => setStackBy(e.target.value as 'nhi' | 'source' | 'category')}>
                <option value="nhi">machine / human</option>
                <option value="source">source</option>
                <option value="category">category</option>
              </select>
            </label>
            <span className="timeline-keys">
              {timeline.keys.map((k, i) => <span key={k}><span className="dot" style={{ background: stackColors(timeline)[i] }} /> {k}</span>)}
            </span>
          </div>
          <TimelineStrip
            data={timeline}
            window={{ from: filter.from, to: filter.to }}
            marks={marks}
            cursor={clock?.at ?? null}
            onBrush={(from, to) => setFilter({ from: from ?? undefined, to: to ?? undefined })}
            formatTick={(ms) => formatTime(new Date(ms).toISOString(), zone).slice(timeline.bucketSeconds >= 3600 ? 5 : 11, timeline.bucketSeconds >= 3600 ? 16 : 19)}
          />
        </>
      )}
      <div className="toolbar">
        <label className="inline-label">width by
          <select aria-label="edge width" value={widthBy} onChange={(e) => setWidthBy(e.target.value as 'events' | 'bytes')}>
            <option value="bytes">bytes</option>
            <option value="events">events</option>
          </select>
        </label>
        <label className="inline-label">
          <input type="checkbox" aria-label="machines only" checked={filter.nhi === true} onChange={(e) => setFilter({ nhi: e.target.checked ? true : undefined })} /> machines only
        </label>
        <label className="inline-label">min events
          <input aria-label="minimum events" type="number" min={1} value={minEvents} onChange={(e) => setMinEvents(Math.max(1, Number(e.target.value) || 1))} style={{ width: 70 }} />
        </label>
        <label className="inline-label">service
          <select aria-label="graph service" value={filter.service ?? ''} onChange={(e) => setFilter({ service: e.target.value || undefined })}>
            <option value="">all</option>
            {(data?.facets.services ?? []).map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <label className="inline-label">category
          <select aria-label="graph category" value={filter.category ?? ''} onChange={(e) => setFilter({ category: e.target.value || undefined })}>
            <option value="">all</option>
            {(data?.facets.categories ?? []).map((c) => <option key={c}>{c}</option>)}
          </select>
        </label>
        {(['credentials', 'addresses'] as const).map((layer) => (
          <label key={layer} className="inline-label">
            <input type="checkbox" aria-label={`show ${layer}`} checked={layers.includes(layer)} onChange={(e) => setLayers(e.target.checked ? [...layers, layer] : layers.filter((l) => l !== layer))} /> {layer}
          </label>
        ))}
        <input aria-label="search the graph" data-find value={search} onChange={(e) => setSearch(e.target.value)} placeholder="search nodes" />
        {hidden.size > 0 && <button type="button" className="link" onClick={() => setHidden(new Set())}>show {hidden.size} hidden</button>}
        <button type="button" onClick={() => layout.current && download('graph.svg', new Blob([graphSvg(layout.current.nodes, layout.current.links, hidden)], { type: 'image/svg+xml' }))}>SVG</button>
        <button type="button" onClick={() => canvasWrap.current?.querySelector('canvas')?.toBlob((b) => b && download('graph.png', b))}>PNG</button>
        <span className="muted small" data-testid="graph-stats">{data ? `${number(data.nodes.length)} nodes · ${number(data.edges.length)} edges · ${Math.round(data.elapsedMs)} ms${data.omitted.nodes ? ` · ${number(data.omitted.nodes)} small nodes left out` : ''}` : 'loading…'}</span>
      </div>
      <div className="toolbar replay" aria-label="replay">
        {!clock ? (
          <button type="button" onClick={() => startReplay()} disabled={!data?.edges.length}>▶ Replay</button>
        ) : (
          <>
            <button type="button" onClick={() => setClock({ ...clock, playing: !clock.playing && clock.at < clock.to })} aria-label={clock.playing ? 'pause' : 'play'}>{clock.playing ? '❚❚' : '▶'}</button>
            <button type="button" onClick={() => void stepEvent(-1)} aria-label="previous event">◀ event</button>
            <button type="button" onClick={() => void stepEvent(1)} aria-label="next event">event ▶</button>
            <select aria-label="replay speed" value={clock.speed} onChange={(e) => setClock({ ...clock, speed: Number(e.target.value) })}>
              {SPEEDS.map((s) => <option key={s} value={s}>{number(s)}×</option>)}
            </select>
            <input
              aria-label="jump to time"
              key={Math.floor(clock.at / 1000)}
              defaultValue={new Date(clock.at).toISOString().slice(0, 19)}
              size={20}
              onKeyDown={(e) => {
                if (e.key !== 'Enter') return;
                const at = Date.parse(`${e.currentTarget.value.replace(/Z$/, '')}Z`);
                if (Number.isFinite(at)) setClock({ ...clock, at: Math.max(clock.from, Math.min(clock.to, at)), playing: false });
              }}
            />
            <strong data-testid="replay-clock">{time(clock.at)} {zoneLabel(zone)}</strong>
            <button type="button" className="link" onClick={() => setClock(null)}>stop replay</button>
          </>
        )}
        <span className="muted small">space play/pause · ←/→ event by event · +/- speed</span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="graph-layout">
        <div ref={canvasWrap} className="graph-main">
          {data && (
            <GraphCanvas
              nodes={data.nodes}
              edges={data.edges}
              widthBy={widthBy}
              selected={identity}
              highlight={highlight}
              search={search}
              hidden={hidden}
              clock={clockState}
              positions={positions.current}
              onSelect={(id) => selectIdentity(id)}
              onLayout={(n, l) => (layout.current = { nodes: n, links: l })}
            />
          )}
          <p className="legend small">
            <span className="dot machine" /> machine <span className="dot human" /> human <span className="sq" /> resource <span className="sq external" /> outside the case’s boundaries ·{' '}
            <span className="line cross" /> crosses a boundary <span className="line external" /> to an outside boundary <span className="line assumes" /> assumed a role
            {layers.includes('credentials') && <> · <span className="diamond" /> credential</>}
            {layers.includes('addresses') && <> · <span className="dot address" /> source address</>}
          </p>
        </div>
        <aside className="graph-side">
          {selectedNode ? (
            <div data-testid="graph-selection">
              <strong>{selectedNode.label}</strong>
              <div className="muted small wrap">{selectedNode.id}</div>
              <p className="small">
                {selectedNode.kind === 'identity' ? (selectedNode.isNhi ? 'machine' : selectedNode.isNhi === false ? 'human' : 'unclassified') : selectedNode.kind} · boundary {selectedNode.boundary ?? 'unknown'}
                {selectedNode.external ? ' · outside' : ''} · {number(selectedNode.events)} events · {formatBytes(selectedNode.bytes)}
              </p>
              <div className="toolbar wrap-row">
                {selectedNode.kind === 'identity' && <button type="button" onClick={() => go('identity', { identity: selectedNode.id })}>Profile</button>}
                {(selectedNode.kind === 'identity' || selectedNode.kind === 'resource') && (
                  <button type="button" onClick={() => { setFilter(selectedNode.kind === 'identity' ? { actor: selectedNode.id } : { resource: selectedNode.id }); go('events'); }}>Events</button>
                )}
                {(selectedNode.kind === 'credential' || selectedNode.kind === 'address') && (
                  <button type="button" onClick={() => { setFilter({ text: selectedNode.label }); go('events'); }}>Events</button>
                )}
                {selectedNode.kind === 'identity' && <button type="button" onClick={() => { setPathFrom(selectedNode.id); setPath(null); }}>Path from here</button>}
                {pathFrom && pathFrom !== selectedNode.id && <button type="button" onClick={() => void findPath(selectedNode.id)}>Path to here</button>}
                <button type="button" onClick={() => void expand(selectedNode.id)}>Expand neighbours</button>
                <button type="button" onClick={() => { setHidden(new Set([...hidden, selectedNode.id])); selectIdentity(null); }}>Hide</button>
              </div>
            </div>
          ) : (
            <p className="muted small">Click a node for details; drag to pin it, double-click to unpin; scroll to zoom.</p>
          )}
          {pathFrom && <p className="small">Path from <strong>{label(pathFrom)}</strong>: select a node, then “Path to here”.</p>}
          {path && (
            <div data-testid="graph-path">
              {path.found ? (
                <ol className="small">
                  {path.steps.map((s) => <li key={`${s.from}${s.to}`}>{label(s.from)} {s.kind === 'assumes' ? 'assumed' : 'acted on'} {label(s.to)} <span className="muted">({s.detail})</span></li>)}
                </ol>
              ) : (
                <p className="small">No path in this case.</p>
              )}
            </div>
          )}
          {clock && (
            <div data-testid="replay-events">
              <h4>At the clock</h4>
              <ul className="plain small">
                {recent.map((r) => <li key={`${r.time}${r.operation}${r.resource}`}><span className="muted">{formatTime(r.time, zone).slice(11, 19)}</span> {r.actor} {r.operation} {r.resource}</li>)}
              </ul>
            </div>
          )}
        </aside>
      </div>
      <details className="edge-table" open>
        <summary>Flows ({number(visibleEdges.length)}{visibleEdges.length > 100 ? ', the first 100 shown' : ''}), largest and outside-boundary first</summary>
        <table aria-label="graph edges">
          <thead><tr><th>From</th><th>To</th><th>Events</th><th>Bytes</th><th>Failures</th><th>Boundary</th><th>First</th><th>Last</th></tr></thead>
          <tbody>
            {visibleEdges.slice(0, 100).map((e) => (
              <tr key={`${e.source}>${e.target}>${e.kind}`} className={e.external ? 'external' : ''}>
                <td title={e.source}><button type="button" className="link" aria-label={`select ${e.source}`} onClick={() => selectIdentity(e.source)}>{label(e.source)}</button></td>
                <td title={e.target}>{e.kind === 'assumes' ? 'assumed ' : e.kind === 'uses' ? 'used ' : ''}<button type="button" className="link" aria-label={`select ${e.target}`} onClick={() => selectIdentity(e.target)}>{label(e.target)}</button></td>
                <td>{number(e.events)}</td>
                <td>{formatBytes(e.bytes)}</td>
                <td>{number(e.failures)}</td>
                <td>{e.external ? 'OUTSIDE' : e.crossBoundary ? 'crosses' : ''}</td>
                <td>{formatTime(e.first, zone)}</td>
                <td>{formatTime(e.last, zone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
