import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TimeOptions, timeSql } from './time-sql';

let connection: Awaited<ReturnType<DuckDBInstance['connect']>>;
beforeAll(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`SET TimeZone = 'UTC'`);
});
afterAll(() => connection.closeSync());

async function read(text: string | null, options?: TimeOptions): Promise<string | null> {
  const reader = await connection.runAndReadAll(
    `SELECT strftime(${timeSql('$v::VARCHAR', options)}, '%Y-%m-%dT%H:%M:%S.%fZ') AS t`,
    { v: text },
  );
  return (reader.getRowObjects()[0]!.t as string | null) ?? null;
}

describe('timeSql', () => {
  it.each([
    ['2026-02-14T02:14:00Z', '2026-02-14T02:14:00.000000Z'],
    ['2026-02-14T02:14:00.123456789Z', '2026-02-14T02:14:00.123456Z'],
    ['2026-02-14T04:14:00.5+02:00', '2026-02-14T02:14:00.500000Z'],
    ['2026-02-13T21:14:00-0500', '2026-02-14T02:14:00.000000Z'],
    ['2026-02-14 02:14:00', '2026-02-14T02:14:00.000000Z'],
    ['2026-02-14 02:14:00 UTC', '2026-02-14T02:14:00.000000Z'],
    ['Sat, 14 Feb 2026 02:14:00 GMT', '2026-02-14T02:14:00.000000Z'],
    ['14/Feb/2026:03:14:00 +0100', '2026-02-14T02:14:00.000000Z'],
  ])('reads the text %s', async (text, expected) => {
    expect(await read(text)).toBe(expected);
  });

  it.each([
    ['1771035240', '2026-02-14T02:14:00.000000Z'],
    ['1771035240.25', '2026-02-14T02:14:00.250000Z'],
    ['1771035240123', '2026-02-14T02:14:00.123000Z'],
    ['1771035240123456', '2026-02-14T02:14:00.123456Z'],
    ['1771035240123456789', '2026-02-14T02:14:00.123456Z'],
    // Windows FILETIME: 100 ns ticks since 1601-01-01.
    ['134155088401234567', '2026-02-14T02:14:00.123456Z'],
  ])('reads the epoch number %s by its magnitude', async (text, expected) => {
    expect(await read(text)).toBe(expected);
  });

  it('reads zone-less times in the given zone, and leaves zoned ones alone', async () => {
    expect(await read('2026-02-14 03:14:00', { zone: 'Europe/Berlin' })).toBe('2026-02-14T02:14:00.000000Z');
    expect(await read('2026-02-14T02:14:00Z', { zone: 'Europe/Berlin' })).toBe('2026-02-14T02:14:00.000000Z');
  });

  it('uses a given format and unit', async () => {
    expect(await read('14.02.2026 03:14', { format: '%d.%m.%Y %H:%M', zone: 'Europe/Berlin' })).toBe('2026-02-14T02:14:00.000000Z');
    expect(await read('1771035240000', { unit: 'us' })).toBe('1970-01-21T11:57:15.240000Z');
  });

  it.each([[null], [''], ['yesterday'], ['2026-13-45T99:00:00Z']])('gives NULL for %s', async (text) => {
    expect(await read(text)).toBeNull();
  });
});
