import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import { importBundles } from '../../main/ingest/importer';
import { type WebServer, startWebServer } from '../../main/web/server';
import { tempDir } from '../helpers/builders';

/**
 * The renderer in Debian's Chromium against web mode: the built app (npm test builds it before
 * vitest runs), a real case, the real API. Screenshots go to test-results/screenshots/.
 */
const ROOT = resolve(__dirname, '../..');
const RENDERER = join(ROOT, 'out/renderer');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-results/screenshots');

describe('web mode in a real browser', () => {
  let server: WebServer;
  let browser: Browser;
  let casePath: string;

  beforeAll(async () => {
    if (!existsSync(join(RENDERER, 'index.html'))) throw new Error(`${RENDERER} is missing: run npm run build (npm test does) before this test`);
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
    casePath = join(tempDir(), 'incident.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
    store.close();
    server = await startWebServer({ rendererDir: RENDERER, context: { allowedCases: new Set([casePath]) } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens the fixture case: counts, sources, machines and humans, with the token out of the address bar', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}`);
    await expect.poll(() => page.textContent('[data-testid=events]'), { timeout: 15_000 }).toBe('5,373');
    expect(await page.textContent('[data-testid=machines]')).toBe('9');
    expect(await page.textContent('[data-testid=humans]')).toBe('6');
    expect(await page.textContent('section[aria-label="case summary"] table')).toContain('aws.cloudtrail');
    await expect.poll(() => page.locator('section[aria-label=identities] tbody tr').count()).toBe(15);
    expect(await page.textContent('section[aria-label=identities]')).toContain('backend-svc');
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: join(SHOTS, 'case-home.png'), fullPage: true });
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('filters events to the exfiltrating session, opens a raw record with its provenance and chain, and keeps the view in the URL', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}`);
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 15_000 }).toBe('5,373 events');
    await page.getByLabel('filter actor').fill('backend-svc');
    await page.getByLabel('filter actor').press('Enter');
    await page.getByLabel('filter text in raw').fill('198.51.100.23');
    await page.getByLabel('filter text in raw').press('Enter');
    await expect.poll(() => page.textContent('[data-testid=event-count]')).toBe('282 events');
    expect(page.url()).toContain('#events?actor=backend-svc&text=198.51.100.23');
    await page.locator('[role=row]').filter({ hasText: 'GetObject' }).first().click();
    await expect.poll(() => page.textContent('[data-testid=chain]')).toContain('svc-legacy-backup');
    const provenance = await page.textContent('[data-testid=provenance]');
    expect(provenance).toMatch(/SHA-256[0-9a-f]{64}/);
    expect(provenance).toContain('AWSLogs/111111111111/CloudTrail');
    expect(await page.textContent('[data-testid=raw]')).toContain('"eventName": "GetObject"');
    await page.screenshot({ path: join(SHOTS, 'events.png'), fullPage: false });
    // The hash brings the same view back.
    await page.reload();
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 15_000 }).toBe('282 events');
    await page.close();
  });

  it("opens backend-svc's profile: machine, its reasons, a 7 × 24 heatmap and 02:00 outside its usual hours", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}`);
    await page.getByRole('button', { name: 'backend-svc', exact: true }).click();
    await expect.poll(() => page.textContent('[data-testid=verdict]'), { timeout: 15_000 }).toContain('Machine · workload');
    expect(await page.locator('[data-testid=heat-cell]').count()).toBe(7 * 24);
    expect(await page.textContent('[data-testid=usual-hours]')).toContain('usual hours: 07 08 09');
    expect(await page.textContent('[data-testid=unusual]')).toMatch(/2026-02-1402:00282/);
    expect(await page.textContent('section[aria-label="identity profile"]')).toContain('svc-legacy-backup');
    await page.screenshot({ path: join(SHOTS, 'identity-profile.png'), fullPage: true });
    await page.close();
  });

  it('runs read-only SQL from the console and refuses a write, without changing the case', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}`);
    const box = page.getByLabel('SQL query');
    await box.fill(`SELECT operation, count(*) AS n FROM events WHERE src_ip = '198.51.100.23' GROUP BY ALL ORDER BY n DESC`);
    await box.press('Control+Enter');
    await expect.poll(() => page.textContent('[data-testid=sql-status]'), { timeout: 15_000 }).toMatch(/^7 rows/);
    const first = await page.locator('[data-testid=sql-result] tbody tr').first().textContent();
    expect(first).toBe('GetObject140');
    await page.screenshot({ path: join(SHOTS, 'sql-console.png'), fullPage: true });
    await box.fill('DELETE FROM events');
    await page.getByRole('button', { name: /Run/ }).click();
    await expect.poll(() => page.textContent('[data-testid=sql-error]')).toMatch(/Cannot execute statement of type "DELETE"/);
    await page.close();
    const store = await CaseStore.open(casePath, { readOnly: true });
    expect((await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events`))[0]!.n).toBe(5_373);
    store.close();
  });

  it('cannot call the API without the token, even from the app page', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const status = await page.evaluate(async () => (await fetch('/api/app.version', { method: 'POST', body: '{}' })).status);
    expect(status).toBe(401);
    const withToken = await page.evaluate(async () => (await window.nhi!.call('app.version', {})).ok);
    expect(withToken).toBe(true);
    await page.close();
  });
});
