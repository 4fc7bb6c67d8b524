import { useEffect, useState } from 'react';
import type { EvidenceFile, QuarantinedRecord } from '../../../shared/api';
import { bytes, call, number } from '../api-client';
import { useTimeFormat, useZone, zoneLabel } from '../time-zone';
import { useView } from '../view-state';
import { useCase } from './case-store';
import { ImportPanel, QuarantineTable } from './import-panel';
import { IncidentsPanel } from './incidents-panel';
import { IntegrityPanel } from './integrity-panel';

/**
 * The case at a glance: counts, time range, human and machine identities, sources, the evidence
 * manifest with each file's SHA-256, and the quarantine; and where evidence gets imported.
 */
export function CaseHome({ casePath, importRequests }: { casePath: string; importRequests: number }) {
  const { info, revision } = useCase();
  const zone = useZone((s) => s.zone);
  const time = useTimeFormat();
  const { go, setFilter } = useView();
  const [evidence, setEvidence] = useState<EvidenceFile[]>([]);
  const [quarantine, setQuarantine] = useState<QuarantinedRecord[]>([]);

  useEffect(() => {
    void call('evidence.list', { casePath }).then((r) => r.ok && setEvidence(r.value));
    void call('quarantine.list', { casePath, limit: 200 }).then((r) => r.ok && setQuarantine(r.value));
  }, [casePath, revision]);

  if (!info) return <p className="muted">Opening {casePath}…</p>;
  const files = evidence.filter((e) => e.kind === 'file');
  return (
    <section aria-label="case summary" className="home">
      {info.events > 0 && <IncidentsPanel casePath={casePath} />}
      <dl className="stats">
        <div><dt>Events</dt><dd data-testid="events">{number(info.events)}</dd></div>
        <div><dt>Evidence files</dt><dd data-testid="evidence-files">{number(info.evidence.files)}</dd></div>
        <div><dt>Quarantined</dt><dd data-testid="quarantined">{number(info.quarantined)}</dd></div>
        <div>
          <dt>Machines</dt>
          <dd data-testid="machines">
            <button type="button" className="link big" onClick={() => { setFilter({ nhi: true }); go('identities'); }}>{number(info.identities.machines)}</button>
          </dd>
        </div>
        <div><dt>Humans</dt><dd data-testid="humans">{number(info.identities.humans)}</dd></div>
        <div><dt>Unclassified</dt><dd>{number(info.identities.unclassified)}</dd></div>
        {info.identities.principals > 0 && (
          <div title="people and workloads known through several linked accounts (a GitHub workflow, a person across sources)">
            <dt>Principals</dt><dd data-testid="principals">{number(info.identities.principals)}</dd>
          </div>
        )}
      </dl>
      <p className="muted" data-testid="time-range">
        {info.timeRange.first ? `${time(info.timeRange.first)} → ${time(info.timeRange.last)} (${zoneLabel(zone)})` : 'No events yet: import evidence below.'}
      </p>
      <ImportPanel casePath={casePath} openPicker={importRequests} />
      {info.evidence.files > 0 && <IntegrityPanel casePath={casePath} info={info} revision={revision} />}
      {info.sources.length > 0 && (
        <>
          <h3>Sources</h3>
          <table aria-label="sources">
            <thead><tr><th>Source</th><th>Events</th><th>Files</th><th>First ({zoneLabel(zone)})</th><th>Last</th></tr></thead>
            <tbody>
              {info.sources.map((s) => (
                <tr key={s.source}>
                  <td><button type="button" className="link" onClick={() => { setFilter({ source: s.source }); go('events'); }}>{s.source}</button></td>
                  <td>{number(s.events)}</td><td>{number(s.files)}</td><td>{time(s.first)}</td><td>{time(s.last)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {files.length > 0 && (
        <details>
          <summary>Evidence manifest: {number(files.length)} files, {bytes(info.evidence.bytes)} as received</summary>
          <table aria-label="evidence manifest" className="manifest">
            <thead><tr><th>#</th><th>File</th><th>SHA-256</th><th>Size</th><th>Parser</th><th>Records</th><th>Dup.</th><th>Quar.</th><th>Status</th></tr></thead>
            <tbody>
              {files.map((e) => (
                <tr key={e.evidenceId}>
                  <td>{e.evidenceId}</td>
                  <td className="wrap">{e.bundle}{e.pathInBundle !== e.bundle ? ` ! ${e.pathInBundle}` : ''}</td>
                  <td className="mono hash">{e.sha256}</td>
                  <td>{bytes(e.sizeBytes)}</td>
                  <td>{e.parser ?? ''}</td>
                  <td>{number(e.recordsTotal)}</td>
                  <td>{number(e.recordsDuplicate)}</td>
                  <td>{number(e.recordsQuarantined)}</td>
                  <td>{e.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {info.quarantineByReason.length > 0 && (
        <details>
          <summary>Quarantine: {info.quarantineByReason.map((q) => `${q.reason} ${number(q.count)}`).join(' · ')}</summary>
          <QuarantineTable rows={quarantine} />
        </details>
      )}
    </section>
  );
}
