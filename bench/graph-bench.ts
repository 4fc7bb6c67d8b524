/**
 * `npm run bench:graph [-- --events N]`
 *
 * On a generated case of N events (default 1,000,000, built once under .bench/): the graph query
 * over the whole case and over a 1-hour window, the timeline histogram, with a plain scan of the
 * events in the same process as the baseline; then in Chromium through web mode, the time to a
 * stable layout and the frame times of the graph view while a replay runs at 100,000×.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CasePool } from '../main/api/case-pool';
import { graphQuery, timelineHistogram } from '../main/api/graph-service';
import { startWebServer } from '../main/web/server';
import { benchCase } from './bench-case';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const casePath = await benchCase(Number(values.events));
const root = resolve(import.meta.dirname, '..');
const rendererDir = join(root, 'out/renderer');
if (!existsSync(join(rendererDir, 'index.html'))) throw new Error('out/renderer is missing: npm run bench:graph builds it first');
const pool = new CasePool();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timed = async (fn: () => Promise<unknown>, runs = 5) => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
};

const { n, hour } = await pool.read(casePath, async (store) => {
  const [row] = await store.read<{ n: number; lo: string }>(`SELECT count(*)::BIGINT AS n, strftime(min(time) + INTERVAL 6 HOUR, '%Y-%m-%dT%H:00:00Z') AS lo FROM events`);
  return { n: row!.n, hour: row!.lo };
});
const hourEnd = new Date(Date.parse(hour) + 3_600_000).toISOString();
const [scan, all, window, timeline, nodes] = await pool.read(casePath, async (store) => [
  await timed(() => store.read(`SELECT actor_uid, count(*), sum(bytes_out), min(time), max(time) FROM events GROUP BY ALL`)),
  await timed(() => graphQuery(store, {})),
  await timed(() => graphQuery(store, { from: hour, to: hourEnd })),
  await timed(() => timelineHistogram(store, {}, 240)),
  (await graphQuery(store, {})).nodes.length,
]);

const server = await startWebServer({ rendererDir, context: { allowedCases: new Set([casePath]), pool } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  await page.addInitScript('window.__nhiGraphFrames = []');
  const t0 = Date.now();
  await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#graph`);
  // A function, not a string: the app's CSP forbids eval, and playwright evals string predicates.
  await page.waitForFunction(() => (window as unknown as { __nhiGraphStable?: number }).__nhiGraphStable !== undefined, undefined, { timeout: 120_000, polling: 100 });
  const stable = Date.now() - t0;
  // Replay at 100,000× over the whole case, recording every animation frame's gap.
  await page.evaluate(`(() => { window.__gaps = []; let last = performance.now(); window.__stopGaps = false; function f(now) { window.__gaps.push(now - last); last = now; if (!window.__stopGaps) requestAnimationFrame(f); } requestAnimationFrame(f); })()`);
  await page.getByRole('button', { name: '▶ Replay' }).click();
  await page.getByLabel('replay speed').selectOption('100000');
  await page.waitForTimeout(4000);
  const gaps = (await page.evaluate(`(() => { window.__stopGaps = true; return window.__gaps.slice(1); })()`)) as number[];
  const draws = (await page.evaluate('window.__nhiGraphFrames')) as number[];
  const sorted = [...gaps].sort((a, b) => a - b);
  console.log(`\nbench:graph — ${n.toLocaleString('en-US')} events, ${nodes} graph nodes\n`);
  console.log(`graph query, whole case:  ${all.toFixed(0)} ms   (target < 300 ms)`);
  console.log(`graph query, one hour:    ${window.toFixed(0)} ms`);
  console.log(`timeline histogram:       ${timeline.toFixed(0)} ms`);
  console.log(`baseline, one GROUP BY actor scan of events: ${scan.toFixed(0)} ms → graph query ${(all / scan).toFixed(1)}x`);
  console.log(`open #graph → stable layout: ${stable} ms`);
  console.log(`replay at 100,000× for 4 s: ${gaps.length} frames, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)]?.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms, over 33 ms: ${gaps.filter((g) => g > 33).length}   (target: none over 33 ms)`);
  console.log(`canvas draw time per frame: median ${median(draws).toFixed(2)} ms, max ${Math.max(...draws).toFixed(2)} ms over ${draws.length} draws`);
} finally {
  await browser.close();
  await server.close();
  await pool.closeAll();
}
