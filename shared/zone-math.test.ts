import { describe, expect, it } from 'vitest';
import { formatTime, zoneText, zonedToUtc } from './zone-math';

describe('times in the zone on screen', () => {
  it('shows UTC times in a named zone, keeping the microseconds', () => {
    expect(formatTime('2026-02-14T02:14:05.123456Z', 'UTC')).toBe('2026-02-14 02:14:05.123456');
    expect(formatTime('2026-02-14T02:14:05.123456Z', 'America/New_York')).toBe('2026-02-13 21:14:05.123456');
    expect(formatTime('2026-02-14T02:14:05.000000Z', 'UTC')).toBe('2026-02-14 02:14:05');
    expect(formatTime('2026-07-14T02:14:05Z', 'America/New_York')).toBe('2026-07-13 22:14:05');
    expect(formatTime('2026-02-14T02:14:05Z', 'Asia/Kolkata')).toBe('2026-02-14 07:44:05');
  });

  it('reads a typed time in the zone on screen back to UTC, in winter, summer and across the DST change', () => {
    expect(zonedToUtc('2026-02-13 21:14', 'America/New_York')).toBe('2026-02-14T02:14:00.000Z');
    expect(zonedToUtc('2026-07-13 22:14:05', 'America/New_York')).toBe('2026-07-14T02:14:05.000Z');
    // 2026-03-08 03:30 New York is just after the spring-forward change (EDT, UTC-4).
    expect(zonedToUtc('2026-03-08 03:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    expect(zonedToUtc('2026-02-14T02:00', 'UTC')).toBe('2026-02-14T02:00:00.000Z');
    expect(zonedToUtc('2026-02-14 07:44:05', 'Asia/Kolkata')).toBe('2026-02-14T02:14:05.000Z');
    // Round trip: what is shown, typed back, is the same instant.
    const iso = '2026-11-01T05:30:00.000Z';
    expect(zonedToUtc(formatTime(iso, 'Europe/Berlin'), 'Europe/Berlin')).toBe(iso);
  });

  it('keeps an explicit Z or offset, and refuses what is not a time', () => {
    expect(zonedToUtc('2026-02-14T02:14:00Z', 'America/New_York')).toBe('2026-02-14T02:14:00.000Z');
    expect(zonedToUtc('2026-02-14T02:14:00+01:00', 'UTC')).toBe('2026-02-14T01:14:00.000Z');
    expect(zonedToUtc('yesterday', 'UTC')).toBeNull();
    expect(zonedToUtc('2026-02-14; DROP TABLE', 'UTC')).toBeNull();
  });
});

describe('server text in the analyst\'s zone', () => {
  it('rewrites every UTC time in a sentence and says the zone once', () => {
    const text = 'PutObject at 2026-02-14T02:14:05.000000Z, issued by AssumeRole at 2026-02-14T02:11:52Z to svc.';
    expect(zoneText(text, 'UTC')).toBe(text);
    expect(zoneText(text, 'America/New_York')).toBe('PutObject at 2026-02-13 21:14:05, issued by AssumeRole at 2026-02-13 21:11:52 to svc. (times in America/New_York)');
    expect(zoneText('no time here', 'Asia/Tokyo')).toBe('no time here');
  });
});
