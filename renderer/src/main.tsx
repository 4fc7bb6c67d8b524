import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { MenuAction } from '../../shared/menu-actions';
import { call } from './api-client';
import { CasePicker } from './case/case-picker';
import { useCase } from './case/case-store';
import { ROUTES } from './routes';
import { SavedViews } from './shell/saved-views';
import { useKeyboard } from './shell/shortcuts';
import { useView } from './view-state';
import { installWebBridge } from './web-bridge';
import { ZonePicker } from './shell/zone-picker';
import { useFocusTrap } from './widgets/focus-trap';

installWebBridge();

/** The shell: the open case, its views as tabs, the time zone, and the keyboard. */
function App() {
  const { casePath, info, error, upgraded, refresh, close } = useCase();
  const { view, go } = useView();
  const [version, setVersion] = useState('');
  const [importRequests, setImportRequests] = useState(0);
  const [help, setHelp] = useState(false);

  useEffect(() => {
    void call('app.version', {}).then((r) => r.ok && setVersion(`v${r.value.version}${r.value.electron ? ` · Electron ${r.value.electron}` : ''}`));
  }, []);
  useEffect(() => {
    if (casePath) void refresh();
  }, [casePath]);

  const onAction = (action: MenuAction) => {
    if (action === 'case.new' || action === 'case.open') return close();
    if (action === 'evidence.import') {
      go('home');
      return setImportRequests((n) => n + 1);
    }
    if (action === 'find') return document.querySelector<HTMLInputElement>('[data-find]')?.focus();
    go(action.slice('view.'.length) as Parameters<typeof go>[0]);
  };
  useEffect(() => window.nhi?.onMenu?.(onAction), []);
  useKeyboard({ onAction, toggleHelp: () => setHelp((h) => !h), enabled: casePath !== null });

  const route = ROUTES.find((r) => r.view === view) ?? ROUTES[0]!;
  return (
    <>
      <header className="app-header">
        <h1>NHI Forensics</h1>
        {casePath && (
          <nav role="tablist" aria-label="views">
            {ROUTES.filter((r) => r.tab).map((r, i) => (
              <button key={r.view} type="button" role="tab" aria-selected={r.view === route.view || (route.view === 'identity' && r.view === 'identities')} title={`g ${r.key} · Alt+${i + 1}`} onClick={() => go(r.view)}>
                {r.label}
              </button>
            ))}
          </nav>
        )}
        <span className="spacer" />
        <ZonePicker />
        <button type="button" className="chip" onClick={() => setHelp((h) => !h)} title="Keyboard shortcuts (?)">?</button>
        <span className="muted small">{version}</span>
      </header>
      <main>
        {!window.nhi && <p className="error" role="alert">No connection to the app: open it through Electron or the URL `npm run web` prints.</p>}
        {casePath ? (
          <>
            <div className="case-bar">
              <strong title={casePath}>{casePath.split(/[\\/]/).pop()}</strong>
              <span className="muted small">{info ? `${info.caseId.slice(0, 8)} · schema v${info.schemaVersion}` : ''}</span>
              <button type="button" className="link small" onClick={close}>Switch case</button>
              <span className="spacer" />
              <SavedViews casePath={casePath} />
            </div>
            {error && <p className="error" role="alert">{error}</p>}
            {upgraded && (
              <p className="notice" role="status" data-testid="upgraded">
                Upgraded from schema v{upgraded.from} to v{upgraded.to}. The original is kept as {upgraded.backup} (SHA-256 {upgraded.backupSha256?.slice(0, 16)}…); the upgrade is in the journal.
              </p>
            )}
            {route.render({ casePath, importRequests })}
          </>
        ) : (
          window.nhi && <CasePicker />
        )}
      </main>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </>
  );
}

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const tabs = ROUTES.filter((r) => r.tab);
  const sheet = useRef<HTMLDivElement>(null);
  useFocusTrap(sheet, onClose);
  return (
    <div className="overlay" onClick={onClose}>
      <div className="sheet" ref={sheet} role="dialog" aria-modal="true" aria-label="keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard</h2>
        <table>
          <tbody>
            {tabs.map((r, i) => <tr key={r.view}><td><kbd>g</kbd> <kbd>{r.key}</kbd> or <kbd>Alt</kbd>+<kbd>{i + 1}</kbd></td><td>{r.label}</td></tr>)}
            <tr><td><kbd>/</kbd></td><td>Search or filter in this view</td></tr>
            <tr><td><kbd>j</kbd> <kbd>k</kbd> or <kbd>↓</kbd> <kbd>↑</kbd></td><td>Next / previous event</td></tr>
            <tr><td><kbd>Enter</kbd> / <kbd>Esc</kbd></td><td>Open / close the selected event</td></tr>
            <tr><td><kbd>t</kbd></td><td>Switch times between UTC and local</td></tr>
            <tr><td><kbd>Ctrl</kbd>+<kbd>I</kbd></td><td>Import evidence</td></tr>
            <tr><td><kbd>Ctrl</kbd>+<kbd>Enter</kbd></td><td>Run the SQL query</td></tr>
            <tr><td>Right-click a cell, click a raw value</td><td>Only / hide that value</td></tr>
            <tr><td><kbd>≡</kbd> in a column header</td><td>The column's commonest values, with counts</td></tr>
            <tr><td><kbd>←</kbd> <kbd>→</kbd> on a column's edge</td><td>Narrower / wider</td></tr>
            <tr><td><kbd>Esc</kbd></td><td>Close a dialog or menu; clear the filter being typed</td></tr>
            <tr><td><kbd>?</kbd></td><td>This help</td></tr>
          </tbody>
        </table>
        <button type="button" onClick={onClose} autoFocus>Close</button>
      </div>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
