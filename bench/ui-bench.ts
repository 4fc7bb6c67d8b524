/**
 * `npm run bench:ui [-- --events N --import-events M]`
 *
 * The app in Debian's Chromium through web mode, on a generated case of N events (default
 * 1,000,000; built once under .bench/):
 * - time from opening the case's events view to its first painted page,
 * - time from a filter change to the repainted list (several filters),
 * - frame times while scrolling the list (scrollTop moved every frame, pages loading behind),
 * - frame times on the case home while an import of M events runs (default 200,000),
 * with, as the same-process baseline, the API call alone (events.query for the first page).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Page, chromium } from 'playwright-core';
import { CasePool } from '../main/api/case-pool';
import { queryEvents } from '../main/api/events-service';
import { settleImportJobs } from '../main/api/import-jobs';
import { startWebServer } from '../main/web/server';
import { tempDir } from '../test/helpers/builders';
import { benchCase, benchData } from './bench-case';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, 'import-events': { type: 'string', default: '200000' } } });
const events = Number(values.events);
const importEvents = Number(values['import-events']);
const root = resolve(import.meta.dirname, '..');
const rendererDir = join(root, 'out/renderer');
if (!existsSync(join(rendererDir, 'index.html'))) throw new Error('out/renderer is missing: npm run bench:ui builds it first');

const casePath = await benchCase(events);
const importDir = await benchData(importEvents);
const pool = new CasePool();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number) => `${x.toFixed(0)} ms`;

// Baseline: the first page's API call alone, in this process (warm, median of 5).
const apiTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await pool.read(casePath, (store) => queryEvents(store, { filter: {}, offset: 0, limit: 200 }));
  apiTimes.push(performance.now() - t0);
}
const apiFirstPage = median(apiTimes);

const newCase = join(tempDir('nhi-bench-'), 'import.duckdb');
const server = await startWebServer({ rendererDir, context: { allowedCases: new Set([casePath]), pool } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** Resolves with the time of the next `nhi:events-painted` mark after `since` (page clock). */
const nextPaint = (page: Page, since: number) =>
  page.waitForFunction((t) => performance.getEntriesByName('nhi:events-painted').find((m) => m.startTime > t)?.startTime ?? false, since, { timeout: 120_000, polling: 'raf' }).then((h) => h.jsonValue() as Promise<number>);

/** Resolves once the events count is on screen (it follows the first page). */
const countedOn = (page: Page) =>
  page.waitForFunction(() => !(document.querySelector('[data-testid=event-count]')?.textContent ?? 'counting').startsWith('counting'), undefined, { timeout: 120_000, polling: 'raf' });

/** Records requestAnimationFrame deltas in the page until stopped; answers them. */
async function frames<T>(page: Page, during: () => Promise<T>): Promise<{ result: T; deltas: number[] }> {
  // Scripts as strings: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    function tick(now) {
      window.__frames.push(now - last);
      last = now;
      if (!window.__stop) requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  })()`);
  const result = await during();
  const deltas = (await page.evaluate(`(() => { window.__stop = true; return window.__frames.slice(1); })()`)) as number[];
  return { result, deltas };
}

const summary = (deltas: number[]) => {
  const sorted = [...deltas].sort((a, b) => a - b);
  return `${deltas.length} frames, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)]?.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms, over 50 ms: ${deltas.filter((d) => d > 50).length}, over 100 ms: ${deltas.filter((d) => d > 100).length}`;
};

try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // 1. Open the case on its events view: navigation start → first painted page.
  await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#events`);
  const firstPage = await nextPaint(page, 0);
  await countedOn(page);
  const count = await page.evaluate(() => document.querySelector('[data-testid=event-count]')?.textContent ?? '?');
  // Let the case summary's refresh (which reloads the first page once more) land before timing filters.
  await page.waitForTimeout(1500);

  // 2. Filter changes, each from the keypress to the repainted list.
  const filters: [string, string][] = [
    ['filter operation', 'GetObject'],
    ['filter actor', 'workload-3'],
    ['filter source', 'aws.cloudtrail'],
    ['filter text in raw', '10.0.218'],
  ];
  const repaint: { filter: string; ms: number; countMs: number; count: string | null }[] = [];
  for (const [label, value] of filters) {
    const since = await page.evaluate(() => performance.now());
    await page.getByLabel(label).fill(value);
    const t0 = await page.evaluate(() => performance.now());
    await page.getByLabel(label).press('Enter');
    const painted = await nextPaint(page, Math.max(since, t0));
    await countedOn(page);
    const countedAt = await page.evaluate(() => performance.now());
    repaint.push({ filter: `${label.replace('filter ', '')}=${value}`, ms: painted - t0, countMs: countedAt - t0, count: await page.evaluate(() => document.querySelector('[data-testid=event-count]')?.textContent ?? '?') });
    await page.getByLabel(label).fill('');
    const t1 = await page.evaluate(() => performance.now());
    await page.getByLabel(label).press('Enter');
    await nextPaint(page, t1);
  }

  // 3. Scrolling: move the list every frame for ~4 s, far enough to load new pages all the way.
  await page.getByTestId('event-list').focus();
  const scroll = await frames(page, () =>
    page.evaluate(`new Promise((done) => {
      const list = document.querySelector('[data-testid=event-list]');
      let n = 0;
      function step() {
        list.scrollTop += n < 120 ? 1500 : 150000;
        if (++n < 240) requestAnimationFrame(step);
        else done();
      }
      requestAnimationFrame(step);
    })`),
  );

  // 4. An import running while the case home is on screen and polls its progress.
  await page.goto(`${server.url}`);
  await page.getByLabel('new case path').fill(newCase);
  await page.getByRole('button', { name: 'Create case' }).click();
  await page.getByLabel('evidence paths').waitFor();
  await page.getByLabel('evidence paths').fill(importDir);
  const during = await frames(page, async () => {
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=import-job]')?.getAttribute('data-state') === 'complete', undefined, { timeout: 600_000, polling: 500 });
    return performance.now() - t0;
  });

  console.log(`\nbench:ui — ${count} on ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} (headless, 1400×1000)\n`);
  console.log(`first events page painted after opening the case: ${ms(firstPage)}   (target < 1000 ms)`);
  console.log(`  baseline, events.query for that page alone in Node: ${ms(apiFirstPage)} → the app adds ${ms(firstPage - apiFirstPage)} (page load, React, Arrow decode, paint); ratio ${(firstPage / apiFirstPage).toFixed(1)}x`);
  console.log(`filter change → repainted list (target < 200 ms):`);
  for (const r of repaint) console.log(`  ${r.filter.padEnd(26)} ${ms(r.ms).padStart(8)}   count shown after ${ms(r.countMs).padStart(8)}: ${r.count}`);
  console.log(`scrolling (240 frames, then pages far down): ${summary(scroll.deltas)}   (target: none over 50 ms)`);
  console.log(`during an import of ${importEvents.toLocaleString('en-US')} events (${(during.result / 1000).toFixed(1)} s): ${summary(during.deltas)}   (target: none over 100 ms)`);
  await page.close();
} finally {
  await browser.close();
  await server.close();
  await settleImportJobs({ cancel: true });
  await pool.closeAll();
}
