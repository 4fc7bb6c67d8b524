import { actionsOn, allowedResourcesOf } from '../access/identity-access';
import { rerouteEdges } from '../../shared/graph-merge';
import { BIN_ORIGIN_MS } from '../../shared/time-bins';
import type { EventFilter } from '../../shared/api';
import type { GraphData, GraphEdge, GraphLayer, GraphNode, GraphWire, TimelineData, TimelineStack } from '../../shared/graph';
import { graphToIpc } from '../../shared/graph-arrow';
import type { CaseStore, SqlParams } from '../case-store/case-store';
import { boundaryKind, boundaryRoot, isOutside } from '../analytics/boundaries';
import { eventWhere } from './events-service';
import { type ContainerSource, aggregateEvents, rollupReady, rollupWindow, withoutWindow } from '../analytics/event-rollup';

/**
 * The graph view's queries, in DuckDB: identity → resource edges aggregated over the events a
 * filter selects (the events view's filter, so both views mean the same thing by it), role
 * assumptions from the sessions table, the path from an identity to a resource, and the
 * timeline's histogram.
 *
 * Resources are grouped by their container (an S3 bucket, not each object) so that a copy of
 * 140 objects is one thick edge, not 140 thin ones.
 */

const ISO = `'%Y-%m-%dT%H:%M:%S.%fZ'`;
export const MAX_NODES = 2000;
/** At most this many credential or address nodes per layer. */
const LAYER_LIMIT = 300;

/**
 * Events grouped by actor, resource, operation and status, for the graph: from the per-minute
 * rollup when it covers the case and the filter is one of its keys (10 M events: 1.7 s → tens of
 * ms), otherwise from the events.
 */
async function pickedFlows(store: CaseStore, filter: EventFilter): Promise<{ picked: string; params: Record<string, string | boolean | null> }> {
  const ready = await rollupReady(store);
  const window = rollupWindow(filter);
  if (window && ready) {
    const { sql, params } = eventWhere(withoutWindow(filter));
    return {
      picked: `SELECT e.actor_uid, e.resource, e.operation, e.status, sum(e.n) AS n, sum(e.bytes_read) AS bytes_read, sum(e.bytes_written) AS bytes_written,
          min(e.lo) AS lo, max(e.hi) AS hi, any_value(e.actor_boundary) AS actor_boundary, any_value(e.boundary) AS boundary,
          any_value(e.resource_type) AS resource_type
        FROM ${window.sql} e ${filter.nhi === undefined ? '' : 'LEFT JOIN identities i ON i.uid = e.actor_uid'}
        ${sql}
        GROUP BY ALL`,
      params: { ...params, ...window.params },
    };
  }
  const { sql, params } = eventWhere(filter);
  // Containers from the time-ordered copy while it is current (half the rows of event_resources),
  // bounded by the window when there is one (the same bound parameters as the events').
  const containers: ContainerSource =
    !ready ? 'resources' : filter.from && filter.to ? { window: `time >= try_cast($from AS TIMESTAMPTZ)::TIMESTAMP AND time < try_cast($to AS TIMESTAMPTZ)::TIMESTAMP` } : { window: 'true' };
  return { picked: aggregateEvents(sql, false, filter.nhi === undefined ? '' : 'LEFT JOIN identities i ON i.uid = e.actor_uid', containers), params };
}

