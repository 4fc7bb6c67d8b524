import type { IdentityPage, IdentitySort, IdentitySummary } from '../../shared/api';
import type { CaseStore, SqlParams } from '../case-store/case-store';

/**
 * The identities view's list, filtered, sorted and paged by the database: a case can hold a
 * hundred thousand identities, and the view shows the few dozen on screen.
 */

/** Sort keys → SQL; the key is checked by the API's schema, so the spliced text is one of these. */
const ORDER: Record<IdentitySort['key'], string> = {
  display: 'lower(coalesce(label, display, uid))',
  isNhi: 'is_nhi',
  type: 'type',
  confidence: 'confidence',
  events: 'events',
  lastSeen: 'last_seen',
};

export interface IdentityQuery {
  nhi?: boolean | undefined;
  type?: string | undefined;
  text?: string | undefined;
  sort: IdentitySort;
  offset: number;
  limit: number;
}

export async function identityPage(store: CaseStore, q: IdentityQuery): Promise<IdentityPage> {
  const where: string[] = [];
  const params: SqlParams = {};
  if (q.nhi !== undefined) {
    where.push('is_nhi = $nhi');
    params.nhi = q.nhi;
  }
  if (q.type) {
    where.push('type = $type');
    params.type = q.type;
  }
  if (q.text) {
    // Name, ARN, label or the first reason: what the list shows is what it searches.
    where.push(`contains(lower(concat_ws(' ', uid, display, label, reasons[1].detail)), $text)`);
    params.text = q.text.toLowerCase();
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const direction = q.sort.descending ? 'DESC' : 'ASC';
  const rows = await store.read<{ uid: string; display: string | null; type: string; is_nhi: boolean | null; confidence: number; reason: string | null; events: number; last_seen: string; total: number }>(
    `SELECT uid, coalesce(label, display) AS display, type, is_nhi, confidence, reasons[1].detail AS reason, events, last_seen, count(*) OVER ()::BIGINT AS total
     FROM identities ${filter} ORDER BY ${ORDER[q.sort.key]} ${direction} NULLS LAST, uid LIMIT ${q.limit} OFFSET ${q.offset}`,
    params,
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && q.offset > 0) {
    const [row] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM identities ${filter}`, params);
    total = row?.n ?? 0;
  }
  const summaries: IdentitySummary[] = rows.map((r) => ({ uid: r.uid, display: r.display, type: r.type, isNhi: r.is_nhi, confidence: r.confidence, reason: r.reason, events: r.events, lastSeen: r.last_seen }));
  // The case's size and its types head the list: asked with the first page, not with every page scrolled to.
  if (q.offset > 0) return { total, all: null, offset: q.offset, rows: summaries, types: null };
  const [all] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM identities`);
  const types = await store.read<{ type: string }>(`SELECT DISTINCT type FROM identities ORDER BY type`);
  return { total, all: all?.n ?? 0, offset: q.offset, rows: summaries, types: types.map((t) => t.type) };
}
