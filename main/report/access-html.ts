import type { CaseStore } from '../case-store/case-store';
import { identityAccess } from '../access/identity-access';
import type { RecordCite } from '../../shared/access';
import { esc } from './escape';

/**
 * The report's "Granted beside used": the permission snapshots the case holds, the
 * least-privilege findings, and for the identities at the origin of the incidents their blast
 * radius, each step citing the snapshot record (evidence #, record, SHA-256) it rests on.
 */
const cite = (c: RecordCite) => `<span class="meta">(#${c.evidenceId} record ${c.recordNo}, SHA-256 <span class="hash">${esc(c.sha256.slice(0, 16))}…</span>)</span>`;

export async function accessHtml(store: CaseStore, origins: readonly string[]): Promise<string> {
  const snapshots = await store.read<{ evidence_id: number; path: string; kind: string; scope: string | null; principals: number; not_before: string | null; problems: string[] }>(
    `SELECT s.evidence_id, v.path_in_bundle AS path, s.kind, s.scope, s.principals::BIGINT AS principals, strftime(s.not_before, '%Y-%m-%d %H:%M:%S') AS not_before, s.problems
     FROM access_snapshots s JOIN evidence v USING (evidence_id) ORDER BY s.evidence_id, s.record_no`,
  );
  if (!snapshots.length) return '';
  const findings = await store.read<{ severity: string; title: string; detail: string; evidence_id: number; record_no: number; sha: string }>(
    `SELECT severity, title, detail, evidence_id, record_no, lower(hex(record_sha256)) AS sha FROM access_findings
     ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, title LIMIT 100`,
  );
  const radius: string[] = [];
  for (const origin of [...new Set(origins)].slice(0, 5)) {
    const a = await identityAccess(store, origin);
    if (!a.principal) continue;
    const steps = a.reach
      .slice(1)
      .map((r) => `<li>${r.isAdmin ? '<span class="sev critical">admin</span> ' : ''}${esc(r.name)}<ol>${r.path.map((s) => `<li>${esc(s.explanation)}${s.conditional ? ' (under a condition)' : ''} ${cite(s.cite)}</li>`).join('')}</ol></li>`)
      .join('\n');
    const did = new Set(a.didReach.map((d) => d.resource));
    radius.push(`<section class="finding"><h3>${esc(a.principal.name)} <span class="meta">${esc(a.uid)}</span></h3>
<p>${esc(a.summary)}</p>
<p class="meta">Permissions from ${cite(a.principal.cite)}: ${a.principal.granted} actions granted, ${a.principal.used} used in the case, ${a.unused.length} never used.</p>
<ol>${steps || '<li>It can become nobody else.</li>'}</ol>
<table><thead><tr><th>Could reach</th><th>Through</th><th>Actions</th><th>Did reach</th></tr></thead><tbody>
${a.couldReach.slice(0, 30).map((c) => `<tr><td class="wrap">${esc(c.resource)}</td><td>${esc(c.via)}</td><td class="wrap">${esc(c.actions.slice(0, 6).join(', '))}</td><td>${did.has(c.resource) ? '<b>yes</b>' : ''}</td></tr>`).join('\n')}
</tbody></table>
${didOnly(a)}</section>`);
  }
  return `<h2>Granted beside used</h2>
<p class="meta">Permission snapshots imported as evidence; what they grant is set beside what the logs show was done. Each row cites its snapshot record as imported.</p>
<table><thead><tr><th>#</th><th>Snapshot</th><th>Kind</th><th>Account or cluster</th><th>Principals / rows</th><th>Taken after</th><th>Problems</th></tr></thead><tbody>
${snapshots.map((s) => `<tr><td>${s.evidence_id}</td><td class="wrap">${esc(s.path)}</td><td>${esc(s.kind)}</td><td>${esc(s.scope ?? '')}</td><td>${Number(s.principals)}</td><td>${esc(s.not_before ?? '')}</td><td class="wrap">${esc(s.problems.slice(0, 5).join('; '))}${s.problems.length > 5 ? ` and ${s.problems.length - 5} more` : ''}</td></tr>`).join('\n')}
</tbody></table>
${radius.length ? `<h3>Blast radius of the incidents' origins</h3>\n${radius.join('\n')}` : ''}
<h3>Least-privilege findings (${findings.length})</h3>
${findings.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>Severity</th><th>Finding</th><th>Detail</th><th>Record</th></tr></thead><tbody>
${findings.map((f) => `<tr><td><span class="sev ${esc(f.severity)}">${esc(f.severity)}</span></td><td>${esc(f.title)}</td><td class="wrap">${esc(f.detail)}</td><td class="nowrap">#${f.evidence_id} record ${f.record_no} <span class="hash">${esc(f.sha.slice(0, 12))}…</span></td></tr>`).join('\n')}
</tbody></table>`}`;
}

/** What it did reach that its own account's grants do not explain (another account's resource, a changed policy). */
function didOnly(a: Awaited<ReturnType<typeof identityAccess>>): string {
  const could = new Set(a.couldReach.map((c) => c.resource));
  const rows = a.didReach.filter((d) => !could.has(d.resource));
  if (!rows.length) return '';
  return `<p class="meta">Did reach, beyond what the grants in its own account explain (a resource of another account, or a policy changed since):</p>
<table><thead><tr><th>Resource</th><th>Calls</th></tr></thead><tbody>
${rows.slice(0, 20).map((d) => `<tr><td class="wrap">${esc(d.resource)}</td><td>${d.calls}</td></tr>`).join('\n')}
</tbody></table>`;
}
