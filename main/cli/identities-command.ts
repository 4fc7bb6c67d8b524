import { chainForEvent } from '../analytics/chain';
import { IDENTITY_TYPES } from '../analytics/classification-rules';
import { deriveIdentities } from '../analytics/derive';
import { identityProfile, overrideIdentity } from '../analytics/profile';
import { aliasIdentity } from '../analytics/links';
import { EXIT } from './exit-codes';
import { bytes, table, tail } from './format';
import { type ParsedArgs, UsageError, requireCase, withCase } from './args';

interface IdentityRow {
  uid: string;
  display: string | null;
  type: string;
  is_nhi: boolean | null;
  confidence: number;
  top_reason: string | null;
  sources: string[];
  events: number;
  failures: number;
  first_seen: string;
  last_seen: string;
  overridden: boolean;
}

/** `nhi identities --case FILE [--nhi|--human] [--json]` */
export async function runIdentities(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  if (args.values.nhi === true && args.values.human === true) throw new UsageError('--nhi and --human exclude each other');
  const filter = args.values.nhi === true ? 'WHERE is_nhi' : args.values.human === true ? 'WHERE is_nhi = false' : '';
  const rows = await withCase(casePath, { readOnly: true }, (store) =>
    store.read<IdentityRow>(
      `SELECT uid, coalesce(label, display) AS display, type, is_nhi, confidence, reasons[1].detail AS top_reason, sources, events, failures, first_seen, last_seen, overridden
       FROM identities ${filter} ORDER BY is_nhi DESC NULLS LAST, events DESC, uid`,
    ),
  );
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  const label = (r: IdentityRow) => (r.is_nhi === null ? '?' : r.is_nhi ? 'machine' : 'human');
  process.stdout.write(
    `${table(
      ['identity', 'nhi', 'type', 'conf.', 'events', 'fail', 'last seen (UTC)', 'why'],
      rows.map((r) => [tail(r.display && r.display !== r.uid ? `${r.display} (${r.uid})` : r.uid, 60), label(r) + (r.overridden ? '*' : ''), r.type, r.confidence.toFixed(2), r.events, r.failures, r.last_seen.slice(0, 19), tail(r.top_reason ?? '', 70)]),
    )}\n${rows.length} identities, ${rows.filter((r) => r.is_nhi).length} machines${rows.some((r) => r.overridden) ? ' (* = analyst override)' : ''}\n`,
  );
  return EXIT.ok;
}