export async function graphQuery(store: CaseStore, filter: EventFilter, options: { maxNodes?: number; minEvents?: number; layers?: GraphLayer[] } = {}): Promise<GraphData> {
  const started = performance.now();
  const maxNodes = options.maxNodes ?? MAX_NODES;
  const { picked, params } = await pickedFlows(store, filter);
  const allRows = await store.read<{
    source: string | null; target: string | null; events: number; bytes: number; bytes_read: number; bytes_written: number; failures: number; operations: string[]; first: string; last: string;
    actor_boundary: string | null; boundary: string | null; external: boolean; cross: boolean; resource_type: string | null;
  }>(
    // Two stages: first by actor, resource, operation and status (few groups, plain sums), then
    // per actor and resource. Rolling the operations up over the small first stage, not over
    // every event, cut the query on 1,000,000 events from 269 to about 170 ms.
    `WITH picked AS (${picked}),
     flows AS (
       SELECT actor_uid AS source, resource AS target, sum(n)::BIGINT AS events, (sum(bytes_read) + sum(bytes_written))::BIGINT AS bytes,
         sum(bytes_read)::BIGINT AS bytes_read, sum(bytes_written)::BIGINT AS bytes_written,
         coalesce(sum(n) FILTER (WHERE status = 'failure'), 0)::BIGINT AS failures,
         list(DISTINCT operation ORDER BY operation)[1:6] AS operations,
         strftime(min(lo), ${ISO}) AS first, strftime(max(hi), ${ISO}) AS last,
         any_value(actor_boundary) AS actor_boundary, any_value(boundary) AS boundary, any_value(resource_type) AS resource_type
       FROM picked GROUP BY actor_uid, resource HAVING sum(n) >= $min)
     SELECT *, ${isOutside('boundary')} AS external,
       coalesce(${boundaryKind('boundary')} = ${boundaryKind('actor_boundary')} AND ${boundaryRoot('boundary')} <> ${boundaryRoot('actor_boundary')}, false) AS cross
     FROM flows ORDER BY events DESC, source, target`,
    { ...(params as Record<string, string | boolean>), min: options.minEvents ?? 1 } as SqlParams,
  );
  // Events without an actor or a resource are left out here, not in SQL: DuckDB pushes such a
  // filter below the aggregation, onto every joined event, where it cost 110 ms of 280 on
  // 1,000,000 events.
  const rows = allRows.filter((r): r is typeof r & { source: string; target: string } => r.source !== null && r.target !== null);
  const identities = new Map(
    (await store.read<{ uid: string; display: string | null; type: string; is_nhi: boolean | null; boundary: string | null }>(
      `SELECT uid, coalesce(label, display) AS display, type, is_nhi, boundaries[1] AS boundary FROM identities`,
    )).map((i) => [i.uid, i]),
  );
  const nodes = new Map<string, GraphNode>();
  const touch = (node: GraphNode, events: number, bytes: number) => {
    const have = nodes.get(node.id) ?? node;
    have.events += events;
    have.bytes += bytes;
    nodes.set(node.id, have);
  };
  for (const r of rows) {
    const i = identities.get(r.source);
    touch({ id: r.source, kind: 'identity', label: i?.display ?? r.source, type: i?.type ?? null, isNhi: i?.is_nhi ?? null, boundary: r.actor_boundary ?? i?.boundary ?? null, external: false, events: 0, bytes: 0 }, r.events, r.bytes);
    // A role or user read or changed (GetRole, CreateAccessKey) is still an identity, whatever the window shows.
    const t = identities.get(r.target);
    touch(
      t
        ? { id: r.target, kind: 'identity', label: t.display ?? r.target, type: t.type, isNhi: t.is_nhi, boundary: t.boundary ?? r.boundary, external: false, events: 0, bytes: 0 }
        : { id: r.target, kind: 'resource', label: shortResource(r.target), type: r.resource_type, isNhi: null, boundary: r.boundary, external: r.external, events: 0, bytes: 0 },
      r.events,
      r.bytes,
    );
  }
  // An identity's data moved is the larger of what it read and wrote: a copy counts once.
  const moved = new Map<string, { read: number; written: number }>();
  for (const r of rows) {
    const m = moved.get(r.source) ?? { read: 0, written: 0 };
    m.read += r.bytes_read;
    m.written += r.bytes_written;
    moved.set(r.source, m);
  }
  for (const [uid, m] of moved) {
    const node = nodes.get(uid);
    if (node?.kind === 'identity') node.bytes = Math.max(m.read, m.written);
  }
  let edges: GraphEdge[] = rows.map((r) => ({
    source: r.source,
    target: r.target,
    kind: 'access',
    events: r.events,
    bytes: r.bytes,
    failures: r.failures,
    operations: r.operations,
    first: r.first,
    last: r.last,
    // A namespace of the actor's own cluster is not another boundary; an Azure subscription seen from a tenant cannot be judged.
    crossBoundary: r.cross,
    external: r.external,
    unknownBoundary: r.boundary === null,
  }));
  // Role assumptions among the identities on the graph, within the same time window.
  const window: Record<string, string> = {};
  if (filter.from) window.from = filter.from;
  if (filter.to) window.to = filter.to;
  const assumes = await store.read<{ source: string; target: string; events: number; first: string; last: string }>(
    `SELECT assumed_by AS source, role_uid AS target, count(*)::BIGINT AS events, strftime(min(assumed_at), ${ISO}) AS first, strftime(max(assumed_at), ${ISO}) AS last
     FROM sessions WHERE assumed_by IS NOT NULL AND role_uid IS NOT NULL
       ${filter.from ? 'AND assumed_at >= try_cast($from AS TIMESTAMPTZ)::TIMESTAMP' : ''} ${filter.to ? 'AND assumed_at < try_cast($to AS TIMESTAMPTZ)::TIMESTAMP' : ''}
     GROUP BY ALL ORDER BY source, target`,
    window,
  );
  for (const a of assumes) {
    if (!nodes.has(a.target)) continue;
    const i = identities.get(a.source);
    if (!nodes.has(a.source)) nodes.set(a.source, { id: a.source, kind: 'identity', label: i?.display ?? a.source, type: i?.type ?? null, isNhi: i?.is_nhi ?? null, boundary: i?.boundary ?? null, external: false, events: 0, bytes: 0 });
    edges.push({ source: a.source, target: a.target, kind: 'assumes', events: a.events, bytes: 0, failures: 0, operations: ['assume'], first: a.first, last: a.last, crossBoundary: false, external: false, unknownBoundary: false });
  }
  // An AssumeRole call also "acts on" the role as a resource: the assumption edge already says so.
  const assumed = new Set(edges.filter((e) => e.kind === 'assumes').map((e) => `${e.source}>${e.target}`));
  edges = edges.filter((e) => e.kind === 'assumes' || !assumed.has(`${e.source}>${e.target}`));
  // Optional layers: the credentials each identity used, the addresses it came from (the busiest
  // LAYER_LIMIT of each, so the picture stays readable).
  const { sql, params: layerParams } = eventWhere(filter);
  for (const layer of options.layers ?? []) {
    if (layer === 'sessions') {
      await addSessions(store, filter, nodes, edges);
      continue;
    }
    if (layer === 'boundaries') {
      addBoundaryFlows(nodes, edges);
      continue;
    }
    if (layer === 'permissions') {
      await addPermissions(store, nodes, edges);
      continue;
    }
    const column = layer === 'credentials' ? 'e.credential_uid' : 'e.src_ip';
    const rows2 = await store.read<{ actor: string; other: string; events: number; first: string; last: string; failures: number }>(
      `SELECT e.actor_uid AS actor, ${column} AS other, count(*)::BIGINT AS events, strftime(min(e.time), ${ISO}) AS first, strftime(max(e.time), ${ISO}) AS last,
         count(*) FILTER (WHERE e.status = 'failure')::BIGINT AS failures
       FROM events e LEFT JOIN identities i ON i.uid = e.actor_uid ${sql ? `${sql} AND` : 'WHERE'} e.actor_uid IS NOT NULL AND ${column} IS NOT NULL
       GROUP BY ALL ORDER BY events DESC LIMIT ${LAYER_LIMIT}`,
      layerParams as SqlParams,
    );
    for (const r of rows2) {
      if (!nodes.has(r.actor)) continue;
      const id = `${layer === 'credentials' ? 'credential' : 'address'}:${r.other}`;
      touch({ id, kind: layer === 'credentials' ? 'credential' : 'address', label: r.other, type: null, isNhi: null, boundary: nodes.get(r.actor)!.boundary, external: false, events: 0, bytes: 0 }, r.events, 0);
      edges.push(
        layer === 'credentials'
          ? { source: r.actor, target: id, kind: 'uses', events: r.events, bytes: 0, failures: r.failures, operations: [], first: r.first, last: r.last, crossBoundary: false, external: false, unknownBoundary: false }
          : { source: id, target: r.actor, kind: 'from', events: r.events, bytes: 0, failures: r.failures, operations: [], first: r.first, last: r.last, crossBoundary: false, external: false, unknownBoundary: false },
      );
    }
  }
  const folded = foldSmallNodes([...nodes.values()], edges, maxNodes);
  const [facets] = await store.read<{ services: string[]; categories: string[] }>(
    `SELECT (SELECT list(DISTINCT service ORDER BY service) FROM events WHERE service IS NOT NULL) AS services,
            (SELECT list(DISTINCT category ORDER BY category) FROM events) AS categories`,
  );
  return { nodes: folded.nodes, edges: folded.edges, omitted: folded.omitted, facets: { services: facets?.services ?? [], categories: facets?.categories ?? [] }, elapsedMs: performance.now() - started };
}

