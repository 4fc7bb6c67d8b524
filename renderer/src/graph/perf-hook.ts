/**
 * Timing and layout figures for the benchmark and the browser tests, on `window.__nhiPerf`, only
 * when the page URL asks for them (`?perf`): a normal session exposes nothing and records nothing.
 */
export interface NhiPerf {
  /** Wall time of the last graph.query, request to decoded graph. */
  queryMs: number | null;
  /** performance.now() when the last new layout was first drawn (after its off-screen ticks). */
  firstLayoutAt: number | null;
  /** performance.now() when the last layout came to rest. */
  stableAt: number | null;
  /** Canvas draw times, ms. */
  draws: number[];
  /** How often the cached node and edge layers were re-rasterized. */
  layerRenders: { nodes: number; edges: number };
  /** Where each node is, in layout coordinates. */
  positions(): Record<string, { x: number; y: number }>;
}

export const perfHook: NhiPerf | null =
  typeof window !== 'undefined' && new URLSearchParams(window.location.search).has('perf')
    ? ((window as unknown as { __nhiPerf: NhiPerf }).__nhiPerf = { queryMs: null, firstLayoutAt: null, stableAt: null, draws: [], layerRenders: { nodes: 0, edges: 0 }, positions: () => ({}) })
    : null;
