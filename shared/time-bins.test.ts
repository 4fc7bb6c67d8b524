import { describe, expect, it } from 'vitest';
import { snapToBins } from './time-bins';

const at = (iso: string) => Date.parse(iso);
const iso = ([a, b]: [number, number]) => [new Date(a).toISOString(), new Date(b).toISOString()];

describe('a brushed window snapped to the timeline bins', () => {
  it('widens to the whole bars it touches', () => {
    expect(iso(snapToBins(at('2026-02-14T02:13:27.5Z'), at('2026-02-14T05:00:42Z'), 60))).toEqual(['2026-02-14T02:13:00.000Z', '2026-02-14T05:01:00.000Z']);
    expect(iso(snapToBins(at('2026-02-14T02:13:27Z'), at('2026-02-14T07:59:00Z'), 6 * 3600))).toEqual(['2026-02-14T00:00:00.000Z', '2026-02-14T12:00:00.000Z']);
  });

  it('keeps a window already on bin edges, and gives a click at least one bar', () => {
    expect(iso(snapToBins(at('2026-02-14T02:00:00Z'), at('2026-02-14T03:00:00Z'), 300))).toEqual(['2026-02-14T02:00:00.000Z', '2026-02-14T03:00:00.000Z']);
    expect(iso(snapToBins(at('2026-02-14T02:00:00Z'), at('2026-02-14T02:00:00Z'), 30))).toEqual(['2026-02-14T02:00:00.000Z', '2026-02-14T02:00:30.000Z']);
  });

  it('starts weekly bins on the Monday the SQL counts from', () => {
    // 2026-02-14 is a Saturday: its week began on Monday the 9th.
    expect(iso(snapToBins(at('2026-02-14T12:00:00Z'), at('2026-02-14T13:00:00Z'), 7 * 86400))[0]).toBe('2026-02-09T00:00:00.000Z');
  });
});