/** The graph for the wire: nodes and edges as Arrow IPC. */
export function graphWire(data: GraphData): GraphWire {
  const { nodes, edges, ...rest } = data;
  const ipc = graphToIpc({ nodes, edges });
  return { ...rest, nodesArrow: Buffer.from(ipc.nodes).toString('base64'), edgesArrow: Buffer.from(ipc.edges).toString('base64') };
}

/**
 * Level of detail: past `maxNodes`, the smallest identities and resources of each boundary are
 * folded into one 'group' node per boundary and kind, and their edges into edges to or from that
 * group, so no event or byte leaves the picture. Outside-boundary resources are never folded.
 */
export function foldSmallNodes(nodes: GraphNode[], edges: GraphEdge[], maxNodes: number): Pick<GraphData, 'nodes' | 'edges' | 'omitted'> {
  if (nodes.length <= maxNodes) return { nodes, edges, omitted: { nodes: 0, events: 0 } };
  const ranked = [...nodes].sort((a, b) => Number(b.external) - Number(a.external) || b.events - a.events || (a.id < b.id ? -1 : 1));
  const foldable = (n: GraphNode) => (n.kind === 'identity' || n.kind === 'resource') && !n.external;
  const groupOf = (n: GraphNode) => `group:${n.kind}:${n.boundary ?? '?'}`;
  // Each folded boundary and kind costs one group node: shrink what is kept until both fit.
  let keepCount = maxNodes;
  let folded: GraphNode[] = [];
  for (let round = 0; round < 8; round++) {
    folded = ranked.slice(keepCount).filter(foldable);
    const groups = new Set(folded.map(groupOf)).size;
    const unfoldable = ranked.slice(keepCount).length - folded.length;
    if (keepCount + groups + unfoldable <= maxNodes || keepCount === 0) break;
    keepCount = Math.max(0, maxNodes - groups - unfoldable);
  }
  const into = new Map(folded.map((n) => [n.id, groupOf(n)]));
  const kept = nodes.filter((n) => !into.has(n.id));
  const groups = new Map<string, GraphNode>();
  for (const n of folded) {
    const id = groupOf(n);
    const g = groups.get(id) ?? { id, kind: 'group', label: '', type: n.kind, isNhi: null, boundary: n.boundary, external: false, events: 0, bytes: 0, members: 0 };
    g.events += n.events;
    g.bytes += n.bytes;
    g.members! += 1;
    // A group of machines only (or people only) keeps the colour that says so.
    if (n.kind === 'identity') g.isNhi = g.members === 1 ? n.isNhi : g.isNhi === n.isNhi ? g.isNhi : null;
    groups.set(id, g);
  }
  for (const g of groups.values()) g.label = `${g.members!.toLocaleString('en-US')} smaller ${g.type === 'identity' ? 'identities' : 'resources'}`;
  return {
    nodes: [...kept, ...groups.values()],
    edges: rerouteEdges(edges, into, { maxOperations: 6, dropLoops: false }),
    omitted: { nodes: folded.length, events: folded.filter((n) => n.kind === 'resource').reduce((s, n) => s + n.events, 0) },
  };
}

