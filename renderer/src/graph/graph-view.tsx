import { tableFromIPC } from 'apache-arrow';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { GRAPH_LAYERS, type GraphData, type GraphLayer, type GraphPath, type ResourceToucher } from '../../../shared/graph';
import { base64Bytes, call, number } from '../api-client';
import { useCase } from '../case/case-store';
import { formatTime, useZone, zoneLabel, zoneText, zonedToUtc } from '../time-zone';
import { useReplay } from '../replay-state';
import { useView } from '../view-state';
import { GraphCanvas, type SimNode } from './graph-canvas';
import { download, graphSvg, svgToPng } from './graph-export';
import { COLOR, formatBytes } from './graph-style';
import { createLiveClock } from './live-clock';
import { type Clock, SPEEDS, tick } from './replay-clock';
import { TimelineView } from '../timeline/timeline-view';
import { decodeGraph } from './graph-data';
import { collapseBoundaries } from './graph-collapse';
import { perfHook } from './perf-hook';

const EDGE_VERB: Record<GraphData['edges'][number]['kind'], string> = { access: '', assumes: 'assumed ', uses: 'used ', from: '', opens: 'opened ', as: 'ran as ', flows: 'flows to ', 'can-become': 'can become ', 'could-reach': 'could reach ' };

type Layout = { nodes: SimNode[]; links: { source: SimNode; target: SimNode; edge: GraphData['edges'][number] }[] };

/**
 * Who touched what, across which boundaries, and when: the timeline (brush a window: it filters
 * the graph and the events view too), the identity → resource graph, and a replay clock that
 * makes each flow appear when its first event happens.
 */
