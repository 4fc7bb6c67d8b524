import { useEffect, useState } from 'react';
import type { Incident } from '../../../shared/findings';
import { call, number } from '../api-client';
import { IncidentCard } from '../widgets/incident-card';
import { useCase } from './case-store';
import { ReportPanel } from './report-panel';

/**
 * What the case home leads with: the incidents, most serious first, the top one with its whole
 * story; or, before detections ran, the button that runs them.
 */
export function IncidentsPanel({ casePath }: { casePath: string }) {
  const { revision, refresh } = useCase();
  const [incidents, setIncidents] = useState<Incident[] | null>(null);
  const [running, setRunning] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => {
    void call('incidents.list', { casePath }).then((r) => setIncidents(r.ok ? r.value : []));
  }, [casePath, revision]);
  async function detect() {
    setRunning(true);
    const r = await call('detect.run', { casePath });
    setRunning(false);
    if (!r.ok) return setStatus(r.error.message);
    setStatus(`${number(r.value.findings)} findings in ${number(r.value.incidents)} incident(s)`);
    await refresh();
  }
  if (incidents === null) return null;
  return (
    <section aria-label="incidents" className="incidents home-incidents">
      <h2>Incidents</h2>
      {incidents.length === 0 ? (
        <p className="muted">
          No incident yet: detections have not run on this case, or found nothing at medium or above.{' '}
          <button type="button" onClick={() => void detect()} disabled={running}>{running ? 'Running…' : 'Run detections'}</button>
        </p>
      ) : (
        incidents.slice(0, 5).map((inc, i) => <IncidentCard key={inc.incidentId} incident={inc} compact={i > 0} />)
      )}
      {incidents.length > 5 && <p className="muted small">…and {incidents.length - 5} more in Findings.</p>}
      <ReportPanel casePath={casePath} />
      {status && <p className="muted small" role="status">{status}</p>}
    </section>
  );
}