/** The sessions layer: who opened each session (the busiest LAYER_LIMIT) and the role it ran as. */
async function addSessions(store: CaseStore, filter: EventFilter, nodes: Map<string, GraphNode>, edges: GraphEdge[]): Promise<void> {
  const window: Record<string, string> = {};
  if (filter.from) window.from = filter.from;
  if (filter.to) window.to = filter.to;
  const rows = await store.read<{ session: string; role: string; by: string; via: string; at: string; events: number; first: string | null; last: string | null }>(
    `SELECT session_uid AS session, role_uid AS role, assumed_by AS by, via, strftime(assumed_at, ${ISO}) AS at, events::BIGINT AS events,
       strftime(first_used, ${ISO}) AS first, strftime(last_used, ${ISO}) AS last
     FROM sessions WHERE session_uid IS NOT NULL AND role_uid IS NOT NULL
       ${filter.from ? 'AND coalesce(last_used, assumed_at) >= try_cast($from AS TIMESTAMPTZ)::TIMESTAMP' : ''} ${filter.to ? 'AND assumed_at < try_cast($to AS TIMESTAMPTZ)::TIMESTAMP' : ''}
     ORDER BY events DESC LIMIT ${LAYER_LIMIT}`,
    window,
  );
  for (const r of rows) {
    const role = nodes.get(r.role);
    if (!role) continue;
    const id = `session:${r.session}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'session', label: r.session.split(/[/:]/).filter(Boolean).pop() ?? r.session, type: r.via, isNhi: null, boundary: role.boundary, external: false, events: r.events, bytes: 0 });
    if (nodes.has(r.by)) edges.push({ source: r.by, target: id, kind: 'opens', events: 1, bytes: 0, failures: 0, operations: [r.via], first: r.at, last: r.at, crossBoundary: false, external: false, unknownBoundary: false });
    edges.push({ source: id, target: r.role, kind: 'as', events: r.events, bytes: 0, failures: 0, operations: [], first: r.first ?? r.at, last: r.last ?? r.at, crossBoundary: false, external: false, unknownBoundary: false });
  }
}

/** The boundaries layer: one node per boundary, and one edge per pair of boundaries that access crosses. */
function addBoundaryFlows(nodes: Map<string, GraphNode>, edges: GraphEdge[]): void {
  const flows = new Map<string, GraphEdge>();
  for (const e of edges) {
    if (e.kind !== 'access' || !e.crossBoundary) continue;
    const from = nodes.get(e.source)?.boundary;
    const to = nodes.get(e.target)?.boundary;
    if (!from || !to || from === to) continue;
    const key = `${from}>${to}`;
    const f = flows.get(key) ?? { source: `boundary:${from}`, target: `boundary:${to}`, kind: 'flows', events: 0, bytes: 0, failures: 0, operations: [], first: e.first, last: e.last, crossBoundary: true, external: false, unknownBoundary: false };
    f.events += e.events;
    f.bytes += e.bytes;
    f.failures += e.failures;
    if (e.first < f.first) f.first = e.first;
    if (e.last > f.last) f.last = e.last;
    f.external ||= e.external;
    flows.set(key, f);
  }
  for (const f of flows.values()) {
    for (const [id, external] of [[f.source, false], [f.target, f.external]] as const) {
      const b = id.slice('boundary:'.length);
      const have = nodes.get(id) ?? { id, kind: 'boundary', label: b, type: null, isNhi: null, boundary: b, external: false, events: 0, bytes: 0 };
      have.external ||= external;
      nodes.set(id, have);
    }
    nodes.get(f.target)!.events += f.events;
    nodes.get(f.target)!.bytes += f.bytes;
    edges.push(f);
  }
}

function shortResource(uid: string): string {
  const arn = /^arn:aws:s3:::(.+)$/.exec(uid);
  if (arn) return `s3://${arn[1]}`;
  const parts = uid.split(/[/:]/).filter(Boolean);
  return parts.length > 2 ? `${parts[parts.length - 2]}/${parts[parts.length - 1]}` : uid;
}

/** Events over time, machine and human, in about `buckets` bins over the filter's window or the whole case. */
export async function timelineHistogram(store: CaseStore, filter: EventFilter, buckets = 200, stackBy: TimelineStack = 'nhi'): Promise<TimelineData> {
  const events = timelineSource(filter, null);
  const window = rollupWindow(filter, { containers: false });
  const rolled = window && (await rollupReady(store)) ? timelineSource(filter, window) : null;
  const first = rolled ?? events;
  const [range] = await store.read<{ lo: string | null; hi: string | null; span: number | null }>(
    `SELECT strftime(min(${first.lo}), ${ISO}) AS lo, strftime(max(${first.hi}), ${ISO}) AS hi, epoch(max(${first.hi})) - epoch(min(${first.lo})) AS span
     FROM ${first.from}`,
    first.params,
  );
  if (!range?.lo) return { from: null, to: null, bucketSeconds: 0, stackBy, keys: [], bins: [] };
  // A window the analyst zoomed to is the axis, not the first and last event inside it: otherwise
  // one wheel notch onto a sparse stretch snaps the axis to a single event's second.
  if (filter.from && filter.to && Number.isFinite(Date.parse(filter.from)) && Number.isFinite(Date.parse(filter.to))) {
    range.lo = new Date(Date.parse(filter.from)).toISOString();
    range.hi = new Date(Date.parse(filter.to)).toISOString();
    range.span = (Date.parse(filter.to) - Date.parse(filter.from)) / 1000;
  }
  const NICE = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400];
  const wanted = Math.max(1, (range.span ?? 0) / buckets);
  const bucketSeconds = NICE.find((s) => s >= wanted) ?? NICE[NICE.length - 1]!;
  // The column is one of two fixed names (the API schema allows nothing else), so it is spliced.
  const key = stackBy === 'source' ? 'e.source' : stackBy === 'category' ? 'e.category' : `CASE WHEN i.is_nhi THEN 'machine' ELSE 'human' END`;
  // The rollup counts whole minutes: bins of a minute or more are sums of its rows.
  const src = rolled && bucketSeconds >= 60 ? rolled : events;
  // Bins start where the page snaps a brush to (shared/time-bins.ts).
  const bucket = `time_bucket(to_seconds(${bucketSeconds}), ${src.time}, TIMESTAMP '${new Date(BIN_ORIGIN_MS).toISOString().slice(0, 19).replace('T', ' ')}')`;
  const rows = await store.read<{ start: string; k: string; n: number }>(
    `SELECT strftime(${bucket}, ${ISO}) AS start, ${key} AS k, ${src.count}::BIGINT AS n
     FROM ${src.from} GROUP BY ALL ORDER BY start`,
    src.params,
  );
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.k, (totals.get(r.k) ?? 0) + r.n);
  // Biggest series at the bottom, where heights compare best.
  const keys = stackBy === 'nhi' ? ['machine', 'human'] : [...totals.keys()].sort((a, b) => totals.get(b)! - totals.get(a)!);
  const index = new Map(keys.map((k, i) => [k, i]));
  const byStart = new Map<string, TimelineData['bins'][number]>();
  for (const r of rows) {
    const bin = byStart.get(r.start) ?? { start: r.start, machine: 0, human: 0, stacks: keys.map(() => 0) };
    bin.stacks[index.get(r.k)!]! += r.n;
    byStart.set(r.start, bin);
  }
  const bins = [...byStart.values()];
  if (stackBy === 'nhi') for (const b of bins) [b.machine, b.human] = [b.stacks[0]!, b.stacks[1]!];
  else {
    // Machine/human counts still travel with every bin, for the totals.
    const nhi = await store.read<{ start: string; machine: number; human: number }>(
      `SELECT strftime(${bucket}, ${ISO}) AS start,
         coalesce(${src.count} FILTER (WHERE i.is_nhi), 0)::BIGINT AS machine, coalesce(${src.count} FILTER (WHERE NOT coalesce(i.is_nhi, false)), 0)::BIGINT AS human
       FROM ${src.from} GROUP BY ALL`,
      src.params,
    );
    for (const n of nhi) Object.assign(byStart.get(n.start)!, { machine: n.machine, human: n.human });
  }
  return { from: range.lo, to: range.hi, bucketSeconds, stackBy, keys, bins };
}

