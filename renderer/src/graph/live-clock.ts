/**
 * The replay clock as it runs, frame by frame, outside React: the canvas and the timeline cursor
 * follow it directly, while the view's React state (clock text, flow table, events list) takes
 * it up a few times a second. Re-rendering the view every frame cost more than a frame at 2,000
 * nodes.
 */
export interface LiveClock {
  get(): number | null;
  set(at: number | null): void;
  subscribe(listener: (at: number | null) => void): () => void;
}

export function createLiveClock(): LiveClock {
  let at: number | null = null;
  const listeners = new Set<(at: number | null) => void>();
  return {
    get: () => at,
    set(next) {
      if (next === at) return;
      at = next;
      for (const listener of listeners) listener(at);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
