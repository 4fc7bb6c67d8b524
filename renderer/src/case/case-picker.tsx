import { useEffect, useState } from 'react';
import type { RecentCase } from '../../../shared/api';
import { call } from '../api-client';
import { useCase } from './case-store';

/**
 * No case open yet: create one or open one, by path or (in the desktop app) with the system's
 * dialogs, or pick a recent case. Paths typed here are the only ones web mode will open.
 */
/** A case from an older build: what upgrading does, and the one button that does it. */
function UpgradePrompt() {
  const { needsUpgrade, upgrade } = useCase();
  const [busy, setBusy] = useState(false);
  if (!needsUpgrade) return null;
  return (
    <section aria-label="upgrade this case" className="notice" role="alert">
      <h3>This case was made by an older version</h3>
      <p>{needsUpgrade.message}</p>
      <p className="muted">Nothing has been changed. Upgrading keeps a byte-for-byte copy of the file beside it, migrates the case, and writes the upgrade (with the copy&apos;s SHA-256) to the case&apos;s journal.</p>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void upgrade().finally(() => setBusy(false));
        }}
      >
        {busy ? 'Upgrading…' : 'Upgrade this case'}
      </button>
    </section>
  );
}

export function CasePicker() {
  const { open, error } = useCase();
  const [recent, setRecent] = useState<RecentCase[]>([]);
  const [newPath, setNewPath] = useState('cases/new-case.duckdb');
  const [openPath, setOpenPath] = useState('');
  const native = typeof window.nhi?.onMenu === 'function';

  useEffect(() => {
    void call('cases.recent', {}).then((r) => r.ok && setRecent(r.value));
  }, []);

  async function dialog(kind: 'dialog.openCase' | 'dialog.newCase') {
    const r = await call(kind, {});
    if (r.ok && r.value) await open(r.value, kind === 'dialog.newCase' ? 'create' : 'open');
  }

  return (
    <section aria-label="open a case" className="picker">
      <h2>Start</h2>
      {error && <p className="error" role="alert">{error}</p>}
      <UpgradePrompt />
      <div className="picker-grid">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void open(newPath, 'create');
          }}
        >
          <h3>New case</h3>
          <p className="muted">A case is one file holding the evidence you import, its hashes and your notes.</p>
          <label>
            Case file to create
            <input aria-label="new case path" value={newPath} onChange={(e) => setNewPath(e.target.value)} spellCheck={false} />
          </label>
          <div className="toolbar">
            <button type="submit">Create case</button>
            {native && <button type="button" onClick={() => void dialog('dialog.newCase')}>Choose location…</button>}
          </div>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void open(openPath);
          }}
        >
          <h3>Open case</h3>
          <label>
            Case file (.duckdb)
            <input aria-label="open case path" value={openPath} onChange={(e) => setOpenPath(e.target.value)} placeholder="cases/incident-0214.duckdb" spellCheck={false} />
          </label>
          <div className="toolbar">
            <button type="submit" disabled={!openPath}>Open</button>
            {native && <button type="button" onClick={() => void dialog('dialog.openCase')}>Browse…</button>}
          </div>
        </form>
      </div>
      {recent.length > 0 && (
        <>
          <h3>Recent cases</h3>
          <ul className="recent">
            {recent.map((r) => (
              <li key={r.path}>
                <button type="button" className="link" disabled={!r.exists} onClick={() => void open(r.path)}>{r.path}</button>
                <span className="muted"> {r.exists ? r.openedAt.slice(0, 16).replace('T', ' ') : 'missing'}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
