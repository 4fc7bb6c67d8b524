import { useEffect, useState } from 'react';
import type { CaseInfo } from '../../../shared/case-summary';
import type { CaseIntegrity } from '../../../shared/integrity';
import { call, number } from '../api-client';
import { useTimeFormat, useZone, zoneLabel } from '../time-zone';

/**
 * What the case can prove and what it cannot see: the import outcomes and anything the import
 * had to decide about the evidence (collisions, implausible times, inputs not read), the
 * CloudTrail digest verdict, the questions the evidence can answer, its silences and the logging
 * changes recorded in the logs, and the journal head to quote when checking the case later.
 */
export function IntegrityPanel({ casePath, info, revision }: { casePath: string; info: CaseInfo; revision: number }) {
  const [data, setData] = useState<CaseIntegrity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const time = useTimeFormat();
  const zone = useZone((s) => s.zone);
  useEffect(() => {
    void call('case.integrity', { casePath }).then((r) => (r.ok ? setData(r.value) : setError(r.error.message)));
  }, [casePath, revision]);

  const g = info.integrity;
  const attention = [
    g.idCollisions > 0 && `${number(g.idCollisions)} record(s) claim an event id that another record with other content has: both are kept (finding "Two records claim one event id").`,
    g.implausibleTimes > 0 && `${number(g.implausibleTimes)} event(s) have implausible times (before 2000 or after their import): kept, flagged, left out of baselines and of the time range above.`,
    g.notRead > 0 && `${number(g.notRead)} input(s) were not read: links, pipes, devices or unreadable files (see the quarantine).`,
    g.failedImports > 0 && `${number(g.failedImports)} import(s) failed.`,
    g.interruptedImports > 0 && `${number(g.interruptedImports)} import(s) were interrupted: import the same inputs again to finish.`,
  ].filter((x): x is string => typeof x === 'string');

  if (error) return <p className="error" role="alert">Integrity: {error}</p>;
  if (!data) return <p className="muted">Checking what the evidence covers…</p>;
  const digests = data.digests;
  const cannot = data.coverage.questions.filter((q) => q.answer !== 'yes');
  const silent = data.coverage.groups.filter((grp) => grp.silences.length > 0);
  return (
    <section aria-label="evidence integrity" className="integrity">
      <h3>Evidence integrity and coverage</h3>
      {attention.length > 0 && (
        <ul className="notice" data-testid="attention">
          {attention.map((a) => <li key={a}>{a}</li>)}
        </ul>
      )}
      {digests.trails.length > 0 && (
        <div data-testid="digests">
          <p className={digests.isValid ? '' : 'error'} role={digests.isValid ? undefined : 'alert'}>
            <strong>CloudTrail digests: {digests.isValid ? 'log files match their digests' : 'log files or digests were altered after delivery'}</strong>
            {digests.signaturesChecked ? '' : ' (signatures are checked by nhi verify --trust-keys)'}
          </p>
          <table aria-label="cloudtrail digests">
            <thead><tr><th>Account</th><th>Region</th><th>Digests</th><th>Chains</th><th>Log files listed</th><th>OK</th><th>Modified</th><th>Missing</th><th>Added</th><th>Not covered</th></tr></thead>
            <tbody>
              {digests.trails.map((t) => (
                <tr key={`${t.account}/${t.region}`}>
                  <td>{t.account}</td><td>{t.region}</td><td>{number(t.digests)}</td><td>{number(t.chains)}</td><td>{number(t.logFiles.listed)}</td><td>{number(t.logFiles.ok)}</td>
                  <td className={t.logFiles.modified > 0 ? 'error' : ''}>{number(t.logFiles.modified)}</td>
                  <td className={t.logFiles.missing > 0 ? 'error' : ''}>{number(t.logFiles.missing)}</td>
                  <td className={t.logFiles.added > 0 ? 'error' : ''}>{number(t.logFiles.added)}</td>
                  <td>{number(t.logFiles.notCovered)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {digests.problems.length > 0 && (
            <table aria-label="digest problems">
              <thead><tr><th>Problem</th><th>When ({zoneLabel(zone)})</th><th>Detail</th></tr></thead>
              <tbody>
                {digests.problems.slice(0, 50).map((p, i) => (
                  <tr key={i}><td>{p.kind.replaceAll('_', ' ')}</td><td>{p.windowStart ? `${time(p.windowStart)} → ${time(p.windowEnd)}` : ''}</td><td className="wrap">{p.detail}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      {cannot.length > 0 && (
        <>
          <p><strong>What this evidence cannot answer</strong></p>
          <table aria-label="coverage">
            <thead><tr><th>Question</th><th>Answer</th><th>Why</th><th>Detections affected</th></tr></thead>
            <tbody>
              {cannot.map((q) => (
                <tr key={q.id}><td>{q.question}</td><td className={q.answer === 'no' ? 'error' : ''}>{q.answer}</td><td className="wrap">{q.why}</td><td>{q.detections.join(', ')}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {(silent.length > 0 || data.coverage.loggingChanges.length > 0) && (
        <details open={data.coverage.loggingChanges.some((c) => c.effect !== 'started')}>
          <summary>Silences and logging changes: {number(silent.reduce((n, grp) => n + grp.silences.length, 0))} silent periods, {number(data.coverage.loggingChanges.length)} logging changes</summary>
          {data.coverage.loggingChanges.length > 0 && (
            <table aria-label="logging changes">
              <thead><tr><th>When ({zoneLabel(zone)})</th><th>Effect</th><th>Operation</th><th>By</th><th>Status</th></tr></thead>
              <tbody>
                {data.coverage.loggingChanges.map((c) => (
                  <tr key={c.eventUid}><td>{time(c.time)}</td><td className={c.effect === 'stopped' ? 'error' : ''}>{c.effect}</td><td>{c.operation}</td><td className="wrap">{c.actor ?? ''}</td><td>{c.status}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          {silent.length > 0 && (
            <table aria-label="silent periods">
              <thead><tr><th>Source</th><th>Account / project / cluster</th><th>Region</th><th>Silent ({zoneLabel(zone)})</th></tr></thead>
              <tbody>
                {silent.flatMap((grp) => grp.silences.map((s) => (
                  <tr key={`${grp.source}/${grp.boundary}/${grp.region}/${s.from}`}><td>{grp.source}</td><td>{grp.boundary ?? '—'}</td><td>{grp.region ?? '—'}</td><td>{time(s.from)} → {time(s.to)} ({s.hours} h)</td></tr>
                )))}
              </tbody>
            </table>
          )}
        </details>
      )}
      <p className="muted small" data-testid="journal-head">
        Journal {data.journalOk ? 'intact' : 'BROKEN'}, head <span className="mono">{data.journalHead}</span>: quote it to check this case later with <span className="mono">nhi verify --case … --expect-head {data.journalHead}</span>
      </p>
    </section>
  );
}