/** `nhi identity --case FILE UID [--json]` */
export async function runIdentity(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const [uid, ...extra] = args.positionals;
  if (!uid || extra.length > 0) throw new UsageError('identity takes one identity uid (see `nhi identities`)');
  const profile = await withCase(casePath, { readOnly: true }, async (store) => {
    const exact = await identityProfile(store, uid);
    if (exact) return exact;
    // Let the analyst type a display name or the end of an ARN.
    const matches = await store.read<{ uid: string }>(`SELECT uid FROM identities WHERE display = $q OR label = $q OR uid LIKE '%' || $q ORDER BY events DESC LIMIT 2`, { q: uid });
    return matches.length === 1 ? identityProfile(store, matches[0]!.uid) : null;
  });
  if (!profile) {
    process.stderr.write(`nhi: no identity ${JSON.stringify(uid)} in ${casePath} (list them with: nhi identities --case ${casePath})\n`);
    return EXIT.inputError;
  }
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify(profile, null, 2)}\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  const verdict = profile.isNhi === null ? 'unclassified' : profile.isNhi ? 'MACHINE' : 'HUMAN';
  out.push(`${profile.display ?? profile.uid}`, `  uid: ${profile.uid}`);
  out.push(`  ${verdict} · ${profile.type} · confidence ${profile.confidence.toFixed(2)}${profile.overridden ? ' · analyst override' : ''}`);
  out.push(`  sources: ${profile.sources.join(', ')} · boundaries: ${profile.boundaries.join(', ') || '—'}`);
  out.push(`  first seen ${profile.firstSeen} · last seen ${profile.lastSeen} · last success ${profile.lastSuccess ?? '—'}`);
  out.push(
    profile.observed
      ? `  ${profile.events.toLocaleString('en-US')} events, ${profile.failures.toLocaleString('en-US')} failed, ${bytes(profile.bytesOut)} read, ${bytes(profile.bytesIn)} written`
      : `  known through its linked accounts (no events of its own); the activity below is theirs`,
  );
  if (profile.principal) out.push(`  one of the names of ${profile.principal.uid}: ${profile.principal.reason}${profile.principal.origin === 'analyst' ? ' (analyst alias)' : ''}`);
  if (profile.linkedAccounts.length > 0) {
    out.push('', profile.principal ? 'Other names of the same principal:' : 'Linked accounts:');
    for (const a of profile.linkedAccounts) out.push(`  ${a.uid} (${a.isNhi === null ? '?' : a.isNhi ? 'machine' : 'human'}, ${a.events} events): ${a.reason}`);
  }
  out.push('', 'Why:');
  for (const r of profile.reasons) out.push(`  ${r.verdict === 'machine' ? 'machine' : 'human  '} ${r.weight.toFixed(2)}  ${r.detail}  [${r.rule}]`);
  if (profile.baseline) {
    const b = profile.baseline;
    out.push('', `Baseline ${b.windowStart.slice(0, 10)} → ${b.windowEnd.slice(0, 10)} (${b.activeDays} active days):`);
    out.push(`  usual hours (UTC): ${ranges(b.usualHours) || 'none'}`);
    out.push(`  active days per hour: ${b.hours.map((n, h) => `${String(h).padStart(2, '0')}:${n}`).join(' ')}`);
    out.push(`  daily events median ${fmt(b.dailyEventsMedian)}, p95 ${fmt(b.dailyEventsP95)}; daily bytes out median ${bytes(b.dailyBytesMedian ?? 0)}, p95 ${bytes(b.dailyBytesP95 ?? 0)}`);
    out.push(`  usual operations: ${b.operations.slice(0, 8).join(', ')}`);
    out.push(`  usual addresses: ${b.srcIps.slice(0, 5).join(', ') || '—'}`);
    if (profile.unusualHours.length > 0) {
      out.push('', 'Outside usual hours (after the baseline):');
      for (const u of profile.unusualHours) out.push(`  ${u.day} ${String(u.hour).padStart(2, '0')}:00–${String(u.hour).padStart(2, '0')}:59 UTC  ${u.events} events, ${bytes(u.bytes_out)} out`);
    }
  }
  if (profile.credentials.length > 0) {
    const shown = profile.credentials.slice(0, 5);
    out.push('', 'Credentials (newest first):');
    out.push(
      table(
        ['credential', 'kind', 'events', 'first seen', 'last seen', 'addresses', 'created'],
        shown.map((c) => [c.credential_uid, c.kind, c.events, c.first_seen.slice(0, 19), c.last_seen.slice(0, 19), c.src_ips.join(', '), c.created_by ? `${c.created_at?.slice(0, 19)} by ${tail(c.created_by, 40)}` : '']),
      ),
    );
    if (profile.credentialCount > shown.length) out.push(`  … ${profile.credentialCount} in all: nhi identity --json lists them`);
  }
  if (profile.sessions.length > 0) {
    out.push('', `Sessions (${profile.sessionCount}, newest first):`);
    out.push(table(['assumed at (UTC)', 'via', 'by', 'session', 'from', 'events'], profile.sessions.slice(0, 5).map((s) => [s.assumed_at.slice(0, 19), s.via, tail(s.assumed_by, 50), tail(s.session_uid ?? '', 50), s.src_ip ?? '', s.events])));
  }
  out.push(
    '',
    table(
      ['top resource (objects under their bucket)', 'boundary', 'events', 'bytes read', 'bytes written'],
      profile.topResources.map((r) => [tail(r.resource_uid, 60), `${r.boundary ?? ''}${r.outside ? ' OUTSIDE' : ''}`, r.events, bytes(r.bytes_out), bytes(r.bytes_in)]),
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

/** `nhi chain --case FILE EVENT_UID [--json]` */
export async function runChain(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const [eventUid, ...extra] = args.positionals;
  if (!eventUid || extra.length > 0) throw new UsageError('chain takes one event uid');
  const chain = await withCase(casePath, { readOnly: true }, (store) => chainForEvent(store, eventUid));
  if (!chain) {
    process.stderr.write(`nhi: no event ${JSON.stringify(eventUid)} in ${casePath}\n`);
    return EXIT.inputError;
  }
  process.stdout.write(args.values.json === true ? `${JSON.stringify(chain, null, 2)}\n` : `${chain.summary}\n`);
  return EXIT.ok;
}

/** `nhi classify --case FILE UID --machine|--human [--type T] --why TEXT [--analyst NAME]` */
export async function runClassify(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const [uid, ...extra] = args.positionals;
  if (!uid || extra.length > 0) throw new UsageError('classify takes one identity uid');
  if ((args.values.machine === true) === (args.values.human === true)) throw new UsageError('say --machine or --human');
  const why = args.values.why;
  if (typeof why !== 'string' || why.trim() === '') throw new UsageError('--why TEXT is required: the journal keeps the reason');
  const type = args.values.type;
  if (type !== undefined && (typeof type !== 'string' || !(IDENTITY_TYPES as readonly string[]).includes(type))) {
    throw new UsageError(`--type takes one of ${IDENTITY_TYPES.join(', ')}`);
  }
  const analyst = typeof args.values.analyst === 'string' ? args.values.analyst : (process.env.USER ?? 'analyst');
  return withCase(casePath, {}, async (store) => {
    const [known] = await store.read(`SELECT uid FROM identities WHERE uid = $uid`, { uid });
    if (!known) {
      process.stderr.write(`nhi: no identity ${JSON.stringify(uid)} in ${casePath}\n`);
      return EXIT.inputError;
    }
    await overrideIdentity(store, { uid, isNhi: args.values.machine === true, ...(type ? { type } : {}), reason: why, analyst });
    await deriveIdentities(store);
    process.stdout.write(`${uid} is now ${args.values.machine === true ? 'a machine' : 'a human'} identity (by ${analyst}: ${why})\n`);
    return EXIT.ok;
  });
}

/** `nhi alias --case FILE UID --as PRINCIPAL|--remove --why TEXT [--analyst NAME]` */
export async function runAlias(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const [uid, ...extra] = args.positionals;
  if (!uid || extra.length > 0) throw new UsageError('alias takes one account uid');
  const principal = args.values.as;
  const remove = args.values.remove === true;
  if ((typeof principal === 'string') === remove) throw new UsageError('say --as PRINCIPAL (e.g. person:dana@example.com) or --remove');
  if (typeof principal === 'string' && (principal.trim().length < 3 || principal === uid)) throw new UsageError('--as names another principal, e.g. person:dana@example.com');
  const why = args.values.why;
  if (typeof why !== 'string' || why.trim() === '') throw new UsageError('--why TEXT is required: the journal keeps the reason');
  const analyst = typeof args.values.analyst === 'string' ? args.values.analyst : (process.env.USER ?? 'analyst');
  return withCase(casePath, {}, async (store) => {
    const [known] = await store.read(`SELECT uid FROM identities WHERE uid = $uid AND observed`, { uid });
    if (!known) {
      process.stderr.write(`nhi: no observed account ${JSON.stringify(uid)} in ${casePath}\n`);
      return EXIT.inputError;
    }
    await aliasIdentity(store, { uid, principal: remove ? null : (principal as string).trim(), reason: why, analyst });
    await deriveIdentities(store);
    process.stdout.write(remove ? `${uid} is no longer linked by hand (by ${analyst}: ${why})\n` : `${uid} is now one of the names of ${String(principal).trim()} (by ${analyst}: ${why})\n`);
    return EXIT.ok;
  });
}

/** `nhi derive --case FILE [--baseline-days N] [--baseline-end ISO] [--stale-days N] [--json]` */
export async function runDerive(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const days = (name: string) => {
    const raw = args.values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name} takes a whole number of days, not ${JSON.stringify(raw)}`);
    return n;
  };
  const end = args.values['baseline-end'];
  if (end !== undefined && (typeof end !== 'string' || Number.isNaN(Date.parse(end)))) throw new UsageError('--baseline-end takes a date or time, e.g. 2026-02-14 or 2026-02-14T00:00:00Z');
  const baselineDays = days('baseline-days');
  const staleDays = days('stale-days');
  const report = await withCase(casePath, {}, (store) =>
    deriveIdentities(store, {
      ...(baselineDays !== undefined ? { baselineDays } : {}),
      ...(staleDays !== undefined ? { staleDays } : {}),
      ...(typeof end === 'string' ? { baselineEnd: new Date(end).toISOString().replace('T', ' ').replace('Z', '') } : {}),
    }),
  );
  if (args.values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(
      `Derived ${report.identities} identities (${report.nhi} machines), ${report.sessions.toLocaleString('en-US')} sessions, ${report.credentials.toLocaleString('en-US')} credentials in ${(report.elapsedMs / 1000).toFixed(2)} s; ` +
        `baseline ${report.baselineStart ?? '—'} → ${report.baselineEnd ?? '—'}\n`,
    );
  }
  return EXIT.ok;
}

function ranges(hours: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < hours.length; i++) {
    let j = i;
    while (j + 1 < hours.length && hours[j + 1] === hours[j]! + 1) j++;
    const pad = (h: number) => `${String(h).padStart(2, '0')}:00`;
    out.push(i === j ? pad(hours[i]!) : `${pad(hours[i]!)}–${String(hours[j]!).padStart(2, '0')}:59`);
    i = j;
  }
  return out.join(', ');
}

const fmt = (n: number | null) => (n === null ? '—' : (Math.round(n * 10) / 10).toLocaleString('en-US'));
