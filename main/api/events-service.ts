import { tableFromJSON, tableToIPC } from 'apache-arrow';
import { EVENT_PAGE_COLUMNS, type EventDetail, type EventFilter, type EventPage, type ValueCounts } from '../../shared/api';
import { VALUE_FIELDS, type ValueField } from '../../shared/event-columns';
import { chainForEvent } from '../analytics/chain';
import type { CaseStore, SqlParams } from '../case-store/case-store';
import { rollupReady, rollupWindow, withoutWindow } from '../analytics/event-rollup';

/**
 * The events view's queries: a filtered, sorted page of events, and one event with its raw
 * record, provenance and the chain behind it. Filters are bound parameters, never SQL text.
 */

/** Current tags of each event: a tag counts when its last journal entry adds it. */
const EVENT_TAGS = `SELECT target_id AS event_uid, body->>'tag' AS tag FROM journal
  WHERE target_kind = 'event' AND action IN ('tag', 'untag') GROUP BY ALL HAVING arg_max(action, seq) = 'tag'`;
const EVENT_BOOKMARKS = `SELECT DISTINCT target_id FROM journal WHERE target_kind = 'event' AND action = 'bookmark'`;

/**
 * The SQL of a value field: a normalized column (from the fixed list, so it may be spliced) or a
 * field of the raw record by JSON pointer, bound as a parameter. CSV records are not JSON and have
 * no raw fields.
 */
function fieldSql(field: string, param: string, params: Record<string, string | boolean | null>): string {
  if ((VALUE_FIELDS as readonly string[]).includes(field)) return `e.${field as ValueField}`;
  params[param] = field.slice('raw:'.length);
  return `json_extract_string(CASE WHEN left(e.raw, 1) = '{' THEN e.raw END, $${param})`;
}

