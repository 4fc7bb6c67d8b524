import { useEffect, useState } from 'react';
import type { Incident, RuleCatalogEntry, StoredFinding } from '../../../shared/findings';
import { call, number } from '../api-client';
import { formatMoved } from '../../../shared/format';
import { IncidentCard } from '../widgets/incident-card';
import { useCase } from '../case/case-store';
import { JournalNotes } from '../widgets/journal-notes';
import { useTimeFormat, useZone, zoneLabel, zoneText } from '../time-zone';
import { useView } from '../view-state';

/**
 * What the detections found, most important first. Selecting a finding opens its evidence in the
 * events view (and its window and identity travel with it); the explanation says why it fired.
 */
export function FindingsView({ casePath }: { casePath: string }) {
  const revision = useCase((s) => s.revision);
  const { go, setFilter } = useView();
  const zone = useZone((s) => s.zone);
  const time = useTimeFormat();
  const [findings, setFindings] = useState<StoredFinding[] | null>(null);
  const [running, setRunning] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [severity, setSeverity] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [showMuted, setShowMuted] = useState(false);
  const [muting, setMuting] = useState<string | null>(null);
  const [sigmaDir, setSigmaDir] = useState('');
  const [builtinOnly, setBuiltinOnly] = useState(false);

  async function mute(ruleId: string, reason: string | null) {
    const r = await call('journal.add', { casePath, action: reason === null ? 'rule_unmuted' : 'rule_muted', targetKind: 'rule', targetId: ruleId, ...(reason ? { text: reason } : {}) });
    if (!r.ok) return setError(r.error.message);
    setMuting(null);
    await load();
  }

  async function changeStatus(f: StoredFinding, status: 'new' | 'confirmed' | 'false_positive' | 'resolved') {
    const r = await call('journal.add', { casePath, action: 'finding_status', targetKind: 'finding', targetId: f.findingId, status });
    if (!r.ok) return setError(r.error.message);
    setFindings((old) => old?.map((x) => (x.findingId === f.findingId ? { ...x, status } : x)) ?? null);
  }

  const [incidents, setIncidents] = useState<Incident[]>([]);
  const load = async () => {
    const [f, i] = await Promise.all([call('findings.list', { casePath }), call('incidents.list', { casePath })]);
    if (!f.ok) return setError(f.error.message);
    setFindings(f.value);
    if (i.ok) setIncidents(i.value);
  };
  useEffect(() => {
    void load();
  }, [casePath, revision]);

  async function detect() {
    setRunning(true);
    setError(null);
    // A folder typed here is used and remembered for the case; "built-in only" forgets it; else as last time (the CLI's too).
    const r = await call('detect.run', { casePath, ...(builtinOnly ? { sigmaDir: null } : sigmaDir.trim() ? { sigmaDir: sigmaDir.trim() } : {}) });
    setRunning(false);
    if (!r.ok) return setError(r.error.message);
    const failed = r.value.rules.filter((x) => x.error);
    // No rule is silently off: say which ones the evidence limited, and why.
    const limited = r.value.rules.filter((x) => x.coverage?.note).map((x) => `${x.id}: ${x.coverage!.note}`);
    setStatus(
      `${number(r.value.findings)} findings in ${number(r.value.incidents)} incident(s) and alone, from ${r.value.rules.length} rules${r.value.sigmaDir ? ` (Sigma from ${r.value.sigmaDir})` : ''}${r.value.sigmaProblem ? ` (${r.value.sigmaProblem})` : ''} in ${(r.value.elapsedMs / 1000).toFixed(2)} s${failed.length ? `; failed: ${failed.map((f) => f.id).join(', ')}` : ''}` +
        (limited.length ? `. Limited by the evidence: ${limited.join('; ')}` : ''),
    );
    await load();
  }

  /** The graph and timeline on the finding's window (a minute either side) with its identity selected. */
  function openInGraph(f: StoredFinding) {
    const pad = 60_000;
    setFilter({ finding: undefined, from: new Date(Date.parse(f.windowStart) - pad).toISOString(), to: new Date(Date.parse(f.windowEnd) + pad).toISOString() });
    go('graph', { identity: f.identityUid });
  }

  function openEvidence(f: StoredFinding) {
    setFilter({ finding: f.findingId, from: undefined, to: undefined, actor: undefined, operation: undefined, resource: undefined, source: undefined, status: undefined, text: undefined, nhi: undefined });
    go('events');
  }

  const mutedCount = (findings ?? []).filter((f) => f.muted).length;
  const shown = (findings ?? []).filter((f) => (!severity || f.severity === severity) && (showMuted || !f.muted));
  return (
    <section aria-label="findings">
      <div className="toolbar">
        <button type="button" onClick={() => void detect()} disabled={running}>{running ? 'Running detections…' : findings?.length ? 'Run detections again' : 'Run detections'}</button>
        <input aria-label="Sigma rules folder" value={sigmaDir} onChange={(e) => setSigmaDir(e.target.value)} placeholder="Sigma folder (as last time)" size={28} spellCheck={false} disabled={builtinOnly} />
        <label className="inline-label"><input type="checkbox" checked={builtinOnly} onChange={(e) => setBuiltinOnly(e.target.checked)} /> built-in only</label>
        <label className="inline-label">
          severity
          <select aria-label="filter severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
            <option value="">all</option>
            {['critical', 'high', 'medium', 'low', 'informational'].map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        {mutedCount > 0 && (
          <label className="inline-label">
            <input type="checkbox" aria-label="show muted" checked={showMuted} onChange={(e) => setShowMuted(e.target.checked)} /> show {number(mutedCount)} from muted rules
          </label>
        )}
        {status && <span className="muted" data-testid="detect-status">{status}</span>}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {findings && findings.length === 0 && <p className="muted">No findings yet: run the detections over this case.</p>}
      {incidents.length > 0 && (
        <section aria-label="incidents" className="incidents">
          {incidents.map((inc) => <IncidentCard key={inc.incidentId} incident={inc} />)}
        </section>
      )}
      {shown.length > 0 && (
        <table aria-label="finding list" className="findings">
          <thead>
            <tr><th>Severity</th><th>Finding</th><th>Identity</th><th>Window ({zoneLabel(zone)})</th><th>Events</th><th>Data</th><th>Status</th></tr>
          </thead>
          <tbody>
            {shown.map((f) => (
              <tr key={f.findingId} data-finding={f.findingId} className={f.muted ? 'muted-row' : ''}>
                <td><span className={`sev ${f.severity}`}>{f.severity}</span></td>
                <td>
                  <button type="button" className="link" onClick={() => openEvidence(f)} title="Show its evidence events">{f.title}</button>
                  <div className="muted small explanation">{zoneText(f.explanation, zone)}</div>
                  <button type="button" className="link small" onClick={() => openInGraph(f)}>graph &amp; timeline</button>{' '}
                  {f.muted ? (
                    <button type="button" className="link small" onClick={() => void mute(f.ruleId, null)}>unmute rule</button>
                  ) : muting === f.findingId ? (
                    <input
                      aria-label={`why mute ${f.title}`}
                      autoFocus
                      placeholder="why mute this rule? Enter"
                      onKeyDown={(e) => {
                        if (e.key === 'Escape') setMuting(null);
                        if (e.key === 'Enter' && e.currentTarget.value.trim()) void mute(f.ruleId, e.currentTarget.value.trim());
                      }}
                    />
                  ) : (
                    <button type="button" className="link small" onClick={() => setMuting(f.findingId)}>mute rule…</button>
                  )}{' '}
                  {open === f.findingId ? (
                    <JournalNotes casePath={casePath} targetKind="finding" targetId={f.findingId} />
                  ) : (
                    <button type="button" className="link small" onClick={() => setOpen(f.findingId)}>notes…</button>
                  )}
                </td>
                <td className="wrap">
                  {f.identityUid ? <button type="button" className="link" onClick={() => go('identity', { identity: f.identityUid })}>{f.identityUid}</button> : ''}
                </td>
                <td>{time(f.windowStart)}<br />{time(f.windowEnd)}</td>
                <td>{number(f.eventCount)}</td>
                <td data-testid="finding-bytes">{formatMoved(f)}</td>
                <td>
                  <select aria-label={`status of ${f.title}`} value={f.status} onChange={(e) => void changeStatus(f, e.target.value as 'new' | 'confirmed' | 'false_positive' | 'resolved')}>
                    <option value="new">new</option>
                    <option value="confirmed">confirmed</option>
                    <option value="false_positive">false positive</option>
                    <option value="resolved">resolved</option>
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RuleCatalog />
    </section>
  );
}

/** The built-in rules with their ATT&CK techniques and the logs each needs, on demand. */
function RuleCatalog() {
  const [rules, setRules] = useState<RuleCatalogEntry[] | null>(null);
  const load = async () => {
    if (rules) return;
    const r = await call('detect.rules', {});
    if (r.ok) setRules(r.value);
  };
  return (
    <details className="rule-catalog" onToggle={(e) => { if ((e.currentTarget as HTMLDetailsElement).open) void load(); }}>
      <summary>Rules and ATT&amp;CK coverage</summary>
      {rules && (
        <table aria-label="rule catalog">
          <thead><tr><th>Rule</th><th>Severity</th><th>ATT&amp;CK</th><th>Needs</th><th>Looks for</th></tr></thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td>{r.severity}</td>
                <td>{r.attack.map((a) => <div key={a.technique}>{a.technique} {a.name} <span className="muted">({a.tactic})</span></div>)}</td>
                <td>{r.sources.join(', ') || 'any'}</td>
                <td className="wrap">{r.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
