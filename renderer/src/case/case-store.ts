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
  /** A case made by an older build that the user tried to open: opening never migrates it. */
  needsUpgrade: { path: string; message: string } | null;
  /** What the last upgrade did, shown once. */
  upgraded: { from: number; to: number; backup: string | null; backupSha256: string | null } | null;
  /** Bumped after an import; views that cache pages reload when it changes. */
  revision: number;
  open(path: string, mode?: 'open' | 'create'): Promise<boolean>;
  refresh(): Promise<void>;
  upgrade(): Promise<boolean>;
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
  needsUpgrade: null,
  upgraded: null,
  revision: 0,
  async open(path, mode = 'open') {
    set({ error: null, needsUpgrade: null, upgraded: null });
    const r = await call(mode === 'create' ? 'case.create' : 'case.open', { casePath: path });
    if (!r.ok) {
      if (r.error.code === 'case_needs_upgrade') set({ needsUpgrade: { path, message: r.error.message } });
      else set({ error: r.error.message });
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
    else if (r.error.code === 'case_needs_upgrade') {
      setCaseInUrl(null);
      set({ casePath: null, info: null, needsUpgrade: { path: casePath, message: r.error.message } });
    } else set({ error: r.error.message });
  },
  async upgrade() {
    const pending = get().needsUpgrade;
    if (!pending) return false;
    const r = await call('case.upgrade', { casePath: pending.path });
    if (!r.ok) {
      set({ error: r.error.message });
      return false;
    }
    setCaseInUrl(r.value.info.path);
    set({
      casePath: r.value.info.path,
      info: r.value.info,
      needsUpgrade: null,
      error: null,
      upgraded: { from: r.value.from, to: r.value.to, backup: r.value.backup, backupSha256: r.value.backupSha256 },
      revision: get().revision + 1,
    });
    return true;
  },
  close() {
    setCaseInUrl(null);
    set({ casePath: null, info: null, error: null, needsUpgrade: null, upgraded: null });
  },
}));
