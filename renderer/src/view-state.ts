import { create } from 'zustand';
import type { EventFilter } from '../../shared/api';

/**
 * What the analyst is looking at: the event filters and the selected event. It lives in the URL
 * hash too (`#events?actor=backend-svc&event=…`), so a view can be bookmarked and comes back on reload.
 */
interface ViewState {
  filter: EventFilter;
  selected: string | null;
  setFilter(patch: Partial<EventFilter>): void;
  select(eventUid: string | null): void;
}

const KEYS = ['from', 'to', 'source', 'actor', 'operation', 'resource', 'status', 'text'] as const;

function fromHash(): { filter: EventFilter; selected: string | null } {
  const params = new URLSearchParams(window.location.hash.replace(/^#events\??/, ''));
  const filter: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = params.get(key);
    if (value) filter[key] = value;
  }
  if (params.get('nhi') === 'true' || params.get('nhi') === 'false') filter.nhi = params.get('nhi') === 'true';
  if (filter.status !== 'success' && filter.status !== 'failure') delete filter.status;
  return { filter: filter as EventFilter, selected: params.get('event') };
}

function toHash(filter: EventFilter, selected: string | null): void {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') params.set(key, String(value));
  if (selected) params.set('event', selected);
  const hash = `#events${params.size > 0 ? `?${params.toString()}` : ''}`;
  if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
}

export const useView = create<ViewState>((set, get) => ({
  ...fromHash(),
  setFilter(patch) {
    const filter = { ...get().filter, ...patch };
    for (const key of Object.keys(filter) as (keyof EventFilter)[]) if (filter[key] === '' || filter[key] === undefined) delete filter[key];
    set({ filter, selected: null });
    toHash(filter, null);
  },
  select(selected) {
    set({ selected });
    toHash(get().filter, selected);
  },
}));
