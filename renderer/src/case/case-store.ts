import { create } from 'zustand';
import type { CaseInfo } from '../../../shared/case-summary';
import { call } from '../api-client';

/**
 * The open case: its path (also in the page URL's `?case=`, so a reload reopens it) and its
 * summary, refreshed after an import so every view sees the new counts.
 */
interface CaseState {
  casePath: string | null;
  info: CaseInfo | null;
  error: string | null;
  /** Bumped after an import; views that cache pages reload when it changes. */
  revision: number;
  open(path: string, mode?: 'open' | 'create'): Promise<boolean>;
  refresh(): Promise<void>;
  close(): void;
}

function setCaseInUrl(path: string | null): void {
  const url = new URL(window.location.href);
  if (path) url.searchParams.set('case', path);
  else url.searchParams.delete('case');
  window.history.replaceState(null, '', url.toString());
}

export const useCase = create<CaseState>((set, get) => ({
  casePath: new URL(window.location.href).searchParams.get('case'),
  info: null,
  error: null,
  revision: 0,
  async open(path, mode = 'open') {
    set({ error: null });
    const r = await call(mode === 'create' ? 'case.create' : 'case.open', { casePath: path });
    if (!r.ok) {
      set({ error: r.error.message });
      return false;
    }
    setCaseInUrl(r.value.path);
    set({ casePath: r.value.path, info: r.value, revision: get().revision + 1 });
    return true;
  },
  async refresh() {
    const casePath = get().casePath;
    if (!casePath) return;
    const r = await call('case.info', { casePath });
    if (r.ok) set({ info: r.value, error: null, revision: get().revision + 1 });
    else set({ error: r.error.message });
  },
  close() {
    setCaseInUrl(null);
    set({ casePath: null, info: null, error: null });
  },
}));
