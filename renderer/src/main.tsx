import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { IdentitySummary } from '../../shared/api';
import type { CaseInfo } from '../../shared/case-summary';
import { EventsView } from './events-view';
import { IdentityPage } from './identity-profile';
import { SqlConsole } from './sql-console';
import { installWebBridge } from './web-bridge';

installWebBridge();

const number = (n: number) => n.toLocaleString('en-US');

/** Case home, first cut: the case at a glance and its identities. The full views come next. */
function App() {
  const [version, setVersion] = useState('');
  const [info, setInfo] = useState<CaseInfo | null>(null);
  const [identities, setIdentities] = useState<IdentitySummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [profileUid, setProfileUid] = useState<string | null>(null);
  const casePath = new URL(window.location.href).searchParams.get('case');

  useEffect(() => {
    const nhi = window.nhi;
    if (!nhi) {
      setError('No connection to the app: open it through Electron or the URL `npm run web` prints.');
      return;
    }
    void nhi.call('app.version', {}).then((r) => r.ok && setVersion(`v${r.value.version}${r.value.electron ? ` · Electron ${r.value.electron}` : ''}`));
    if (!casePath) return;
    void nhi.call('case.info', { casePath }).then((r) => (r.ok ? setInfo(r.value) : setError(r.error.message)));
    void nhi.call('identities.list', { casePath }).then((r) => r.ok && setIdentities(r.value));
  }, [casePath]);

  return (
    <main>
      <header>
        <h1>NHI Forensics</h1>
        <span className="muted">{version}</span>
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      {!casePath && !error && <p className="muted">Open a case: start web mode with a case file, e.g. <code>npm run web -- cases/incident-0214.duckdb</code>.</p>}
      {info && (
        <section aria-label="case summary">
          <h2>{info.path}</h2>
          <p className="muted">
            All times UTC · {info.timeRange.first ?? '—'} → {info.timeRange.last ?? '—'}
          </p>
          <dl className="stats">
            <div><dt>Events</dt><dd data-testid="events">{number(info.events)}</dd></div>
            <div><dt>Evidence files</dt><dd>{number(info.evidence.files)}</dd></div>
            <div><dt>Quarantined</dt><dd>{number(info.quarantined)}</dd></div>
            <div><dt>Machines</dt><dd data-testid="machines">{number(info.identities.machines)}</dd></div>
            <div><dt>Humans</dt><dd data-testid="humans">{number(info.identities.humans)}</dd></div>
          </dl>
          <table>
            <thead><tr><th>Source</th><th>Events</th><th>Files</th><th>First</th><th>Last</th></tr></thead>
            <tbody>
              {info.sources.map((s) => (
                <tr key={s.source}><td>{s.source}</td><td>{number(s.events)}</td><td>{number(s.files)}</td><td>{s.first}</td><td>{s.last}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {casePath && profileUid && <IdentityPage casePath={casePath} uid={profileUid} onClose={() => setProfileUid(null)} />}
      {info && casePath && !profileUid && <EventsView casePath={casePath} />}
      {info && casePath && <SqlConsole casePath={casePath} />}
      {identities.length > 0 && (
        <section aria-label="identities">
          <h2>Identities</h2>
          <table>
            <thead><tr><th>Identity</th><th>Machine?</th><th>Type</th><th>Confidence</th><th>Events</th><th>Why</th></tr></thead>
            <tbody>
              {identities.map((i) => (
                <tr key={i.uid} title={i.uid}>
                  <td>
                    <button type="button" className="link" onClick={() => setProfileUid(i.uid)}>{i.display ?? i.uid}</button>
                  </td>
                  <td>{i.isNhi === null ? '?' : i.isNhi ? 'machine' : 'human'}</td>
                  <td>{i.type}</td>
                  <td>{i.confidence.toFixed(2)}</td>
                  <td>{number(i.events)}</td>
                  <td>{i.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
