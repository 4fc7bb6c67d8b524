import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import type { CasePool } from '../../main/api/case-pool';
import { CaseStore } from '../../main/case-store/case-store';
import { runDetections } from '../../main/detect/engine';
import type { WebServer } from '../../main/web/server';
import { type FixtureServer, fixtureServer } from '../helpers/fixture-server';
import { ROOT, SHOTS } from '../helpers/browser';

/** The graph, the timeline and the replay on the 02:14 fixture, in Debian's Chromium through web mode. */
const truth = JSON.parse(readFileSync(join(ROOT, 'fixtures/incident-0214/ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const EXFIL = `arn:aws:s3:::${truth.incident!.destination_bucket}`;
const CI = 'web-identity:token.actions.githubusercontent.com:repo:acme/platform:ref:refs/heads/main';

describe('graph, timeline and replay in a real browser', () => {
  let server: WebServer;
  let browser: Browser;
  let casePath: string;
  let pool: CasePool;
  let fixture: FixtureServer;

  beforeAll(async () => {
    fixture = await fixtureServer('incident.duckdb');
    ({ casePath, pool, server, browser } = fixture);
  }, 120_000);
  afterAll(() => fixture?.close());

  const open = async (hash: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1200 } });
    // ?perf: the graph view reports its layout on window.__nhiPerf.
    await page.goto(`${server.url}&perf&case=${encodeURIComponent(casePath)}${hash}`);
    await expect.poll(() => page.textContent('[data-testid=graph-stats]'), { timeout: 20_000 }).toMatch(/^\d+ nodes/);
    return page;
  };
  const exfilRow = (page: Page) => page.locator('table[aria-label="graph edges"] tbody tr').filter({ has: page.getByRole('button', { name: `select ${EXFIL}` }) });

  it('shows the service account and its flow to the outside bucket, standing out with about 14 GB', async () => {
    const page = await open('#graph');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const row = exfilRow(page);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/backend-svc.*s3:\/\/exfil-drop-7731.*140.*13\.9 GB.*OUTSIDE/);
    // Outside-boundary flows come first in the list.
    expect(await page.locator('table[aria-label="graph edges"] tbody tr').first().textContent()).toContain('exfil-drop-7731');
    await page.waitForFunction(() => (window as unknown as { __nhiPerf: { stableAt: number | null } }).__nhiPerf.stableAt !== null, undefined, { timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, 'graph.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('brushing the timeline sets the window for every view; 02:00–02:30 keeps the outside flow', async () => {
    const page = await open('#graph');
    const box = (await page.getByTestId('timeline').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.url()).toMatch(/#graph\?.*from=2026-0.*to=2026-0/);
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:30:00Z`);
    await expect.poll(() => page.textContent('[data-testid=window]'), { timeout: 20_000 }).toContain('2026-02-14 02:00:00');
    await expect.poll(() => exfilRow(page).count(), { timeout: 20_000 }).toBe(1);
    expect(await exfilRow(page).textContent()).toMatch(/13\.\d GB.*OUTSIDE/);
    expect(Number((await page.textContent('[data-testid=graph-stats]'))!.split(' ')[0])).toBeLessThan(10);
    await page.screenshot({ path: join(SHOTS, 'graph-window.png') });
    // The events view follows the same window.
    await page.getByRole('tab', { name: 'Events' }).click();
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 20_000 }).toMatch(/^\d+ events$/);
    expect(page.url()).toContain('from=2026-02-14T02%3A00%3A00Z');
    await page.close();
  });

  it('replays from 02:10: the outside flow is absent, then appears once the clock passes 02:14', async () => {
    const page = await open('#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z');
    await page.getByRole('button', { name: '▶ Replay' }).click();
    await page.getByRole('button', { name: 'pause', exact: true }).click();
    await page.getByLabel('jump to time').fill('2026-02-14T02:10:00');
    await page.getByLabel('jump to time').press('Enter');
    await expect.poll(() => page.textContent('[data-testid=replay-clock]')).toContain('2026-02-14 02:10:00');
    expect(await exfilRow(page).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'replay-0210.png') });
    await page.getByLabel('replay speed').selectOption('100000');
    await page.getByRole('button', { name: 'play', exact: true }).click();
    await expect.poll(() => exfilRow(page).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(async () => (await page.textContent('[data-testid=replay-clock]')) ?? '', { timeout: 20_000 }).toMatch(/02:(1[4-9]|[2-4]\d)/);
    // The events list follows the clock while it runs: the latest events before it, copies among them.
    await expect.poll(() => page.locator('[data-testid=replay-events] li').first().textContent(), { timeout: 20_000 }).toMatch(/^02:(1[4-9]|[2-3]\d):\d\d .*(CopyObject|PutObject|GetObject)/);
    await page.screenshot({ path: join(SHOTS, 'replay-after-0214.png') });
    // Event by event: the events list follows the clock.
    // At 100,000× the 40-minute window is over in well under a second; pause only if still playing.
    const pause = page.getByRole('button', { name: 'pause', exact: true });
    if ((await pause.count()) > 0) await pause.click();
    await page.getByRole('button', { name: 'previous event' }).click();
    await expect.poll(() => page.locator('[data-testid=replay-events] li').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.close();
  });

  it('finds the path from the CI workflow to the production artifacts bucket, and none to the outside bucket', async () => {
    const page = await open('#graph');
    await page.getByRole('button', { name: `select ${CI}` }).first().click();
    await page.getByRole('button', { name: 'Path from here' }).click();
    await page.getByRole('button', { name: 'select arn:aws:s3:::acme-prod-artifacts' }).first().click();
    await page.getByRole('button', { name: 'Path to here' }).click();
    await expect.poll(() => page.textContent('[data-testid=graph-path]'), { timeout: 20_000 }).toMatch(/assumed gha-deploy \(111111111111\).*gha-deploy \(111111111111\) acted on s3:\/\/acme-prod-artifacts/s);
    // The first event of the last step, with the chain behind it, is the evidence.
    expect(await page.textContent('[data-testid=graph-path-proof]')).toMatch(/PutObject on arn:aws:s3:::acme-prod-artifacts.*AssumeRoleWithWebIdentity/);
    await page.screenshot({ path: join(SHOTS, 'graph-path.png') });
    await page.getByRole('button', { name: `select ${EXFIL}` }).first().click();
    await page.getByRole('button', { name: 'Path to here' }).click();
    await expect.poll(() => page.textContent('[data-testid=graph-path]')).toContain('No path in this case.');
    await page.close();
  });

  it('saves a named view (window, selection, replay position) in the case and restores it exactly', async () => {
    const page = await open(`#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z&uid=${encodeURIComponent(truth.incident!.role_uid)}`);
    await page.getByRole('button', { name: '▶ Replay' }).click();
    await page.getByRole('button', { name: 'pause', exact: true }).click();
    await page.getByLabel('jump to time').fill('2026-02-14T02:20:00');
    await page.getByLabel('jump to time').press('Enter');
    await expect.poll(() => page.textContent('[data-testid=replay-clock]')).toContain('02:20:00');
    await page.getByRole('button', { name: 'Save view…' }).click();
    await page.getByLabel('view name').fill('exfil at 02:20');
    await page.getByLabel('view name').press('Enter');
    await expect.poll(() => page.textContent('[data-testid=saved-view-status]')).toContain('saved “exfil at 02:20”');
    // Somewhere else entirely, then back through the saved view.
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#events?actor=alice`);
    await expect.poll(() => page.locator('select[aria-label="saved views"] option').count(), { timeout: 20_000 }).toBe(2);
    await page.getByLabel('saved views').selectOption('exfil at 02:20');
    await expect.poll(() => page.textContent('[data-testid=replay-clock]'), { timeout: 20_000 }).toContain('2026-02-14 02:20:00');
    expect(decodeURIComponent(page.url())).toContain('#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z&uid=arn:aws:iam::111111111111:role/backend-svc');
    expect(await page.textContent('[data-testid=graph-selection]')).toContain('backend-svc');
    await page.screenshot({ path: join(SHOTS, 'saved-view-restored.png') });
    await page.close();
    const store = await CaseStore.open(casePath, { readOnly: true });
    const [saved] = await store.read<{ name: string; seq: number; action: string }>(`SELECT v.name, v.journal_seq AS seq, j.action FROM saved_views v JOIN journal j ON j.seq = v.journal_seq`);
    store.close();
    expect(saved).toMatchObject({ name: 'exfil at 02:20', action: 'view_saved' });
  });

  it('expands a node beyond the filter, and filters by service', async () => {
    const page = await open('#graph?resource=exfil-drop');
    const rows = page.locator('table[aria-label="graph edges"] tbody tr');
    // The copy, and the two ways backend-svc was assumed (by EC2, and with the dormant key).
    await expect.poll(() => rows.count()).toBe(3);
    expect(await page.locator('table[aria-label="graph edges"]').textContent()).not.toContain('s3://acme-prod-data');
    await page.getByRole('button', { name: `select ${truth.incident!.role_uid}` }).first().click();
    await page.getByRole('button', { name: 'Expand neighbours' }).click();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThan(3);
    expect(await page.locator('table[aria-label="graph edges"]').textContent()).toContain('s3://acme-prod-data');
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#graph`);
    await expect.poll(() => page.locator('select[aria-label="graph service"] option').count(), { timeout: 20_000 }).toBeGreaterThan(2);
    await page.getByLabel('graph service').selectOption('s3');
    await expect.poll(() => page.url()).toContain('service=s3');
    // Every access flow left goes to a bucket (role assumptions stay, drawn dashed).
    await expect
      .poll(async () => (await page.locator('table[aria-label="graph edges"] tbody tr td:nth-child(2)').allTextContents()).filter((t) => !t.startsWith('assumed')).every((t) => t.startsWith('s3://')), { timeout: 20_000 })
      .toBe(true);
    await page.close();
  });

  it('keeps the layout where it was when the filter changes', async () => {
    const page = await open('#graph');
    type Perf = { __nhiPerf: { stableAt: number | null; positions(): Record<string, { x: number; y: number }> } };
    await page.waitForFunction(() => (window as unknown as Perf).__nhiPerf.stableAt !== null);
    const first = await page.evaluate(() => ({ at: (window as unknown as Perf).__nhiPerf.stableAt!, positions: (window as unknown as Perf).__nhiPerf.positions() }));
    await page.getByLabel('machines only').check();
    await page.waitForFunction((at) => ((window as unknown as Perf).__nhiPerf.stableAt ?? 0) > at, first.at, { timeout: 20_000 });
    const stats = (await page.textContent('[data-testid=graph-stats]'))!;
    const second = await page.evaluate(() => (window as unknown as Perf).__nhiPerf.positions());
    const moved = Object.keys(first.positions).filter((id) => id in second).map((id) => Math.hypot(second[id]!.x - first.positions[id]!.x, second[id]!.y - first.positions[id]!.y));
    expect(moved.length).toBeGreaterThan(10);
    moved.sort((a, b) => a - b);
    // Nodes that stay on the picture barely move (layout units are screen pixels at zoom 1).
    expect(moved[Math.floor(moved.length / 2)]).toBeLessThan(25);
    expect(Math.hypot(second[truth.incident!.role_uid]!.x - first.positions[truth.incident!.role_uid]!.x, second[truth.incident!.role_uid]!.y - first.positions[truth.incident!.role_uid]!.y)).toBeLessThan(40);
    expect(stats).toMatch(/^\d+ nodes/);
    await page.close();
  });

  it('lists every identity that touched the outside bucket, behind the role too', async () => {
    const page = await open('#graph');
    await page.getByRole('button', { name: `select ${EXFIL}` }).first().click();
    await page.getByRole('button', { name: 'Who touched it' }).click();
    const list = page.getByTestId('graph-touchers');
    await expect.poll(() => list.textContent(), { timeout: 20_000 }).toMatch(/backend-svc.*machine.*140 events, 13\.9 GB/);
    expect(await list.textContent()).toMatch(/svc-legacy-backup.*through backend-svc/);
    await page.screenshot({ path: join(SHOTS, 'graph-touchers.png') });
    await page.close();
  });

  it('the timeline on its own: findings marked, wheel zoom, brushing sets the window the events view then shows', async () => {
    await pool.write(casePath, (store) => runDetections(store));
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#timeline`);
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor({ timeout: 20_000 });
    // The high and critical findings are marked where their window starts: the incident's among them.
    const marks = page.getByTestId('finding-mark');
    await expect.poll(() => marks.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const marked = await marks.evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-at')} ${g.textContent}`));
    expect(marked.some((m) => m.startsWith('2026-02-14T02:1') && /exfil-drop-7731|outside|external/i.test(m))).toBe(true);
    const box = (await timeline.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height * 0.4);
    // Four wheel steps in: the steps add up (0.6⁴ of five weeks is about 4.5 days: 30-minute bars).
    const buckets = async () => (await page.getByTestId('timeline-view').textContent())!.match(/buckets of ([^)]+)\)/)![1];
    expect(await buckets()).toBe('6 h');
    for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -200);
    await expect.poll(buckets, { timeout: 20_000 }).toBe('30 min');
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.url()).toMatch(/#timeline\?.*from=2026-0.*to=2026-0/);
    await page.screenshot({ path: join(SHOTS, 'timeline.png') });
    const from = new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('from')!;
    await page.getByRole('button', { name: 'Events in this window' }).click();
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 20_000 }).toMatch(/^[\d,]+ events$/);
    expect(decodeURIComponent(page.url())).toContain(`#events?from=${from}`);
    await page.close();
  });

  it('draws sessions and boundaries as layers: the incident session and the flow into the outside account', async () => {
    const page = await open('#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z');
    await page.getByLabel('show sessions').check();
    await page.getByLabel('show boundaries').check();
    const table = page.locator('table[aria-label="graph edges"]');
    await expect.poll(() => table.textContent(), { timeout: 20_000 }).toMatch(/111111111111flows to 999999999999/);
    expect(await table.textContent()).toContain('opened backup-sync');
    await page.waitForFunction(() => (window as unknown as { __nhiPerf: { stableAt: number | null } }).__nhiPerf.stableAt !== null);
    await page.screenshot({ path: join(SHOTS, 'graph-sessions-boundaries.png') });
    await page.close();
  });

  it('draws the credential and source-address layers on demand', async () => {
    const page = await open('#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z');
    await page.getByLabel('show addresses').check();
    await page.getByLabel('show credentials').check();
    const table = page.locator('table[aria-label="graph edges"]');
    await expect.poll(() => table.textContent(), { timeout: 20_000 }).toContain(truth.incident!.source_ip);
    await expect.poll(() => table.textContent(), { timeout: 20_000 }).toContain(`used ${truth.incident!.access_key}`);
    await page.waitForFunction(() => (window as unknown as { __nhiPerf: { stableAt: number | null } }).__nhiPerf.stableAt !== null);
    await page.screenshot({ path: join(SHOTS, 'graph-layers.png') });
    await page.close();
  });

  it('exports the whole graph, not the part on screen, captioned, as SVG and as a PNG at twice the pixels, from a canvas drawn at the screen ratio', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1200 }, deviceScaleFactor: 2, acceptDownloads: true });
    await page.goto(`${server.url}&perf&case=${encodeURIComponent(casePath)}#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z`);
    await expect.poll(() => page.textContent('[data-testid=graph-stats]'), { timeout: 20_000 }).toMatch(/^\d+ nodes/);
    await page.waitForFunction(() => (window as unknown as { __nhiPerf: { stableAt: number | null } }).__nhiPerf.stableAt !== null, undefined, { timeout: 20_000 });
    const canvas = page.getByTestId('graph-canvas');
    const [bitmap, box] = await canvas.evaluate((el: HTMLCanvasElement) => [el.width, el.getBoundingClientRect().width]);
    expect(bitmap).toBe(Math.round(box * 2));
    // Zoom far in: the screen shows a corner, the export still holds everything.
    const b = (await canvas.boundingBox())!;
    await page.mouse.move(b.x + 40, b.y + 40);
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, -400);
    const names = await page.locator('table[aria-label="graph edges"] tbody tr td:first-child').allTextContents();
    const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'SVG', exact: true }).click()]);
    const svg = readFileSync((await svgDownload.path())!, 'utf8');
    const caseId = (await page.locator('.case-bar .muted').first().textContent())!.slice(0, 8);
    expect(svg).toMatch(new RegExp(`Case ${caseId}[0-9a-f-]* · 2026-02-14 02:00:00 → 2026-02-14 02:40:00 · times in UTC`));
    expect(svg).toContain(`${truth.incident!.destination_account} (outside)</text>`);
    expect(svg).toContain('>machine identity</text>');
    for (const name of new Set(names)) expect(svg).toContain(`>${name.replaceAll('&', '&#38;')}</text>`);
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'PNG', exact: true }).click()]);
    const png = readFileSync((await pngDownload.path())!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    writeFileSync(join(SHOTS, 'graph-export.png'), png);
    const svgWidth = Number(/width="(\d+)"/.exec(svg)![1]);
    expect(png.readUInt32BE(16)).toBe(Math.round(svgWidth * 2));
    await page.close();
  });

  it('collapses a boundary into one node that keeps its flows, and opens it again', async () => {
    const page = await open('#graph');
    const stats = () => page.textContent('[data-testid=graph-stats]');
    const before = Number((await stats())!.match(/^(\d+) nodes/)![1]);
    const account = truth.incident!.destination_account;
    const home = await page.getByRole('group', { name: 'collapse boundaries' }).getByRole('button').filter({ hasNotText: account }).first();
    const name = (await home.textContent())!.replace(/^▾ /, '');
    await home.click();
    expect(await home.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(async () => Number((await stats())!.match(/^(\d+) nodes/)![1])).toBeLessThan(before);
    // The flow into the outside bucket now starts at the collapsed account, with every byte.
    const row = page.locator('table[aria-label="graph edges"] tbody tr').first();
    await expect.poll(() => row.textContent()).toMatch(new RegExp(`${name} \\(\\d+ collapsed\\).*exfil-drop-7731.*13\\.9 GB.*OUTSIDE`));
    await page.waitForFunction(() => (window as unknown as { __nhiPerf: { stableAt: number | null } }).__nhiPerf.stableAt !== null);
    await page.screenshot({ path: join(SHOTS, 'graph-collapsed.png') });
    await home.click();
    await expect.poll(async () => Number((await stats())!.match(/^(\d+) nodes/)![1])).toBe(before);
    await page.close();
  });
});