export function GraphView({ casePath }: { casePath: string }) {
  const { filter, setFilter, identity, selectIdentity, go } = useView();
  const revision = useCase((s) => s.revision);
  const caseId = useCase((s) => s.info?.caseId ?? 'unknown');
  const zone = useZone((s) => s.zone);
  const [base, setBase] = useState<GraphData | null>(null);
  /** Neighbours the analyst expanded beyond the filter, merged into the picture. */
  const [extra, setExtra] = useState<{ nodes: GraphData['nodes']; edges: GraphData['edges'] }>({ nodes: [], edges: [] });
  /** Trust boundaries folded into one node each (an account the analyst is not looking at). */
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const merged = useMemo<GraphData | null>(() => {
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
  const boundaries = useMemo(() => {
    const seen = new Map<string, boolean>();
    for (const n of merged?.nodes ?? []) if (n.boundary !== null && n.kind !== 'boundary') seen.set(n.boundary, (seen.get(n.boundary) ?? false) || n.external);
    return [...seen].sort(([a], [b]) => (a < b ? -1 : 1));
  }, [merged]);
  const data = useMemo(() => (merged ? collapseBoundaries(merged, collapsed) : null), [merged, collapsed]);
  const [widthBy, setWidthBy] = useState<'events' | 'bytes'>('bytes');
  const [search, setSearch] = useState('');
  const [minEvents, setMinEvents] = useState(1);
  const [layers, setLayers] = useState<GraphLayer[]>([]);
  const [touchers, setTouchers] = useState<{ resource: string; list: ResourceToucher[] } | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [pathFrom, setPathFrom] = useState<string | null>(null);
  const [path, setPath] = useState<GraphPath | null>(null);
  const [clock, setClockState] = useState<Clock | null>(null);
  /** The clock as it runs (see live-clock.ts); `clock` above follows it about ten times a second. */
  const liveState = useRef<Clock | null>(null);
  const live = useMemo(createLiveClock, []);
  const setClock = (next: Clock | null) => {
    liveState.current = next;
    live.set(next ? next.at : null);
    setClockState(next);
  };
  /** The latest clock, for actions: the React state can be a few frames behind while playing. */
  const current = (): Clock => liveState.current ?? clock!;
  /** What the analyst is typing into "jump to time"; the clock shows through when null. */
  const [typedTime, setTypedTime] = useState<string | null>(null);
  const [recent, setRecent] = useState<{ time: string; actor: string; operation: string; resource: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const positions = useRef(new Map<string, { x: number; y: number }>());
  if (perfHook) perfHook.positions = () => Object.fromEntries([...positions.current].map(([id, p]) => [id, { x: p.x, y: p.y }]));
  const layout = useRef<Layout | null>(null);
  const canvasWrap = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t0 = performance.now();
    void call('graph.query', { casePath, filter, minEvents, layers }).then((r) => {
      if (!r.ok) return setError(r.error.message);
      setError(null);
      setBase(decodeGraph(r.value));
      setExtra({ nodes: [], edges: [] });
      if (perfHook) perfHook.queryMs = performance.now() - t0;
    });
  }, [casePath, JSON.stringify(filter), minEvents, layers.join(), revision]);

  const nodes = data?.nodes ?? [];
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [data]);
  const selectedNode = identity ? byId.get(identity) ?? null : null;

  // Replay: the clock advances every animation frame while playing.
  useEffect(() => {
    if (!clock?.playing) return;
    let last = performance.now();
    let published = last;
    let raf = requestAnimationFrame(function step(now) {
      const running = liveState.current;
      if (!running) return;
      const next = tick(running, now - last);
      last = now;
      liveState.current = next;
      live.set(next.at);
      if (!next.playing || now - published > 100) {
        published = now;
        setClockState(next);
      }
      if (next.playing) raf = requestAnimationFrame(step);
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

  // The events list follows the clock a few times a second, not every frame: throttled (a
  // debounce would never fire while the clock moves every frame), one request in flight at a time.
  const clockAt = clock ? Math.floor(clock.at / 1000) : null;
  const recentAsk = useRef({ last: 0, isBusy: false, timer: 0 });
  useEffect(() => {
    if (!clock) return;
    const ask = recentAsk.current;
    const fetchRecent = () => {
      ask.last = performance.now();
      ask.isBusy = true;
      const at = latestClock.current?.at ?? clock.at;
      void call('events.query', { casePath, filter: { ...filter, to: new Date(at + 1).toISOString() }, sort: { column: 'time', descending: true }, offset: 0, limit: 8, withTotal: false }).then((r) => {
        ask.isBusy = false;
        if (!r.ok || !r.value.arrow) return setRecent([]);
        setRecent([...tableFromIPC(base64Bytes(r.value.arrow))].map((row) => {
          const o = row.toJSON() as Record<string, unknown>;
          return { time: String(o.time), actor: String(o.actor_display ?? o.actor_uid ?? ''), operation: String(o.operation), resource: String(o.resource_uid ?? '') };
        }));
      });
    };
    window.clearTimeout(ask.timer);
    const wait = Math.max(0, 250 - (performance.now() - ask.last));
    // The trailing call catches the position the clock stopped at.
    ask.timer = window.setTimeout(function retry() {
      if (ask.isBusy) ask.timer = window.setTimeout(retry, 50);
      else fetchRecent();
    }, wait);
  }, [clockAt]);
  const latestClock = useRef(clock);
  latestClock.current = clock;

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
    const at = current().at;
    const iso = new Date(at).toISOString();
    const r = await call('events.query', {
      casePath,
      filter: direction === 1 ? { ...filter, from: new Date(at + 1).toISOString() } : { ...filter, to: iso },
      sort: { column: 'time', descending: direction === -1 },
      offset: 0,
      limit: 1,
      withTotal: false,
    });
    if (!r.ok || !r.value.arrow) return;
    const row = [...tableFromIPC(base64Bytes(r.value.arrow))][0]?.toJSON() as { time?: string } | undefined;
    if (row?.time) setClock({ ...current(), at: Date.parse(row.time), playing: false });
  }

  /** Everything the node touched or was touched by, across the whole case (the window still applies). */
  async function expand(id: string) {
    const node = byId.get(id);
    if (!node) return;
    if (node.kind !== 'identity' && node.kind !== 'resource') return;
    const r = await call('graph.query', { casePath, filter: { ...(filter.from ? { from: filter.from } : {}), ...(filter.to ? { to: filter.to } : {}), ...(node.kind === 'identity' ? { actor: id } : { resource: id }) } });
    if (!r.ok) return setError(r.error.message);
    const more = decodeGraph(r.value);
    const keep = more.edges.filter((e) => e.source === id || e.target === id);
    const ids = new Set(keep.flatMap((e) => [e.source, e.target]));
    setExtra((old) => ({ nodes: [...old.nodes, ...more.nodes.filter((n) => ids.has(n.id))], edges: [...old.edges, ...keep] }));
  }

  /** Who touched a resource in the window: directly, or from behind the roles that did. */
  async function findTouchers(resource: string) {
    const { from, to, nhi, service, category } = filter;
    const r = await call('graph.touchers', { casePath, resource, filter: { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(nhi !== undefined ? { nhi } : {}), ...(service ? { service } : {}), ...(category ? { category } : {}) } });
    if (!r.ok) return setError(r.error.message);
    setTouchers({ resource, list: r.value });
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
      else setClock({ ...current(), playing: !current().playing && current().at < current().to });
    } else if (e.key === 'ArrowRight') void stepEvent(1);
    else if (e.key === 'ArrowLeft') void stepEvent(-1);
    else if ((e.key === '+' || e.key === '=' || e.key === '-') && clock) {
      const index = SPEEDS.indexOf(clock.speed as (typeof SPEEDS)[number]) + (e.key === '-' ? -1 : 1);
      setClock({ ...current(), speed: SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, index))]! });
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
  const clockState = useMemo(() => (clock ? { at: clock.at, fadeMs: Math.max(60_000, (clock.to - clock.from) / 20), isPlaying: clock.playing } : null), [clock?.at, clock?.from, clock?.to, clock?.playing]);
  const label = (id: string) => byId.get(id)?.label ?? id;
  /** The export: the whole laid-out graph, captioned with the case, the window and the zone. */
  const exportSvg = () => {
    if (!layout.current) return null;
    const window = filter.from || filter.to ? `${filter.from ? formatTime(filter.from, zone) : 'case start'} → ${filter.to ? formatTime(filter.to, zone) : 'case end'}` : 'the whole case';
    return graphSvg(layout.current.nodes, layout.current.links, hidden, { caseId, window, zone: zoneLabel(zone), highlight });
  };
  const time = (ms: number) => formatTime(new Date(ms).toISOString(), zone);

  return (
    <section aria-label="graph" className="graph-view" onKeyDown={onKeyDown} tabIndex={-1}>
      <TimelineView casePath={casePath} cursor={clock?.at ?? null} live={live} />
      <div className="toolbar wrap-row">
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
        {GRAPH_LAYERS.map((layer) => (
          <label key={layer} className="inline-label">
            <input type="checkbox" aria-label={`show ${layer}`} checked={layers.includes(layer)} onChange={(e) => setLayers(e.target.checked ? [...layers, layer] : layers.filter((l) => l !== layer))} /> {layer}
          </label>
        ))}
        <input aria-label="search the graph" data-find value={search} onChange={(e) => setSearch(e.target.value)} placeholder="search nodes" />
        {hidden.size > 0 && <button type="button" className="link" onClick={() => setHidden(new Set())}>show {hidden.size} hidden</button>}
        <button type="button" title="the whole graph with its boundaries, legend, case, window and zone" onClick={() => { const svg = exportSvg(); if (svg) download('graph.svg', new Blob([svg], { type: 'image/svg+xml' })); }}>SVG</button>
        <button type="button" title="the whole graph as a picture, at twice the screen's pixels" onClick={() => { const svg = exportSvg(); if (svg) void svgToPng(svg).then((b) => download('graph.png', b)); }}>PNG</button>
        <span className="muted small" data-testid="graph-stats">{data ? `${number(data.nodes.length)} nodes · ${number(data.edges.length)} edges · ${Math.round(data.elapsedMs)} ms${data.omitted.nodes ? ` · ${number(data.omitted.nodes)} small nodes folded` : ''}` : 'loading…'}</span>
      </div>
      {boundaries.length > 1 && (
        <div className="toolbar wrap-row small" role="group" aria-label="collapse boundaries">
          <span className="muted">Collapse:</span>
          {boundaries.map(([b, outside]) => (
            <button
              key={b}
              type="button"
              className={`chip${collapsed.has(b) ? ' pressed' : ''}${outside ? ' not' : ''}`}
              aria-pressed={collapsed.has(b)}
              title={collapsed.has(b) ? 'show its nodes again' : 'fold its nodes into one, keeping its flows in and out'}
              onClick={() => setCollapsed((old) => { const next = new Set(old); if (next.has(b)) next.delete(b); else next.add(b); return next; })}
            >
              {collapsed.has(b) ? '▸' : '▾'} {b}{outside ? ' (outside)' : ''}
            </button>
          ))}
        </div>
      )}
      <div className="toolbar replay" aria-label="replay">
        {!clock ? (
          <button type="button" onClick={() => startReplay()} disabled={!data?.edges.length}>▶ Replay</button>
        ) : (
          <>
            <button type="button" onClick={() => setClock({ ...current(), playing: !current().playing && current().at < current().to })} aria-label={clock.playing ? 'pause' : 'play'}>{clock.playing ? '❚❚' : '▶'}</button>
            <button type="button" onClick={() => void stepEvent(-1)} aria-label="previous event">◀ event</button>
            <button type="button" onClick={() => void stepEvent(1)} aria-label="next event">event ▶</button>
            <select aria-label="replay speed" value={clock.speed} onChange={(e) => setClock({ ...current(), speed: Number(e.target.value) })}>
              {SPEEDS.map((s) => <option key={s} value={s}>{number(s)}×</option>)}
            </select>
            <input
              aria-label="jump to time"
              // In the zone on screen, like every other time: typed the same way, read back to UTC.
              value={typedTime ?? formatTime(new Date(clock.at).toISOString(), zone).slice(0, 19)}
              title={`a time in ${zoneLabel(zone)}`}
              size={20}
              onFocus={(e) => setTypedTime(e.currentTarget.value)}
              onChange={(e) => setTypedTime(e.currentTarget.value)}
              onBlur={() => setTypedTime(null)}
              onKeyDown={(e) => {
                if (e.key !== 'Enter') return;
                const utc = zonedToUtc(e.currentTarget.value, zone);
                const at = utc ? Date.parse(utc) : Number.NaN;
                if (Number.isFinite(at)) setClock({ ...current(), at: Math.max(clock.from, Math.min(clock.to, at)), playing: false });
                setTypedTime(null);
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
              live={live}
              positions={positions.current}
              onSelect={(id) => selectIdentity(id)}
              onLayout={(n, l) => (layout.current = { nodes: n, links: l })}
            />
          )}
          <p className="legend small">
            <span className="dot machine" /> machine <span className="dot human" /> human <span className="sq" /> resource <span className="sq external" /> outside the case’s boundaries ·{' '}
            <span className="line cross" /> crosses a boundary <span className="line external" /> to an outside boundary <span className="line" style={{ background: COLOR.unknownBoundary }} /> to an unknown boundary <span className="line assumes" /> assumed a role
            {layers.includes('credentials') && <> · <span className="diamond" /> credential</>}
            {layers.includes('addresses') && <> · <span className="dot address" /> source address</>}
            {layers.includes('sessions') && <> · ▲ session</>}
            {layers.includes('boundaries') && <> · ⬢ boundary, with its flows to other boundaries dashed</>}
            {layers.includes('permissions') && <> · <span className="line" style={{ background: COLOR.canBecome }} /> can become (trust, escalation) · <span className="line" style={{ background: COLOR.couldReach }} /> could reach, not touched</>}
            {path?.found && <> · <span className="line" style={{ background: COLOR.path }} /> the path found</>}
            {data?.omitted.nodes || collapsed.size > 0 ? <> · dashed ring: nodes folded together (smaller ones, or a collapsed boundary)</> : null}
          </p>
        </div>
        <aside className="graph-side">
          {selectedNode ? (
            <div data-testid="graph-selection">
              <strong>{selectedNode.label}</strong>
              <div className="muted small wrap">{selectedNode.id}</div>
              <p className="small">
                {selectedNode.kind === 'identity' ? (selectedNode.isNhi ? 'machine' : selectedNode.isNhi === false ? 'human' : 'unclassified') : selectedNode.kind === 'group' ? `${number(selectedNode.members ?? 0)} smaller ${selectedNode.type === 'identity' ? 'identities' : 'resources'} folded together (raise “min events” or narrow the filter to see them)` : selectedNode.kind} · boundary {selectedNode.boundary ?? 'unknown'}
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
                {selectedNode.kind === 'resource' && <button type="button" onClick={() => void findTouchers(selectedNode.id)}>Who touched it</button>}
                {(selectedNode.kind === 'identity' || selectedNode.kind === 'resource') && <button type="button" onClick={() => void expand(selectedNode.id)}>Expand neighbours</button>}
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
              {path.proof && <p className="small wrap" data-testid="graph-path-proof">First time: <span className="muted">{formatTime(path.proof.time, zone)}</span> {zoneText(path.proof.summary, zone)}</p>}
            </div>
          )}
          {touchers && (
            <div data-testid="graph-touchers">
              <h4>Who touched {label(touchers.resource)}</h4>
              <ul className="plain small">
                {touchers.list.map((t) => (
                  <li key={t.identity}>
                    <button type="button" className="link" onClick={() => selectIdentity(t.identity)}>{t.label}</button> <span className="muted">{t.isNhi ? 'machine' : t.isNhi === false ? 'human' : 'unclassified'}</span>{' '}
                    {t.how === 'direct' ? `${number(t.events)} events, ${formatBytes(t.bytes)}` : `through ${t.through.map(label).join(' → ')} (assumed ${number(t.events)}×)`}
                  </li>
                ))}
              </ul>
              {touchers.list.length === 0 && <p className="small">Nobody in this window.</p>}
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
      <FlowTable edges={visibleEdges} byId={byId} zone={zone} onSelect={selectIdentity} />
    </section>
  );
}

/**
 * The flows as a table (the graph's accessible twin). Memoized: during a replay the view renders
 * every frame, the table only when the edges shown change (four times a second at most).
 */
const FlowTable = memo(function FlowTable({ edges: visibleEdges, byId, zone, onSelect }: { edges: GraphData['edges']; byId: Map<string, GraphData['nodes'][number]>; zone: string; onSelect(id: string): void }) {
  return (
    <details className="edge-table" open>
      <summary>Flows ({number(visibleEdges.length)}{visibleEdges.length > 100 ? ', the first 100 shown' : ''}), largest and outside-boundary first</summary>
      <table aria-label="graph edges">
        <thead><tr><th>From</th><th>To</th><th>Events</th><th>Bytes</th><th>Failures</th><th>Boundary</th><th>First</th><th>Last</th></tr></thead>
        <tbody>
          {visibleEdges.slice(0, 100).map((e) => (
            <FlowRow key={`${e.source}>${e.target}>${e.kind}`} edge={e} from={byId.get(e.source)?.label ?? e.source} to={byId.get(e.target)?.label ?? e.target} zone={zone} onSelect={onSelect} />
          ))}
        </tbody>
      </table>
    </details>
  );
});

/** One flow; a replay adds rows as their first event passes, and the rows already there stay as they are. */
const FlowRow = memo(function FlowRow({ edge: e, from, to, zone, onSelect }: { edge: GraphData['edges'][number]; from: string; to: string; zone: string; onSelect(id: string): void }) {
  return (
    <tr className={e.external ? 'external' : ''}>
      <td title={e.source}><button type="button" className="link" aria-label={`select ${e.source}`} onClick={() => onSelect(e.source)}>{from}</button></td>
      <td title={e.target}>{EDGE_VERB[e.kind]}<button type="button" className="link" aria-label={`select ${e.target}`} onClick={() => onSelect(e.target)}>{to}</button></td>
      <td>{number(e.events)}</td>
      <td>{formatBytes(e.bytes)}</td>
      <td>{number(e.failures)}</td>
      <td>{e.external ? 'OUTSIDE' : e.crossBoundary ? 'crosses' : e.unknownBoundary ? 'unknown' : ''}</td>
      <td>{formatTime(e.first, zone)}</td>
      <td>{formatTime(e.last, zone)}</td>
    </tr>
  );
});
