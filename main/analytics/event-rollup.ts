import type { EventFilter } from '../../shared/api';
import type { CaseStore } from '../case-store/case-store';

/**
 * Events counted per minute, actor (its id and the name the record gave it), resource (its
 * container, as the graph draws it), operation, status, source, category and service: what the
 * graph and the timeline aggregate, two orders of magnitude smaller than the events.
 *
 * It is a cache of the events table, never evidence: it is rebuilt for the minutes an import
 * touched, and `event_rollup_state` says how many events it covers. A reader uses it only while
 * that number equals the events table's count and its version is this build's, so a case from
 * an older build, or one whose refresh failed, is read from the events as before.
 */

/** Bumped when the rollup's columns change: an older rollup is rebuilt whole, never read. */
const ROLLUP_VERSION = 3;

const ROLLUP_DDL = [
  `CREATE TABLE IF NOT EXISTS event_rollup (minute TIMESTAMP, actor_uid VARCHAR, actor_display VARCHAR, resource VARCHAR, operation VARCHAR, status VARCHAR,
     source VARCHAR, category VARCHAR, service VARCHAR, n BIGINT, bytes_read BIGINT, bytes_written BIGINT, lo TIMESTAMP, hi TIMESTAMP,
     actor_boundary VARCHAR, boundary VARCHAR, resource_type VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS event_rollup_state (events BIGINT, version INTEGER)`,
  // Each event's container with the event's time, in time order: a window's containers are read
  // by time (zone maps) instead of joining all of event_resources, whose rows say nothing of time.
  `CREATE TABLE IF NOT EXISTS event_containers (time TIMESTAMP, event_uid VARCHAR, source VARCHAR, resource_uid VARCHAR, boundary VARCHAR, resource_type VARCHAR)`,
];

/**
 * Where an event's container comes from: `event_resources` (every resource row of the case),
 * the time-ordered `event_containers` cut to a window (`time` in the predicate), or nowhere
 * (the timeline counts and needs none).
 */
export type ContainerSource = 'resources' | 'none' | { window: string };

function containerJoin(source: ContainerSource): string {
  if (source === 'none') return `LEFT JOIN (SELECT NULL::VARCHAR AS resource_uid, NULL::VARCHAR AS boundary, NULL::VARCHAR AS resource_type) c ON false`;
  if (source === 'resources') return `LEFT JOIN event_resources c ON c.event_uid = e.event_uid AND c.source = e.source AND c.role = 'container'`;
  return `LEFT JOIN (SELECT * FROM event_containers WHERE ${source.window}) c ON c.event_uid = e.event_uid AND c.source = e.source`;
}

/**
 * Events (alias e) grouped as the rollup is, or, with `perMinute` false, only by actor, resource,
 * operation and status (what the graph draws, straight from the events). `join` adds a table the
 * filter in `where` needs (the identities, for machines against people).
 */
export function aggregateEvents(where: string, perMinute = true, join = '', containers: ContainerSource = 'resources'): string {
  const keys = perMinute
    ? `date_trunc('minute', e.time) AS minute, e.actor_uid, e.actor_display, coalesce(c.resource_uid, e.resource_uid) AS resource, e.operation, e.status, e.source, e.category, e.service`
    : `e.actor_uid, coalesce(c.resource_uid, e.resource_uid) AS resource, e.operation, e.status`;
  return `SELECT ${keys}, count(*)::BIGINT AS n, sum(coalesce(e.bytes_out, 0))::BIGINT AS bytes_read,
      sum(coalesce(e.bytes_in, 0))::BIGINT AS bytes_written, min(e.time) AS lo, max(e.time) AS hi,
      any_value(e.actor_boundary) AS actor_boundary, any_value(coalesce(c.boundary, e.boundary)) AS boundary,
      any_value(coalesce(c.resource_type, e.resource_type)) AS resource_type
    FROM events e ${join}
    -- Parsers write at most one container per event, so this join adds no rows. From
    -- event_resources it reads all its rows (18 M at 10 M events, ~450 ms) however narrow the
    -- window; from event_containers cut to the window, a few ms.
    ${containerJoin(containers)}
    ${where}
    GROUP BY ALL`;
}

/**
 * Rebuilds the rollup for the minutes between `lo` and `hi` (an import's first and last event
 * times), or for the whole case. Every event in those minutes is counted again, old or new.
 */
