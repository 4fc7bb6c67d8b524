import { describe, expect, it } from 'vitest';
import { type Clock, edgeOpacity, stepTo, tick } from './replay-clock';

const clock = (at: number, playing = true, speed = 1000): Clock => ({ at, playing, speed, from: 0, to: 10_000_000 });

describe('the replay clock', () => {
  it('advances by wall time times speed, stops at the end, and does not move when paused', () => {
    expect(tick(clock(0), 16).at).toBe(16_000);
    expect(tick(clock(9_999_000), 100)).toMatchObject({ at: 10_000_000, playing: false });
    expect(tick(clock(5, false), 1000).at).toBe(5);
  });

  it('steps event by event, both ways, and pauses', () => {
    const times = [100, 200, 200, 300];
    expect(stepTo(clock(150), times, 1)).toMatchObject({ at: 200, playing: false });
    expect(stepTo(clock(200), times, 1).at).toBe(300);
    expect(stepTo(clock(200), times, -1).at).toBe(100);
    expect(stepTo(clock(300), times, 1).at).toBe(300);
  });

  it('shows an edge from its first event, fully while active, then fading to a floor', () => {
    expect(edgeOpacity(100, 200, 99, 1000)).toBe(0);
    expect(edgeOpacity(100, 200, 150, 1000)).toBe(1);
    expect(edgeOpacity(100, 200, 700, 1000)).toBeCloseTo(0.5);
    expect(edgeOpacity(100, 200, 1_000_000, 1000)).toBe(0.25);
  });
});
