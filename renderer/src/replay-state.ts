import { create } from 'zustand';

/**
 * The replay clock's position, shared so a saved view can record it and restore it: the graph
 * view publishes where its clock is, and picks up a position a restored view asks for.
 */
interface ReplayState {
  at: number | null;
  requested: number | null;
  publish(at: number | null): void;
  request(at: number | null): void;
}

export const useReplay = create<ReplayState>((set) => ({
  at: null,
  requested: null,
  publish: (at) => set({ at }),
  request: (requested) => set({ requested }),
}));

/** A window the timeline should zoom to, asked for by a view that opens it (Investigate). */
interface TimelineZoomState {
  requested: { from: string; to: string } | null;
  request(window: { from: string; to: string } | null): void;
}

export const useTimelineZoom = create<TimelineZoomState>((set) => ({
  requested: null,
  request: (requested) => set({ requested }),
}));