export async function refreshRollup(store: CaseStore, range: { lo: string; hi: string } | 'all'): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const built = await rollupVersion(store);
  if (built !== null && built !== ROLLUP_VERSION) {
    // Made by another build, with other columns: rebuilt whole.
    await store.run(`DROP TABLE IF EXISTS event_rollup`);
    await store.run(`DROP TABLE IF EXISTS event_containers`);
    await store.run(`DROP TABLE event_rollup_state`);
    range = 'all';
  }
  for (const ddl of ROLLUP_DDL) await store.run(ddl);
  await store.transaction(async () => {
    const containers = `SELECT e.time, c.event_uid, c.source, c.resource_uid, c.boundary, c.resource_type
      FROM event_resources c JOIN events e ON e.event_uid = c.event_uid AND e.source = c.source WHERE c.role = 'container'`;
    if (range === 'all') {
      await store.run(`DELETE FROM event_containers`);
      await store.run(`INSERT INTO event_containers ${containers} ORDER BY e.time`);
      await store.run(`DELETE FROM event_rollup`);
      await store.run(`INSERT INTO event_rollup ${aggregateEvents('', true, '', { window: 'true' })} ORDER BY minute`);
    } else {
      const bounds = { lo: range.lo, hi: range.hi };
      const within = (column: string) => `${column} >= date_trunc('minute', $lo::TIMESTAMP) AND ${column} < date_trunc('minute', $hi::TIMESTAMP) + INTERVAL 1 MINUTE`;
      await store.run(`DELETE FROM event_containers WHERE ${within('time')}`, bounds);
      await store.run(`INSERT INTO event_containers ${containers} AND ${within('e.time')} ORDER BY e.time`, bounds);
      await store.run(`DELETE FROM event_rollup WHERE ${within('minute')}`, bounds);
      await store.run(`INSERT INTO event_rollup ${aggregateEvents(`WHERE ${within('e.time')}`, true, '', { window: within('time') })} ORDER BY minute`, bounds);
    }
    await store.run(`DELETE FROM event_rollup_state`);
    await store.run(`INSERT INTO event_rollup_state SELECT count(*), ${ROLLUP_VERSION} FROM events`);
  });
  const [row] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM event_rollup`);
  return { rows: row?.n ?? 0, ms: performance.now() - started };
}

/** The version of the rollup in the case: null when it has none, 1 for the first (unversioned) one. */
async function rollupVersion(store: CaseStore): Promise<number | null> {
  const columns = await store.read<{ column_name: string }>(
    `SELECT column_name FROM duckdb_columns() WHERE table_name = 'event_rollup_state' AND schema_name = 'main' AND database_name = current_database()`,
  );
  if (columns.length === 0) return null;
  if (!columns.some((c) => c.column_name === 'version')) return 1;
  const [row] = await store.read<{ v: number | null }>(`SELECT max(version) AS v FROM event_rollup_state`);
  return row?.v ?? ROLLUP_VERSION;
}

/** Whether the rollup covers every event of the case, in this build's columns. */
export async function rollupReady(store: CaseStore): Promise<boolean> {
  if ((await rollupVersion(store)) !== ROLLUP_VERSION) return false;
  const [row] = await store.read<{ ready: boolean }>(
    `SELECT coalesce((SELECT max(events) FROM event_rollup_state WHERE version = ${ROLLUP_VERSION}) = (SELECT count(*) FROM events), false) AS ready`,
  );
  return row?.ready === true;
}

/** Filters the rollup can answer exactly: their fields are its keys. */
const ROLLUP_FIELDS = new Set<keyof EventFilter>(['from', 'to', 'source', 'actor', 'nhi', 'operation', 'status', 'service', 'category']);

const MINUTE = 60_000;

/**
 * The rows, in the rollup's columns, that stand for the events a filter's window selects: whole
 * minutes from the rollup, and the part-minutes at the window's edges aggregated from the events
 * themselves (a brush rarely falls on a minute). The filter's other fields are the rollup's keys,
 * so the caller applies them over this relation unchanged. Null when the rollup cannot answer
 * (another field is set, a bound does not parse, or the window is under two minutes, which the
 * events answer as fast). The timeline passes `containers: false`: it counts, and the edges'
 * resources are left null.
 */
export function rollupWindow(filter: EventFilter, options: { containers?: boolean } = {}): { sql: string; params: Record<string, string> } | null {
  const withContainers = options.containers !== false;
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (!ROLLUP_FIELDS.has(key as keyof EventFilter)) return null;
  }
  const from = filter.from ? Date.parse(filter.from) : null;
  const to = filter.to ? Date.parse(filter.to) : null;
  if ((from !== null && !Number.isFinite(from)) || (to !== null && !Number.isFinite(to))) return null;
  const fullFrom = from === null ? null : Math.ceil(from / MINUTE) * MINUTE;
  const fullTo = to === null ? null : Math.floor(to / MINUTE) * MINUTE;
  if (fullFrom !== null && fullTo !== null && fullTo - fullFrom < 2 * MINUTE) return null;
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '');
  const params: Record<string, string> = {};
  const whole: string[] = [];
  const edges: string[] = [];
  if (fullFrom !== null) {
    params.rfull_from = iso(fullFrom);
    whole.push(`minute >= $rfull_from::TIMESTAMP`);
    if (fullFrom !== from) {
      params.redge_from = iso(from!);
      edges.push(`{t} >= $redge_from::TIMESTAMP AND {t} < $rfull_from::TIMESTAMP`);
    }
  }
  if (fullTo !== null) {
    params.rfull_to = iso(fullTo);
    whole.push(`minute < $rfull_to::TIMESTAMP`);
    if (fullTo !== to) {
      params.redge_to = iso(to!);
      edges.push(`{t} >= $rfull_to::TIMESTAMP AND {t} < $redge_to::TIMESTAMP`);
    }
  }
  const rolled = `SELECT * FROM event_rollup ${whole.length > 0 ? `WHERE ${whole.join(' AND ')}` : ''}`;
  // One aggregation per edge: a range each lets DuckDB skip by its zone maps (an OR of the two
  // made it scan every event: 510 ms instead of 45 on 10,000,000).
  const edge = (range: string) =>
    aggregateEvents(`WHERE ${range.replaceAll('{t}', 'e.time')}`, true, '', withContainers ? { window: range.replaceAll('{t}', 'time') } : 'none');
  const sql = `(${[rolled, ...edges.map(edge)].join(' UNION ALL ')})`;
  return { sql, params };
}

/** The filter without its time window (applied over rollupWindow's rows, which carry it). */
export function withoutWindow(filter: EventFilter): EventFilter {
  const { from: _from, to: _to, ...rest } = filter;
  return rest;
}
