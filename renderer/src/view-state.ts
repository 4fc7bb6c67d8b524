import { create } from 'zustand';
import { API_REQUESTS, EVENT_SORT_COLUMNS, type EventFilter } from '../../shared/api';

/**
 * What the analyst is looking at: the view, the event filters (shared by every view: a window
 * brushed on the timeline filters the events and the graph too), the selected event and
 * identity, and the sort. It all lives in the URL hash (`#events?actor=deploy-bot&event=…`), so
 * a view can be bookmarked and comes back on reload, and Back returns to the previous view.
 */

export const VIEWS = ['home', 'events', 'identities', 'identity', 'graph', 'timeline', 'findings', 'sql'] as const;
export type ViewName = (typeof VIEWS)[number];
export type SortColumn = (typeof EVENT_SORT_COLUMNS)[number];

interface Sort {
  column: SortColumn;
  descending: boolean;
}

interface ViewState {
  view: ViewName;
  filter: EventFilter;
  selected: string | null;
  /** The identity whose profile is open, or that is selected in the graph. */
  identity: string | null;
  sort: Sort;
  go(view: ViewName, patch?: { identity?: string | null }): void;
  setFilter(patch: Partial<EventFilter>): void;
  /** Every filter off (the sort and the view stay). */
  clearFilter(): void;
  select(eventUid: string | null): void;
  selectIdentity(uid: string | null): void;
  setSort(sort: Sort): void;
}

const FILTER_KEYS = ['from', 'to', 'source', 'actor', 'operation', 'resource', 'status', 'text', 'finding', 'service', 'category', 'tag'] as const;
/** Exact-value matches travel as JSON, checked by the API's own schema on the way in. */
const matchSchema = API_REQUESTS['events.query'].shape.filter.shape.match;
const DEFAULT_SORT: Sort = { column: 'time', descending: false };

interface Parsed {
  view: ViewName;
  filter: EventFilter;
  selected: string | null;
  identity: string | null;
  sort: Sort;
}

export function parseHash(hash: string): Parsed {
  const match = /^#([a-z]+)\??(.*)$/.exec(hash);
  const view = (VIEWS as readonly string[]).includes(match?.[1] ?? '') ? (match![1] as ViewName) : 'home';
  const params = new URLSearchParams(match?.[2] ?? '');
  const filter: Record<string, unknown> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filter[key] = value;
  }
  if (params.get('nhi') === 'true' || params.get('nhi') === 'false') filter.nhi = params.get('nhi') === 'true';
  if (filter.status !== 'success' && filter.status !== 'failure') delete filter.status;
  if (params.get('marked') === 'bookmarked' || params.get('marked') === 'tagged') filter.marked = params.get('marked');
  try {
    const match = matchSchema.safeParse(JSON.parse(params.get('match') ?? 'null'));
    if (match.success && match.data && match.data.length > 0) filter.match = match.data;
  } catch {
    // A hand-edited address with broken JSON: no value filters.
  }
  const column = params.get('sort');
  const sort: Sort = (EVENT_SORT_COLUMNS as readonly string[]).includes(column ?? '') ? { column: column as SortColumn, descending: params.get('desc') === '1' } : DEFAULT_SORT;
  return { view, filter: filter as EventFilter, selected: params.get('event'), identity: params.get('uid'), sort };
}

export function formatHash(state: Parsed): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filter)) {
    if (key === 'match') {
      if (Array.isArray(value) && value.length > 0) params.set(key, JSON.stringify(value));
    } else if (value !== undefined && value !== '') params.set(key, String(value));
  }
  if (state.selected) params.set('event', state.selected);
  if (state.identity) params.set('uid', state.identity);
  if (state.sort.column !== DEFAULT_SORT.column || state.sort.descending !== DEFAULT_SORT.descending) {
    params.set('sort', state.sort.column);
    if (state.sort.descending) params.set('desc', '1');
  }
  return `#${state.view}${params.size > 0 ? `?${params.toString()}` : ''}`;
}

/** A new view is a history entry (Back works); filter and selection changes replace the current one. */
function write(state: Parsed, push: boolean): void {
  const hash = formatHash(state);
  if (window.location.hash === hash) return;
  if (push) window.history.pushState(null, '', hash);
  else window.history.replaceState(null, '', hash);
}

export const useView = create<ViewState>((set, get) => ({
  ...parseHash(window.location.hash),
  go(view, patch = {}) {
    set({ view, ...(patch.identity !== undefined ? { identity: patch.identity } : {}) });
    write(get(), true);
  },
  setFilter(patch) {
    const filter = { ...get().filter, ...patch };
    for (const key of Object.keys(filter) as (keyof EventFilter)[]) if (filter[key] === '' || filter[key] === undefined || (key === 'match' && filter.match?.length === 0)) delete filter[key];
    set({ filter, selected: null });
    write(get(), false);
  },
  clearFilter() {
    set({ filter: {}, selected: null });
    write(get(), false);
  },
  select(selected) {
    set({ selected });
    write(get(), false);
  },
  selectIdentity(identity) {
    set({ identity });
    write(get(), false);
  },
  setSort(sort) {
    set({ sort, selected: null });
    write(get(), false);
  },
}));

// Back, Forward and an edited address bar bring their view back.
window.addEventListener('popstate', () => useView.setState(parseHash(window.location.hash)));
window.addEventListener('hashchange', () => useView.setState(parseHash(window.location.hash)));
