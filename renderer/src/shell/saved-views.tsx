import { useEffect, useState } from 'react';
import type { SavedView } from '../../../shared/api';
import { call } from '../api-client';
import { useReplay } from '../replay-state';
import { parseHash, useView } from '../view-state';

/**
 * Named views kept in the case (and journaled): the view, its filters and window, the selection,
 * the sort and the replay clock. Restoring one brings all of it back exactly.
 */
export function SavedViews({ casePath }: { casePath: string }) {
  const [views, setViews] = useState<SavedView[]>([]);
  const [naming, setNaming] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const load = () => call('views.list', { casePath }).then((r) => r.ok && setViews(r.value));
  useEffect(() => {
    void load();
  }, [casePath]);

  async function save(name: string) {
    const state = { hash: window.location.hash || '#home', replayAt: useReplay.getState().at };
    const r = await call('views.save', { casePath, name, state });
    setStatus(r.ok ? `saved “${name}”` : r.error.message);
    setNaming(false);
    await load();
  }

  function restore(name: string) {
    const view = views.find((v) => v.name === name);
    if (!view) return;
    window.history.pushState(null, '', view.state.hash);
    useView.setState(parseHash(view.state.hash));
    useReplay.getState().request(view.state.replayAt);
    setStatus(`restored “${name}”`);
  }

  return (
    <span className="saved-views">
      <select aria-label="saved views" value="" onChange={(e) => restore(e.target.value)}>
        <option value="">{views.length ? `Saved views (${views.length})` : 'No saved views'}</option>
        {views.map((v) => <option key={v.name} value={v.name}>{v.name}</option>)}
      </select>
      {naming ? (
        <input
          aria-label="view name"
          autoFocus
          placeholder="name, then Enter"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setNaming(false);
            if (e.key === 'Enter' && e.currentTarget.value.trim()) void save(e.currentTarget.value.trim());
          }}
        />
      ) : (
        <button type="button" className="link small" onClick={() => setNaming(true)}>Save view…</button>
      )}
      {status && <span className="muted small" data-testid="saved-view-status">{status}</span>}
    </span>
  );
}