export function eventWhere(filter: EventFilter): { sql: string; params: Record<string, string | boolean | null> } {
  const parts: string[] = [];
  const params: Record<string, string | boolean | null> = {};
  if (filter.from) {
    parts.push(`e.time >= try_cast($from AS TIMESTAMPTZ)::TIMESTAMP`);
    params.from = filter.from;
  }
  if (filter.to) {
    parts.push(`e.time < try_cast($to AS TIMESTAMPTZ)::TIMESTAMP`);
    params.to = filter.to;
  }
  if (filter.source) {
    parts.push(`e.source = $source`);
    params.source = filter.source;
  }
  if (filter.actor) {
    parts.push(`(e.actor_uid ILIKE '%' || $actor || '%' OR e.actor_display ILIKE '%' || $actor || '%')`);
    params.actor = filter.actor;
  }
  if (filter.nhi !== undefined) {
    parts.push(`coalesce(i.is_nhi, false) = $nhi`);
    params.nhi = filter.nhi;
  }
  if (filter.operation) {
    parts.push(`e.operation ILIKE '%' || $operation || '%'`);
    params.operation = filter.operation;
  }
  if (filter.resource) {
    parts.push(`e.resource_uid ILIKE '%' || $resource || '%'`);
    params.resource = filter.resource;
  }
  if (filter.status) {
    parts.push(`e.status = $status`);
    params.status = filter.status;
  }
  if (filter.service) {
    parts.push(`e.service = $service`);
    params.service = filter.service;
  }
  if (filter.category) {
    parts.push(`e.category = $category`);
    params.category = filter.category;
  }
  if (filter.finding) {
    parts.push(`e.event_uid IN (SELECT event_uid FROM finding_events WHERE finding_id = $finding)`);
    params.finding = filter.finding;
  }
  (filter.match ?? []).forEach((m, i) => {
    const column = fieldSql(m.field, `mf${i}`, params);
    // A null binds as no type at all, so "no value" is written as IS NULL.
    if (m.value === null) parts.push(`${column} IS ${m.not ? 'NOT ' : ''}NULL`);
    else {
      parts.push(`${column} IS ${m.not ? '' : 'NOT '}DISTINCT FROM $mv${i}`);
      params[`mv${i}`] = m.value;
    }
  });
  if (filter.marked === 'bookmarked') parts.push(`e.event_uid IN (${EVENT_BOOKMARKS})`);
  if (filter.marked === 'tagged') parts.push(`e.event_uid IN (SELECT event_uid FROM (${EVENT_TAGS}))`);
  if (filter.tag) {
    parts.push(`e.event_uid IN (SELECT event_uid FROM (${EVENT_TAGS}) WHERE tag = $tag)`);
    params.tag = filter.tag;
  }
  if (filter.text) {
    // Free text over the verbatim record: what the analyst saw in the raw log is findable.
    // contains() over lower() runs 3-4x faster than ILIKE here; a needle with no letters (an
    // address, an id) needs no lowering at all.
    const cased = /\p{L}/u.test(filter.text);
    parts.push(cased ? `contains(lower(e.raw), $text)` : `contains(e.raw, $text)`);
    params.text = cased ? filter.text.toLowerCase() : filter.text;
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** How many events a filter selects. */
export async function countEvents(store: CaseStore, filter: EventFilter): Promise<{ total: number }> {
  const { sql, params } = eventWhere(filter);
  // The identities join is only needed to filter machines from people.
  const join = filter.nhi === undefined ? '' : 'LEFT JOIN identities i ON i.uid = e.actor_uid';
  const [row] = await store.read<{ total: number }>(`SELECT count(*)::BIGINT AS total FROM events e ${join} ${sql}`, params as SqlParams);
  return { total: row?.total ?? 0 };
}

/** The commonest values of one field among the filtered events (for a column's value list). */
export async function eventValues(store: CaseStore, filter: EventFilter, field: string, limit = 50): Promise<ValueCounts> {
  const { sql, params } = eventWhere(filter);
  const join = filter.nhi === undefined ? '' : 'LEFT JOIN identities i ON i.uid = e.actor_uid';
  const column = fieldSql(field, 'vf', params);
  const rows = await store.read<{ value: string | null; events: number; distinct: number }>(
    `SELECT value, events, count(*) OVER ()::BIGINT AS distinct FROM (
       SELECT ${column}::VARCHAR AS value, count(*)::BIGINT AS events FROM events e ${join} ${sql} GROUP BY 1)
     ORDER BY events DESC, value NULLS LAST LIMIT ${Math.max(1, Math.min(500, limit))}`,
    params as SqlParams,
  );
  return { field, distinct: rows[0]?.distinct ?? 0, values: rows.map((r) => ({ value: r.value, events: r.events })) };
}

export async function queryEvents(
  store: CaseStore,
  request: {
    filter: EventFilter;
    sort?: { column: string; descending: boolean } | undefined;
    offset: number;
    limit: number;
    withTotal?: boolean | undefined;
    after?: { time: string; uid: string } | undefined;
  },
): Promise<EventPage> {
  const { sql, params } = eventWhere(request.filter);
  const from = `FROM events e LEFT JOIN identities i ON i.uid = e.actor_uid ${sql}`;
  // Counting scans every match: the first page counts, the pages scrolled to later reuse it.
  let total: number | null = null;
  if (request.withTotal !== false) {
    const [row] = await store.read<{ total: number }>(`SELECT count(*)::BIGINT AS total ${from}`, params as SqlParams);
    total = row?.total ?? 0;
  }
  // The column comes from a fixed list (validated by the API schema), so it can be spliced in.
  // Ties fall back on time, then the id: equal values read in the order they happened.
  const sort = request.sort;
  const order = (t: string, time: string) => (sort && sort.column !== 'time'
    ? `${t}.${sort.column} ${sort.descending ? 'DESC' : 'ASC'} NULLS LAST, ${t}.${time}, ${t}.event_uid`
    : `${t}.${time} ${sort?.descending ? 'DESC' : 'ASC'}, ${t}.event_uid`);
  const identities = request.filter.nhi === undefined ? '' : 'LEFT JOIN identities i ON i.uid = e.actor_uid';
  // Sorted by time (ties by id, ascending either way) a page can start after a known event: the
  // storage's time ranges skip what comes before, 57 → 13 ms at row 900,000 of 1 M.
  const byTime = !sort || sort.column === 'time';
  const keyset = request.after && byTime
    ? {
        // The bound on time alone comes first, as a conjunct: the scan skips row groups by it
        // (inside an OR it could not, and a page deep in 10 M events took 317 ms).
        where: `${sql ? `${sql} AND` : 'WHERE'} e.time ${sort?.descending ? '<=' : '>='} CAST($after_time AS TIMESTAMP)
          AND (e.time ${sort?.descending ? '<' : '>'} CAST($after_time AS TIMESTAMP) OR e.event_uid > $after_uid)`,
        offset: 0,
      }
    : { where: sql, offset: request.offset };
  if (request.after && byTime) {
    params.after_time = request.after.time.replace('Z', '');
    params.after_uid = request.after.uid;
  } else if (byTime && request.offset >= SEEK_FROM_OFFSET) {
    // A jump far down the list (End, the scroll bar dragged): the rollup's counts per minute
    // say in which minute the row falls, and the page is read from there, not skipped to.
    const seek = await seekMinute(store, request.filter, request.offset, sort?.descending === true);
    if (seek) {
      params.seek_minute = seek.minute;
      keyset.where = `${sql ? `${sql} AND` : 'WHERE'} ${sort?.descending ? `e.time < CAST($seek_minute AS TIMESTAMP) + INTERVAL 1 MINUTE` : `e.time >= CAST($seek_minute AS TIMESTAMP)`}`;
      keyset.offset = request.offset - seek.before;
    }
  }
  const columns = `e.event_uid, e.time AS at, strftime(e.time, '%Y-%m-%dT%H:%M:%S.%fZ') AS time, e.source, e.actor_uid, e.actor_display AS logged_display,
    e.operation, e.resource_uid, e.src_ip, e.status, e.bytes_out, e.bytes_in,
    e.boundary, e.region, e.user_agent, e.credential_uid, e.session_uid, e.error_code, e.service, e.category`;
  // Two steps: the page's row ids, sorted on the few columns that decide it, then the shown
  // columns of those rows, read range by range (the ids as integers, from DuckDB: safe to splice).
  // Where the page's rows lie in a few stretches of the table (the usual case: events are
  // stored in time order per batch) that reads only those stretches; scattered wider, one
  // statement with DuckDB's own late materialization does better (a join back on the ids read
  // all 10 M rows: 330 ms, against ~60).
  const ids = (
    await store.read<{ rid: number }>(
      `SELECT e.rowid AS rid FROM events e ${identities} ${keyset.where} ORDER BY ${order('e', 'time')} LIMIT ${request.limit} OFFSET ${keyset.offset}`,
      params as SqlParams,
    )
  ).map((r) => r.rid);
  if (ids.length === 0) return { total, offset: request.offset, arrow: '' };
  const stretches = rowStretches(ids);
  const top = stretches
    ? stretches.map((part) => `SELECT ${columns} FROM events e WHERE e.rowid BETWEEN ${part[0]} AND ${part[part.length - 1]} AND e.rowid IN (${part.join(',')})`).join(' UNION ALL ')
    : `SELECT ${columns} FROM events e ${identities} ${keyset.where} ORDER BY ${order('e', 'time')} LIMIT ${request.limit} OFFSET ${keyset.offset}`;
  const rows = await store.read<Record<string, unknown>>(
    `WITH top AS (${top}),
     page AS (
       SELECT top.* EXCLUDE (logged_display), coalesce(i.label, i.display, top.logged_display) AS actor_display, i.is_nhi
       FROM top LEFT JOIN identities i ON i.uid = top.actor_uid),
     -- Marks are looked up for the page only: the journal is small, the page smaller.
     j AS (SELECT target_id, action, body->>'tag' AS tag, seq FROM journal
           WHERE target_kind = 'event' AND action IN ('tag', 'untag', 'bookmark') AND target_id IN (SELECT event_uid FROM page)),
     tags AS (SELECT target_id AS event_uid, string_agg(tag, ' ' ORDER BY tag) AS tags
              FROM (SELECT target_id, tag FROM j WHERE action <> 'bookmark' GROUP BY ALL HAVING arg_max(action, seq) = 'tag') GROUP BY 1),
     marked AS (SELECT DISTINCT target_id AS event_uid FROM j WHERE action = 'bookmark')
     SELECT page.*, tags.tags, marked.event_uid IS NOT NULL AS bookmarked
     FROM page LEFT JOIN tags USING (event_uid) LEFT JOIN marked USING (event_uid) ORDER BY ${order('page', 'at')}`,
    stretches ? undefined : (params as SqlParams),
  );
  const plain = rows.map((r) => Object.fromEntries(EVENT_PAGE_COLUMNS.map((c) => [c, r[c] ?? null])));
  return { total, offset: request.offset, arrow: plain.length > 0 ? Buffer.from(tableToIPC(tableFromJSON(plain), 'stream')).toString('base64') : '' };
}

/**
 * A page's row ids in at most MAX_STRETCHES runs with gaps under STRETCH_GAP rows between
 * neighbours, each run sorted; null when they lie wider apart than that.
 */
export function rowStretches(ids: readonly number[]): number[][] | null {
  if (!ids.every(Number.isSafeInteger)) throw new Error('row ids must be integers');
  const sorted = [...ids].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const id of sorted) {
    const run = runs[runs.length - 1];
    if (run && id - run[run.length - 1]! < STRETCH_GAP) run.push(id);
    else runs.push([id]);
  }
  return runs.length <= MAX_STRETCHES ? runs : null;
}
const STRETCH_GAP = 65_536;
const MAX_STRETCHES = 8;

/** Below this offset a page is found by skipping rows; from it on, by seeking its minute. */
const SEEK_FROM_OFFSET = 20_000;

/**
 * The minute in which the filtered events' row `offset` falls (in time order, or against it),
 * and how many rows come before that minute; null when the rollup cannot answer the filter.
 */
async function seekMinute(store: CaseStore, filter: EventFilter, offset: number, descending: boolean): Promise<{ minute: string; before: number } | null> {
  const window = rollupWindow(filter, { containers: false });
  if (!window || !(await rollupReady(store))) return null;
  const { sql, params } = eventWhere(withoutWindow(filter));
  const join = filter.nhi === undefined ? '' : 'LEFT JOIN identities i ON i.uid = e.actor_uid';
  const dir = descending ? 'DESC' : 'ASC';
  const [row] = await store.read<{ minute: string; before: number }>(
    `WITH m AS (SELECT e.minute, sum(e.n) AS n FROM ${window.sql} e ${join} ${sql} GROUP BY e.minute),
     c AS (SELECT minute, coalesce(sum(n) OVER (ORDER BY minute ${dir} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT AS before FROM m)
     SELECT strftime(minute, '%Y-%m-%d %H:%M:%S') AS minute, before FROM c WHERE before <= $seek_offset ORDER BY before DESC LIMIT 1`,
    { ...params, ...window.params, seek_offset: offset } as SqlParams,
  );
  return row ?? null;
}

export async function eventDetail(store: CaseStore, eventUid: string): Promise<EventDetail | null> {
  const [row] = await store.read<Record<string, unknown> & { raw: string; evidence_id: number; record_no: number; byte_offset: number }>(
    `SELECT * FROM events WHERE event_uid = $id ORDER BY time LIMIT 1`,
    { id: eventUid },
  );
  if (!row) return null;
  const [evidence] = await store.read<{ path_in_bundle: string; bundle_name: string; source_path: string; sha256: string; imported_at: string }>(
    `SELECT path_in_bundle, bundle_name, source_path, sha256, imported_at FROM evidence WHERE evidence_id = $id`,
    { id: row.evidence_id },
  );
  const resources = await store.read<EventDetail['resources'][number]>(
    `SELECT resource_uid, resource_type, boundary, role FROM event_resources WHERE event_uid = $id AND source = $source ORDER BY role, resource_uid`,
    { id: eventUid, source: row.source as string },
  );
  const chain = await chainForEvent(store, eventUid);
  const { raw, ...event } = row;
  return {
    event,
    raw,
    provenance: {
      evidenceId: row.evidence_id,
      path: evidence?.path_in_bundle ?? '?',
      bundle: evidence?.bundle_name ?? '?',
      sourcePath: evidence?.source_path ?? '?',
      sha256: evidence?.sha256 ?? '?',
      recordNo: row.record_no,
      byteOffset: row.byte_offset,
      importedAt: evidence?.imported_at ?? '?',
    },
    resources,
    chain: chain && {
      summary: chain.summary,
      links: chain.links.map((l) => ({ identity: l.identity, session: l.session, credential: l.credential, via: l.assumed?.via ?? null, by: l.assumed?.by ?? null, at: l.assumed?.at ?? null, isNhi: l.isNhi, type: l.type })),
    },
  };
}
