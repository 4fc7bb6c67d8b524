/**
 * The replay clock: case time that advances with wall time times a speed, or event by event.
 * Pure, so its arithmetic is tested without a browser.
 */

export const SPEEDS = [1, 10, 100, 1_000, 10_000, 100_000] as const;

export interface Clock {
  /** Case time, ms since the epoch. */
  at: number;
  playing: boolean;
  speed: number;
  from: number;
  to: number;
}

/** Advances by `elapsedMs` of wall time; stops at the end. */
export function tick(clock: Clock, elapsedMs: number): Clock {
  if (!clock.playing) return clock;
  const at = Math.min(clock.to, clock.at + elapsedMs * clock.speed);
  return { ...clock, at, playing: at < clock.to };
}

/** Jumps to the next (or previous) event time after the clock, for "event by event" stepping. */
export function stepTo(clock: Clock, times: readonly number[], direction: 1 | -1): Clock {
  if (times.length === 0) return clock;
  // First index whose time is after the clock (forward) or at/after it (backward).
  const bound = (after: boolean) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (after ? times[mid]! <= clock.at : times[mid]! < clock.at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const index = direction === 1 ? bound(true) : bound(false) - 1;
  const at = times[Math.max(0, Math.min(times.length - 1, index))]!;
  return { ...clock, at: Math.max(clock.from, Math.min(clock.to, at)), playing: false };
}

/** How visible a flow stays once it has faded: still there, in the background. */
export const FADE_FLOOR = 0.25;

/**
 * How visible an edge is at the clock: 0 before its first event, 1 while active, fading to a
 * floor over `fadeMs` after its last event, so the flow that just happened stands out.
 */
export function edgeOpacity(first: number, last: number, at: number, fadeMs: number): number {
  if (at < first) return 0;
  if (at <= last) return 1;
  return Math.max(FADE_FLOOR, 1 - (at - last) / Math.max(1, fadeMs));
}
