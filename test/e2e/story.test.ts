import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import type { WebServer } from '../../main/web/server';
import { tempDir } from '../helpers/builders';
import { type FixtureServer, fixtureServer } from '../helpers/fixture-server';
import { ROOT, SHOTS, axeViolations } from '../helpers/browser';

/**
 * The story as a responder walks it, in Debian's Chromium through web mode: the case home leads
 * with the incident and its chain; a chip opens the dormant key's owner; Investigate opens the graph
 * and timeline on the incident's window with the replay cued; the report downloads with the
 * narrative first. axe-core checks each view on the way.
 */
const truth = JSON.parse(readFileSync(join(ROOT, 'fixtures/incident-0214/ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const incident = truth.incident!;

describe('the story, from the case home to a downloaded report', () => {
  let server: WebServer;
  let browser: Browser;
  let casePath: string;
  let page: Page;
  let fixture: FixtureServer;
  const errors: string[] = [];

  beforeAll(async () => {
    fixture = await fixtureServer('incident.duckdb');
    ({ casePath, server, browser } = fixture);
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);
  afterAll(() => fixture?.close());

  const serious = async () => (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');

  it('leads with the incident: severity, story and the chain as steps, after one click on Run detections', async () => {
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#home`);
    await page.getByRole('button', { name: 'Run detections' }).click();
    const card = page.locator('[data-testid=incident]').first();
    await expect.poll(() => card.count(), { timeout: 30_000 }).toBe(1);
    expect(await card.locator('.sev').first().textContent()).toBe('critical');
    const chain = card.getByLabel('chain');
    expect(await chain.textContent()).toMatch(new RegExp(`origin.*svc-legacy-backup.*credential.*${incident.access_key}.*as.*backend-svc.*from.*198\\.51\\.100\\.0/24.*moved.*13\\.9 GB.*to outside.*${incident.destination_account}`, 's'));
    await page.screenshot({ path: join(SHOTS, 'story-home.png'), fullPage: false });
    expect(await serious()).toEqual([]);
  });

  it('opens the origin from its chip, and comes back', async () => {
    const card = page.locator('[data-testid=incident]').first();
    await card.getByLabel('chain').getByRole('button', { name: /svc-legacy-backup/ }).first().click();
    await expect.poll(() => page.textContent('section[aria-label="identity profile"] h2, section[aria-label="identity profile"]'), { timeout: 15_000 }).toContain(incident.key_owner_uid);
    // An entity page: its incident and findings, its life per day (28 silent days show as a gap),
    // the attacker's address marked new since the baseline, unusual hours outlined on the heatmap.
    const profile = page.locator('section[aria-label="identity profile"]');
    await expect.poll(() => profile.locator('[data-testid=incident]').count(), { timeout: 15_000 }).toBe(1);
    expect(await profile.getByTestId('identity-findings').textContent()).toContain('Long-term key used after a long silence');
    const days = await profile.locator('[data-testid=activity-day] title').allTextContents();
    expect(days[0]).toMatch(/^2026-01-1\d/);
    expect(days.at(-1)).toMatch(/^2026-02-14/);
    expect(days.some((d) => /^2026-01-2\d|^2026-02-0/.test(d))).toBe(false);
    const silent = (Date.parse(days.at(-1)!.slice(0, 10)) - Date.parse(days.at(-2)!.slice(0, 10))) / 86_400_000 - 1;
    expect(silent).toBeGreaterThanOrEqual(20);
    expect(await profile.getByTestId('silence').textContent()).toBe(`${silent} days silent`);
    expect(await profile.getByTestId('addresses').textContent()).toMatch(new RegExp(`${incident.source_ip.replaceAll('.', '\\.')} \\(\\d+\\) new`));
    expect(await profile.locator('[data-testid=heat-cell][data-outside=true]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'story-origin-profile.png'), fullPage: true });
    expect(await serious()).toEqual([]);
    await page.goBack();
    await expect.poll(() => page.locator('[data-testid=incident]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it('investigates: graph and timeline on the incident window, the replay cued just before it', async () => {
    await page.locator('[data-testid=incident]').first().getByRole('button', { name: 'Investigate' }).click();
    // The incident ±15 minutes, widened to whole minutes (the graph and timeline read those from the rollup).
    await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/#graph\?.*from=2026-02-14T01%3A56%3A00\.000Z.*to=2026-02-14T02%3A46%3A00\.000Z/);
    await expect.poll(() => page.textContent('[data-testid=graph-stats]'), { timeout: 20_000 }).toMatch(/^\d+ nodes/);
    // The replay clock waits at 02:10, a minute before the key's first call.
    await expect.poll(() => page.textContent('[data-testid=replay-clock]'), { timeout: 15_000 }).toContain('2026-02-14 02:10');
    // The timeline is zoomed to the hours around it, in minute-sized buckets, not five weeks of 6-hour bars.
    await expect.poll(() => page.textContent('[data-testid=timeline-view] .toolbar'), { timeout: 15_000 }).toMatch(/buckets of \d+ (s|min)\b/);
    await page.screenshot({ path: join(SHOTS, 'story-investigate.png'), fullPage: false });
    expect(await serious()).toEqual([]);
  });

  it('downloads the report, the incident narrative first, with the record behind each step', async () => {
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#home`);
    await page.getByText('Report for auditors…').click();
    await page.getByLabel('report path').fill('story-report.html');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByRole('button', { name: 'Save report' }).click()]);
    const saved = join(tempDir(), 'downloaded.html');
    await download.saveAs(saved);
    const html = readFileSync(saved, 'utf8');
    const narrative = html.slice(html.indexOf('<h2>What happened</h2>'), html.indexOf('<h2>Summary</h2>'));
    expect(narrative).toContain(incident.key_owner_uid);
    expect(narrative).toContain(incident.destination_account);
    expect(narrative).toMatch(/13\.9 GB moved/);
    expect(narrative).toMatch(/first record .*#\d+ \(SHA-256 [0-9a-f]{16}…\)/);
    expect(html.indexOf('<h2>What happened</h2>')).toBeLessThan(html.indexOf('<h2>Findings</h2>'));
    // Written beside the case under the bare name, and journaled.
    await expect.poll(() => page.textContent('[data-testid=report-status]')).toContain(join(casePath, '..', 'story-report.html'));
    // Again: it exists, and is replaced only when asked.
    await page.getByRole('button', { name: 'Save report' }).click();
    await expect.poll(() => page.textContent('[data-testid=report-status]')).toContain('exists');
    const [again] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByRole('button', { name: 'Replace it' }).click()]);
    expect(again.suggestedFilename()).toBe('story-report.html');
    await page.screenshot({ path: join(SHOTS, 'story-report.png'), fullPage: false });
    expect(errors).toEqual([]);
  });

  it('has no serious or critical accessibility violation on any view (axe-core)', async () => {
    const found: Record<string, string[]> = {};
    for (const hash of ['#home', '#events', '#identities', `#identity?uid=${encodeURIComponent(incident.role_uid)}`, '#graph', '#timeline', '#findings', '#sql']) {
      await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}${hash}`);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(800);
      const bad = await serious();
      if (bad.length) found[hash] = bad.map((v) => `${v.impact} ${v.id}: ${v.targets.join(' | ')}`);
    }
    expect(found).toEqual({});
    expect(errors).toEqual([]);
  });
});

