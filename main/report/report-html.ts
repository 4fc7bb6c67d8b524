import { formatBytes, formatMoved } from '../../shared/format';
import { formatTime, isValidZone, zoneLabel } from '../../shared/zone-math';
import { isOutside } from '../analytics/boundaries';
import { caseInfo } from '../case-store/case-info';
import type { CaseStore } from '../case-store/case-store';
import { listFindings } from '../detect/engine';
import { listIncidents } from '../detect/incidents';
import { findingStatuses, mutedRules, readJournal, verifyJournal } from '../journal/journal';
import type { CaseIntegrity } from '../../shared/integrity';
import type { CaseInfo } from '../../shared/case-summary';
import { caseIntegrity } from '../integrity/case-integrity';
import { esc } from './escape';
import { accessHtml } from './access-html';
import { type DayCount, type Flow, flowsSvg, timelineSvg } from './report-charts';

/**
 * The auditor's report: one self-contained HTML file (inline CSS and SVG, no script, no request
 * to anywhere) with the case summary, the evidence manifest and its hashes, the findings and the
 * evidence events each rests on (file, hash and record number), the identities and why they were
 * classified so, the timeline, the top flows, the analyst's notes, and the journal's head hash.
 */

const EVIDENCE_ROWS_PER_FINDING = 25;
const number = (n: number | null | undefined) => (n ?? 0).toLocaleString('en-US');
const gb = (n: number | null) => (n ? formatBytes(n) : '');
/** A time as the report shows it, in its zone: DuckDB's `2026-02-14 02:14:05` and ISO alike. */
function timeIn(zone: string): (iso: string | null | undefined) => string {
  return (iso) => {
    if (!iso) return '';
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/.exec(iso);
    if (!m) return iso;
    const fraction = (m[3] ?? '').replace(/0+$/, '').replace(/^\.$/, '');
    return formatTime(`${m[1]}T${m[2]}${fraction}Z`, zone);
  };
}