/** Where the timeline counts from: the events, or the rollup's rows for the filter's window. */
function timelineSource(filter: EventFilter, window: ReturnType<typeof rollupWindow>) {
  if (!window) {
    const { sql, params } = eventWhere(filter);
    return { from: `events e LEFT JOIN identities i ON i.uid = e.actor_uid ${sql}`, params: params as SqlParams, time: 'e.time', count: 'count(*)', lo: 'e.time', hi: 'e.time' };
  }
  const { sql, params } = eventWhere(withoutWindow(filter));
  return {
    from: `${window.sql} e LEFT JOIN identities i ON i.uid = e.actor_uid ${sql}`,
    params: { ...params, ...window.params } as SqlParams,
    time: 'e.minute',
    count: 'sum(e.n)',
    lo: 'e.lo',
    hi: 'e.hi',
  };
}

/**
 * The permissions layer: beside what each identity did, who it can become (trust, escalation)
 * and which of the drawn resources its permission snapshot lets it reach but it did not touch.
 */
async function addPermissions(store: CaseStore, nodes: Map<string, GraphNode>, edges: GraphEdge[]): Promise<void> {
  const identities = [...nodes.values()].filter((n) => n.kind === 'identity').map((n) => n.id);
  if (!identities.length) return;
  const steps = await store.read<{ from_uid: string; to_uid: string; method: string; explanation: string; name: string | null; is_nhi: boolean | null; boundary: string | null }>(
    `SELECT e.from_uid, e.to_uid, e.method, e.explanation, p.name, i.is_nhi, p.scope AS boundary FROM access_edges e
     LEFT JOIN access_principals p ON p.uid = e.to_uid LEFT JOIN identities i ON i.uid = e.to_uid
     WHERE e.kind IN ('assume', 'escalate') AND e.from_uid IN (SELECT unnest(from_json($ids, '["VARCHAR"]'))) ORDER BY e.from_uid, e.to_uid LIMIT ${LAYER_LIMIT}`,
    { ids: JSON.stringify(identities) },
  );
  for (const st of steps) {
    if (!nodes.has(st.to_uid)) {
      nodes.set(st.to_uid, { id: st.to_uid, kind: 'identity', label: st.name ?? st.to_uid, type: st.to_uid.includes('-admin:') ? 'administrator' : null, isNhi: st.is_nhi, boundary: st.boundary, external: false, events: 0, bytes: 0 });
    }
    edges.push({ source: st.from_uid, target: st.to_uid, kind: 'can-become', events: 0, bytes: 0, failures: 0, operations: [st.method], first: '', last: '', crossBoundary: false, external: false, unknownBoundary: false });
  }
  const resources = [...nodes.values()].filter((n) => n.kind === 'resource' && n.id.startsWith('arn:'));
  const did = new Set(edges.filter((e) => e.kind === 'access').map((e) => `${e.source}>${e.target}`));
  const holders = [...nodes.values()].filter((n) => n.kind === 'identity').map((n) => n.id);
  const allowed = await allowedResourcesOf(store, holders);
  let added = 0;
  for (const id of holders) {
    for (const r of resources) {
      if (did.has(`${id}>${r.id}`) || added >= LAYER_LIMIT) continue;
      const actions = actionsOn(allowed.get(id) ?? [], id, r.id, r.boundary);
      if (!actions) continue;
      edges.push({ source: id, target: r.id, kind: 'could-reach', events: 0, bytes: 0, failures: 0, operations: actions.slice(0, 4), first: '', last: '', crossBoundary: false, external: false, unknownBoundary: false });
      added++;
    }
  }
}
