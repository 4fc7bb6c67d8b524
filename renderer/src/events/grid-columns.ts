import { create } from 'zustand';
import { GRID_COLUMNS, type GridColumn, type GridColumnKey } from '../../../shared/event-columns';

/**
 * Which columns the events grid shows, in what order and how wide: the analyst's choice, kept in
 * this browser's storage across cases and sessions (a layout, not evidence: never in the case).
 */

const STORAGE_KEY = 'nhi.events.columns';
const MIN_WIDTH = 36;
const MAX_WIDTH = 1200;
const byKey = new Map(GRID_COLUMNS.map((c) => [c.key, c]));

interface Layout {
  visible: GridColumnKey[];
  widths: Partial<Record<GridColumnKey, number>>;
}

interface ColumnsState extends Layout {
  toggle(key: GridColumnKey): void;
  resize(key: GridColumnKey, width: number): void;
  reset(): void;
}

const DEFAULT_LAYOUT: Layout = { visible: GRID_COLUMNS.filter((c) => c.visible).map((c) => c.key), widths: {} };

/** A stored layout is trusted only as far as it names known columns with sane widths. */
function load(): Layout {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Layout> | null;
    if (!stored || !Array.isArray(stored.visible)) return DEFAULT_LAYOUT;
    const visible = stored.visible.filter((k): k is GridColumnKey => byKey.has(k as GridColumnKey));
    const widths: Layout['widths'] = {};
    for (const [k, w] of Object.entries(stored.widths ?? {})) if (byKey.has(k as GridColumnKey) && typeof w === 'number') widths[k as GridColumnKey] = clamp(w);
    return visible.length > 0 ? { visible, widths } : DEFAULT_LAYOUT;
  } catch {
    return DEFAULT_LAYOUT;
  }
}

const clamp = (w: number) => Math.round(Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, w)));

function save(layout: Layout): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(layout));
  } catch {
    // Storage full or denied: the layout lasts for this session only.
  }
}

export const useGridColumns = create<ColumnsState>((set, get) => ({
  ...load(),
  toggle(key) {
    const { visible, widths } = get();
    // Shown columns keep the catalogue's order, so a column comes back where it was.
    const next = visible.includes(key) ? visible.filter((k) => k !== key) : GRID_COLUMNS.map((c) => c.key).filter((k) => k === key || visible.includes(k));
    if (next.length === 0) return;
    set({ visible: next });
    save({ visible: next, widths });
  },
  resize(key, width) {
    const widths = { ...get().widths, [key]: clamp(width) };
    set({ widths });
    save({ visible: get().visible, widths });
  },
  reset() {
    set(DEFAULT_LAYOUT);
    save(DEFAULT_LAYOUT);
  },
}));

export const columnOf = (key: GridColumnKey): GridColumn => byKey.get(key)!;
export const widthOf = (key: GridColumnKey, widths: Layout['widths']) => widths[key] ?? columnOf(key).width;

/** The grid template of the shown columns: the same on the header and every row. */
export const gridTemplate = (visible: GridColumnKey[], widths: Layout['widths']) => visible.map((k) => `${widthOf(k, widths)}px`).join(' ');