export async function renderReportHtml(store: CaseStore, options: { generatedAt?: string; zone?: string } = {}): Promise<string> {
  const generatedAt = options.generatedAt ?? new Date().toISOString();
  const zone = options.zone && isValidZone(options.zone) ? options.zone : 'UTC';
  const Z = esc(zoneLabel(zone));
  const time = timeIn(zone);
  const info = await caseInfo(store, 10);
  // Findings of rules the analyst muted are left out of the list, and the muting is shown instead.
  const muted = await mutedRules(store);
  const findings = (await listFindings(store, 1000)).filter((f) => !f.muted).slice(0, 200);
  const statuses = await findingStatuses(store);
  const incidents = await listIncidents(store);
  const journal = await verifyJournal(store);
  const notes = (await readJournal(store)).filter((e) => e.action === 'note' || e.action === 'finding_status' || e.action === 'classification_override');
  const evidence = await store.read<{ evidence_id: number; bundle_name: string; path_in_bundle: string; sha256: string; size_bytes: number; records_ok: number; records_duplicate: number; records_quarantined: number; parser: string | null; records_root: string | null; status: string }>(
    `SELECT evidence_id, bundle_name, path_in_bundle, sha256, size_bytes, records_ok, records_duplicate, records_quarantined, parser, records_root, status FROM evidence ORDER BY evidence_id`,
  );
  const integrity = await caseIntegrity(store);
  // The incidents' origins (the credential's owner) get their blast radius in the report.
  const access = await accessHtml(store, incidents.flatMap((inc) => (inc.origin ? [inc.origin] : [])));
  const identities = await store.read<{ uid: string; is_nhi: boolean | null; type: string; confidence: number; reason: string | null; events: number }>(
    `SELECT uid, is_nhi, type, confidence, reasons[1].detail AS reason, events FROM identities ORDER BY events DESC, uid`,
  );
  const days = await store.read<DayCount>(
    `SELECT strftime(date_trunc('day', e.time), '%Y-%m-%d') AS day, count(*) FILTER (WHERE i.is_nhi)::BIGINT AS machine, count(*) FILTER (WHERE NOT coalesce(i.is_nhi, false))::BIGINT AS human
     FROM events e LEFT JOIN identities i ON i.uid = e.actor_uid GROUP BY ALL ORDER BY day`,
  );
  const flows = await store.read<Flow & { read: number; written: number }>(
    `SELECT e.actor_uid AS identity, any_value(i.is_nhi) AS "isNhi", r.resource_uid AS resource, bool_or(${isOutside('r.boundary')}) AS external,
       count(*)::BIGINT AS events, sum(coalesce(e.bytes_out, 0) + coalesce(e.bytes_in, 0))::BIGINT AS bytes,
       sum(coalesce(e.bytes_out, 0))::BIGINT AS read, sum(coalesce(e.bytes_in, 0))::BIGINT AS written
     FROM events e JOIN event_resources r ON r.event_uid = e.event_uid AND r.source = e.source AND r.role = 'container'
     LEFT JOIN identities i ON i.uid = e.actor_uid WHERE e.actor_uid IS NOT NULL
     GROUP BY e.actor_uid, r.resource_uid ORDER BY external DESC, bytes DESC, events DESC LIMIT 24`,
  );
  // The first record behind each finding an incident tells, for the narrative's references.
  const firstRecords = new Map(
    (
      await store.read<{ finding_id: string; evidence_id: number; record_no: number; path: string; record_sha256: string | null }>(
        `SELECT fe.finding_id, arg_min(e.evidence_id, e.time) AS evidence_id, arg_min(e.record_no, e.time) AS record_no,
           arg_min(v.bundle_name || ' ! ' || v.path_in_bundle, e.time) AS path, arg_min(lower(hex(e.record_sha256)), e.time) AS record_sha256
         FROM finding_events fe JOIN events e ON e.event_uid = fe.event_uid AND e.source = fe.source JOIN evidence v USING (evidence_id)
         WHERE fe.finding_id IN (SELECT finding_id FROM incident_findings) GROUP BY fe.finding_id`,
      )
    ).map((r) => [r.finding_id, r]),
  );
  const byId = new Map(findings.map((f) => [f.findingId, f]));
  const narrative = incidents.slice(0, 3).map((inc, i) => {
    const others = inc.identities.filter((x) => x !== inc.origin);
    const lead = [
      `<b>When:</b> ${esc(time(inc.windowStart))} → ${esc(time(inc.windowEnd))} ${Z}.`,
      `<b>Who:</b> ${esc(inc.origin ?? 'an unknown actor')}${others.length ? `, acting as ${esc(others.join(', '))}` : ''}.`,
      `<b>How:</b> ${inc.credentials.length ? `with ${esc(inc.credentials.join(', '))}` : 'with credentials the logs do not name'}${inc.networks.length ? ` from ${esc(inc.networks.join(', '))}` : ''}; ${esc(inc.stages.join(' → '))}.`,
      `<b>What and how much:</b> ${inc.resources.length ? esc(inc.resources.slice(0, 5).join(', ')) : 'no resource named'}${inc.bytes ? `; ${esc(formatBytes(inc.bytes))} moved` : ''}${inc.outside.length ? ` — to ${esc(inc.outside.join(', '))}, outside every account of this case` : ''}.`,
    ];
    const steps = inc.story.map((st) => {
      const r = firstRecords.get(st.findingId);
      const f = byId.get(st.findingId);
      const ref = r ? ` <span class="meta">Evidence: finding ${esc(st.findingId)}, first record ${esc(r.path)} #${number(r.record_no)}${r.record_sha256 ? ` (SHA-256 ${esc(r.record_sha256.slice(0, 16))}…)` : ''}.</span>` : '';
      return `<li><b>${esc(st.stage)}</b>, ${esc(time(st.at))}: ${esc(f?.explanation ?? st.text)}${ref}</li>`;
    });
    return `<section class="finding"><h3>${i + 1}. ${esc(inc.title)} <span class="sev ${esc(inc.severity)}">${esc(inc.severity)}</span></h3>
<p>${lead.join(' ')}</p>
<ol>${steps.join('\n')}</ol></section>`;
  });
  const shown = findings.slice(0, 30);
  const evidenceRows = new Map<string, { time: string; actor: string | null; operation: string; resource: string | null; evidence_id: number; sha256: string; record_no: number; record_sha256: string | null }[]>();
  for (const f of shown) {
    evidenceRows.set(
      f.findingId,
      await store.read(
        `SELECT strftime(e.time, '%Y-%m-%dT%H:%M:%SZ') AS time, e.actor_uid AS actor, e.operation, e.resource_uid AS resource,
           e.evidence_id, v.sha256, e.record_no, lower(hex(e.record_sha256)) AS record_sha256
         FROM finding_events fe JOIN events e ON e.event_uid = fe.event_uid AND e.source = fe.source JOIN evidence v USING (evidence_id)
         WHERE fe.finding_id = $id ORDER BY e.time LIMIT ${EVIDENCE_ROWS_PER_FINDING}`,
        { id: f.findingId },
      ),
    );
  }
  const marks = shown.filter((f) => f.severity === 'critical' || f.severity === 'high').slice(0, 3).map((f) => ({ at: f.windowStart, label: f.title }));

  const findingHtml = shown
    .map((f, i) => {
      const rows = evidenceRows.get(f.findingId) ?? [];
      return `<section class="finding">
  <h3>${i + 1}. <span class="sev ${esc(f.severity)}">${esc(f.severity)}</span> ${esc(f.title)} <span class="status">${esc(statuses.get(f.findingId) ?? 'new')}</span></h3>
  <p>${esc(f.explanation)}</p>
  <p class="meta">Identity ${esc(f.identityUid ?? '—')} · ${esc(time(f.windowStart))} → ${esc(time(f.windowEnd))} ${Z} · ${number(f.eventCount)} events${f.bytes ? ` · ${esc(formatMoved(f))}` : ''} · finding ${esc(f.findingId)} (rule ${esc(f.ruleId)})</p>
  <table class="evidence"><thead><tr><th>Time (${Z})</th><th>Actor</th><th>Operation</th><th>Resource</th><th>Source record (evidence file #, file SHA-256, record, record SHA-256)</th></tr></thead><tbody>
  ${rows.map((r) => `<tr><td class="nowrap">${esc(time(r.time))}</td><td>${esc(r.actor)}</td><td>${esc(r.operation)}</td><td class="wrap">${esc(r.resource)}</td><td class="nowrap">#${r.evidence_id} <span class="hash">${esc(r.sha256.slice(0, 16))}…</span> rec ${number(r.record_no)} <span class="hash">${esc((r.record_sha256 ?? '').slice(0, 16))}…</span></td></tr>`).join('\n  ')}
  </tbody></table>
  ${f.eventCount > rows.length ? `<p class="meta">…and ${number(f.eventCount - rows.length)} more evidence events in the case (finding_events).</p>` : ''}
</section>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>NHI forensic report · ${esc(info.caseId)}</title>
<style>
body { font: 12px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1b1f27; margin: 24px 32px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #ccd; padding-bottom: 4px; break-after: avoid; }
h3 { font-size: 13px; margin: 16px 0 4px; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; } th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e3e6ec; vertical-align: top; font-size: 10.5px; }
th { background: #f3f5f8; } tr { break-inside: avoid; }
.hash { font-family: ui-monospace, monospace; font-size: 9px; word-break: break-all; }
.meta { color: #555; } .nowrap { white-space: nowrap; } .wrap { word-break: break-all; } .sev { text-transform: uppercase; font-size: 10px; padding: 1px 6px; border-radius: 6px; color: #fff; background: #667; }
.sev.critical { background: #a11d2e; } .sev.high { background: #b35c12; } .sev.medium { background: #8a7a12; } .sev.low { background: #3d5a8a; }
.status { font-size: 10px; color: #555; border: 1px solid #aab; border-radius: 6px; padding: 0 5px; }
.stats { display: flex; gap: 24px; } .stats div { border: 1px solid #dde; border-radius: 6px; padding: 6px 12px; } .stats b { display: block; font-size: 16px; }
svg .axis { font-size: 9px; fill: #555; } svg .grid { stroke: #eee; } svg .label { font-size: 9.5px; fill: #222; } svg .mark { font-size: 9px; fill: #a11d2e; }
.finding p { break-after: avoid; } .evidence thead { display: table-header-group; } .head { font-family: ui-monospace, monospace; }
@page { size: A4; margin: 14mm; }
</style></head><body>
<h1>Forensic report: non-human identities</h1>
<p class="meta">Case ${esc(info.caseId)} (${esc(info.path)}), schema v${info.schemaVersion}, created ${esc(time(info.createdAt))}. Report generated ${esc(time(generatedAt))}. All times ${Z}.</p>
<p class="meta">Journal: ${journal.entries} entries, chain ${journal.ok ? 'intact' : `BROKEN at entry #${journal.broken?.seq}`}; head <span class="head" data-journal-head>${esc(`${journal.entries}:${journal.head}`)}</span>. To check that a case is the one this report was made from: <span class="head">nhi verify --case CASE --expect-head ${esc(`${journal.entries}:${journal.head}`)}</span></p>

${narrative.length === 0 ? '' : `<h2>What happened</h2>
<p class="meta">Each incident in the order of an intrusion, with the record behind each step (evidence file, record number, the record's SHA-256 as imported).</p>
${narrative.join('\n')}`}

<h2>Summary</h2>
<div class="stats"><div><b>${number(info.events)}</b>events</div><div><b>${number(info.evidence.files)}</b>evidence files</div><div><b>${number(info.quarantined)}</b>quarantined</div>
<div><b>${number(info.identities.machines)}</b>machine identities</div><div><b>${number(info.identities.humans)}</b>human identities</div><div><b>${number(findings.length)}</b>findings</div></div>
<p>Time range ${esc(time(info.timeRange.first))} → ${esc(time(info.timeRange.last))}. Sources: ${info.sources.map((s) => `${esc(s.source)} (${number(s.events)})`).join(', ')}.</p>

${integrityHtml(integrity, info, time, Z)}

<h2>Timeline</h2>
${timelineSvg(days, marks)}
<p class="meta">Events per day; purple machine identities, green people. Red lines: the start of the highest findings.</p>

${incidents.length === 0 ? '' : `<h2>Incidents</h2>
${incidents
  .map(
    (inc, i) => `<section class="finding">
  <h3>${i + 1}. <span class="sev ${esc(inc.severity)}">${esc(inc.severity)}</span> score ${inc.score.toFixed(0)} · ${esc(inc.title)}</h3>
  <p class="meta">${esc(time(inc.windowStart))} → ${esc(time(inc.windowEnd))} ${Z} · origin ${esc(inc.origin ?? 'unknown')} · identities ${esc(inc.identities.join(', '))}${inc.bytes ? ` · ${esc(formatBytes(inc.bytes))} moved` : ''}</p>
  <p class="meta">Credentials ${esc(inc.credentials.join(', ') || '—')} · networks ${esc(inc.networks.join(', ') || '—')} · resources ${esc(inc.resources.join(', ') || '—')}</p>
  <table><thead><tr><th>Stage</th><th>From (${Z})</th><th>Severity</th><th>Finding</th><th>Identity</th></tr></thead><tbody>
  ${inc.story.map((st) => `<tr><td>${esc(st.stage)}</td><td class="nowrap">${esc(time(st.at))}</td><td>${esc(st.severity)}</td><td>${esc(st.title)} <span class="meta">(finding ${esc(st.findingId)})</span></td><td class="wrap">${esc(st.identity)}</td></tr>`).join('\n  ')}
  </tbody></table>
</section>`,
  )
  .join('\n')}`}

<h2>Findings</h2>
${findings.length === 0 ? '<p>No findings: detections were not run or found nothing.</p>' : findingHtml}
${findings.length > shown.length ? `<p class="meta">${number(findings.length - shown.length)} lower-ranked findings are in the case.</p>` : ''}

${muted.size === 0 ? '' : `<h3>Muted rules</h3>
<p class="meta">The analyst muted these rules; their findings are in the case but not listed above.</p>
<table><thead><tr><th>Rule</th><th>Muted by</th><th>When (${Z})</th><th>Why</th></tr></thead><tbody>
${[...muted.entries()].map(([rule, m]) => `<tr><td>${esc(rule)}</td><td>${esc(m.author)}</td><td>${esc(time(m.at))}</td><td>${esc(m.reason)}</td></tr>`).join('\n')}
</tbody></table>`}

${access}

<h2>Top flows: identity → resource</h2>
${flowsSvg(flows)}
<p class="meta">Edge width by bytes (calls when no bytes). Red: a resource in a boundary no identity of the case belongs to.</p>
<table class="flows"><thead><tr><th>Identity</th><th>Resource (objects under their bucket)</th><th>Events</th><th>Bytes read</th><th>Bytes written</th></tr></thead><tbody>
${flows.map((f) => `<tr><td class="wrap">${esc(f.identity)}</td><td class="wrap">${esc(f.resource)}${f.external ? ' <b>(outside boundary)</b>' : ''}</td><td>${number(f.events)}</td><td>${gb(f.read)}</td><td>${gb(f.written)}</td></tr>`).join('\n')}
</tbody></table>

<h2>Identities</h2>
<table><thead><tr><th>Identity</th><th>Kind</th><th>Type</th><th>Confidence</th><th>Events</th><th>Main reason</th></tr></thead><tbody>
${identities.map((i) => `<tr><td>${esc(i.uid)}</td><td>${i.is_nhi === null ? '?' : i.is_nhi ? 'machine' : 'human'}</td><td>${esc(i.type)}</td><td>${i.confidence.toFixed(2)}</td><td>${number(i.events)}</td><td>${esc(i.reason)}</td></tr>`).join('\n')}
</tbody></table>

<h2>Analyst notes and decisions</h2>
${notes.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>#</th><th>Time (${Z})</th><th>Author</th><th>Action</th><th>On</th><th>Content</th></tr></thead><tbody>
${notes.map((n) => `<tr><td>${n.seq}</td><td>${esc(time(n.createdAt))}</td><td>${esc(n.author)}</td><td>${esc(n.action)}</td><td>${esc(`${n.targetKind} ${n.targetId}`)}</td><td>${esc(Object.values(n.body).filter((v) => v !== null).join(' · '))}</td></tr>`).join('\n')}
</tbody></table>`}

<h2>Evidence manifest</h2>
<p class="meta">Evidence events above name their file by its # here. Every file and archive as received, with the SHA-256 computed at import and the Merkle root of its records (RFC 6962 over each record's SHA-256, in order). <code>nhi verify</code> recomputes them from the originals and names any record edited, deleted, added or reordered.</p>
<table><thead><tr><th>#</th><th>File</th><th>SHA-256</th><th>Records root</th><th>Bytes</th><th>Parser</th><th>Imported</th><th>Dup.</th><th>Quar.</th><th>Status</th></tr></thead><tbody>
${evidence.map((e) => `<tr><td>${e.evidence_id}</td><td>${esc(e.bundle_name)}${e.path_in_bundle !== e.bundle_name ? ` ! ${esc(e.path_in_bundle)}` : ''}</td><td class="hash">${esc(e.sha256)}</td><td class="hash">${esc(e.records_root ? `${e.records_root.slice(0, 16)}…` : '')}</td><td>${number(e.size_bytes)}</td><td>${esc(e.parser)}</td><td>${number(e.records_ok)}</td><td>${number(e.records_duplicate)}</td><td>${number(e.records_quarantined)}</td><td>${esc(e.status)}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`;
}

/** What the evidence proves about itself and what it cannot show: digests, coverage, silences, logging changes, imports. */
function integrityHtml(x: CaseIntegrity, info: CaseInfo, time: (iso: string | null | undefined) => string, Z: string): string {
  const d = x.digests;
  const g = info.integrity;
  const attention = [
    g.idCollisions > 0 ? `${number(g.idCollisions)} record(s) claim an event id another record with other content has (both kept).` : '',
    g.implausibleTimes > 0 ? `${number(g.implausibleTimes)} event(s) with implausible times (kept, flagged, out of baselines).` : '',
    g.notRead > 0 ? `${number(g.notRead)} input(s) not read (links, pipes, devices, unreadable files).` : '',
    g.duplicates > 0 ? `${number(g.duplicates)} record(s) were duplicates of events already in the case (same bytes, or the same event in another export shape), each kept in the duplicates table with the event it repeats.` : '',
  ].filter(Boolean);
  const cannot = x.coverage.questions.filter((q) => q.answer !== 'yes');
  const silent = x.coverage.groups.flatMap((grp) => grp.silences.map((s) => ({ grp, s })));
  return `<h2>Evidence integrity and coverage</h2>
<p>Imports: ${x.imports.map((i) => `#${i.importId} ${esc(i.status)}${i.failure ? ` (${esc(i.failure)})` : ''}`).join(', ') || 'none'}.</p>
${attention.length > 0 ? `<ul>${attention.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : ''}
${
  d.trails.length === 0
    ? '<p>No CloudTrail digest files in the evidence: CloudTrail log files cannot be proven unmodified since delivery.</p>'
    : `<p><b>CloudTrail digests: ${d.isValid ? 'every log file matches its digest' : 'log files or digests were altered after delivery'}</b>${d.signaturesChecked ? '' : ' (digest signatures are checked with <code>nhi verify --trust-keys</code>)'}.</p>
<table><thead><tr><th>Account</th><th>Region</th><th>Digests</th><th>Chains</th><th>Listed</th><th>OK</th><th>Modified</th><th>Missing</th><th>Added</th><th>Not covered</th></tr></thead><tbody>
${d.trails.map((t) => `<tr><td>${esc(t.account)}</td><td>${esc(t.region)}</td><td>${number(t.digests)}</td><td>${number(t.chains)}</td><td>${number(t.logFiles.listed)}</td><td>${number(t.logFiles.ok)}</td><td>${number(t.logFiles.modified)}</td><td>${number(t.logFiles.missing)}</td><td>${number(t.logFiles.added)}</td><td>${number(t.logFiles.notCovered)}</td></tr>`).join('\n')}
</tbody></table>
${d.problems.length > 0 ? `<table><thead><tr><th>Problem</th><th>Window (${Z})</th><th>Detail</th></tr></thead><tbody>${d.problems.slice(0, 100).map((p) => `<tr><td>${esc(p.kind)}</td><td class="nowrap">${esc(time(p.windowStart))} → ${esc(time(p.windowEnd))}</td><td>${esc(p.detail)}</td></tr>`).join('\n')}</tbody></table>` : ''}`
}
${cannot.length > 0 ? `<h3>What this evidence cannot answer</h3>
<table><thead><tr><th>Question</th><th>Answer</th><th>Why</th><th>Detections affected</th></tr></thead><tbody>
${cannot.map((q) => `<tr><td>${esc(q.question)}</td><td>${esc(q.answer)}</td><td>${esc(q.why)}</td><td>${esc(q.detections.join(', '))}</td></tr>`).join('\n')}
</tbody></table>` : ''}
${x.coverage.loggingChanges.length > 0 ? `<h3>Logging changes recorded in the logs</h3>
<table><thead><tr><th>Time (${Z})</th><th>Effect</th><th>Operation</th><th>By</th><th>Status</th></tr></thead><tbody>
${x.coverage.loggingChanges.map((c) => `<tr><td class="nowrap">${esc(time(c.time))}</td><td>${esc(c.effect)}</td><td>${esc(c.operation)}</td><td>${esc(c.actor)}</td><td>${esc(c.status)}</td></tr>`).join('\n')}
</tbody></table>` : ''}
${silent.length > 0 ? `<h3>Silent periods</h3>
<table><thead><tr><th>Source</th><th>Account / project / cluster</th><th>Region</th><th>No events (${Z})</th></tr></thead><tbody>
${silent.slice(0, 100).map(({ grp, s }) => `<tr><td>${esc(grp.source)}</td><td>${esc(grp.boundary)}</td><td>${esc(grp.region)}</td><td class="nowrap">${esc(time(s.from))} → ${esc(time(s.to))} (${s.hours} h)</td></tr>`).join('\n')}
</tbody></table>` : ''}`;
}
