import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import { BUILTIN_RULES } from '../../main/detect/all-rules';
import { importBundles } from '../../main/ingest/importer';
import { type WebServer, startWebServer } from '../../main/web/server';
import { bytes } from '../../renderer/src/api-client';
import { tempDir } from '../helpers/builders';
import { RENDERER, ROOT, SHOTS, launchChromium } from '../helpers/browser';

/**
 * The renderer in Debian's Chromium against web mode: the built app (npm test builds it before
 * vitest runs), a real case, the real API. Screenshots go to test-results/screenshots/.
 */

describe('web mode in a real browser', () => {
  let server: WebServer;
  let browser: Browser;
  let casePath: string;

  beforeAll(async () => {
    casePath = join(tempDir(), 'incident.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
    store.close();
    process.env.NHI_CONFIG_DIR = tempDir();
    server = await startWebServer({ rendererDir: RENDERER, context: { allowedCases: new Set([casePath]) } });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a case, imports the fixture through the page with progress and a report, and shows the counts', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.url);
    expect(page.url()).not.toContain('token=');
    const created = join(tempDir(), 'from-the-ui.duckdb');
    await page.getByLabel('new case path').fill(created);
    await page.getByRole('button', { name: 'Create case' }).click();
    await expect.poll(() => page.textContent('[data-testid=events]'), { timeout: 15_000 }).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'new-case.png'), fullPage: true });
    await page.getByLabel('evidence files').setInputFiles(join(ROOT, 'fixtures/incident-0214/bundle.zip'));
    await expect.poll(() => page.getAttribute('[data-testid=import-job]', 'data-state'), { timeout: 60_000 }).toBe('complete');
    const report = await page.textContent('table[aria-label="import report"]');
    expect(report).toContain('bundle.zip');
    expect(report).toMatch(/complete.*5,373.*6.*0/s);
    await expect.poll(() => page.textContent('[data-testid=events]'), { timeout: 15_000 }).toBe('5,373');
    expect(await page.textContent('[data-testid=machines]')).toBe('9');
    expect(await page.textContent('[data-testid=principals]')).toBe('3');
    expect(await page.textContent('[data-testid=humans]')).toBe('6');
    expect(await page.textContent('table[aria-label=sources]')).toContain('aws.cloudtrail');
    await page.screenshot({ path: join(SHOTS, 'import-complete.png'), fullPage: true });
    // The manifest lists every evidence file with its SHA-256.
    await page.getByText(/^Evidence manifest/).click();
    await expect.poll(() => page.locator('table[aria-label="evidence manifest"] tbody tr').count()).toBe(328);
    expect(await page.locator('table[aria-label="evidence manifest"] td.hash').first().textContent()).toMatch(/^[0-9a-f]{64}$/);
    // The evidence was copied next to the case; the original is untouched and the copy is what got hashed.
    expect(existsSync(created.replace(/\.duckdb$/, '.evidence'))).toBe(true);
    // Identities, sortable and filterable.
    await page.getByRole('tab', { name: 'Identities' }).click();
    // 15 accounts seen in the logs and 3 principals known through them (a workflow, two people).
    await expect.poll(() => page.locator('table[aria-label="identity list"] tbody tr').count()).toBe(18);
    expect(await page.locator('table[aria-label="identity list"]').textContent()).toContain('acme/platform@refs/heads/mainmachineci_pipeline');
    await page.getByLabel('machine or human').selectOption('true');
    await expect.poll(() => page.textContent('[data-testid=identity-count]')).toBe('10 of 18 identities');
    await page.screenshot({ path: join(SHOTS, 'identities.png'), fullPage: true });
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('imports a bundle dropped on the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(server.url);
    await page.getByLabel('new case path').fill(join(tempDir(), 'dropped.duckdb'));
    await page.getByRole('button', { name: 'Create case' }).click();
    await expect.poll(() => page.textContent('[data-testid=events]'), { timeout: 15_000 }).toBe('0');
    const bundle = readFileSync(join(ROOT, 'fixtures/mixed-story/bundle.tar.gz')).toString('base64');
    // A real drop event carrying a real File, as the browser makes one when a file is dragged in.
    await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'mixed-story.tar.gz', { type: 'application/gzip' }));
      const zone = document.querySelector('section[aria-label="import evidence"]')!;
      zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
      zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
    }, bundle);
    await expect.poll(() => page.getAttribute('[data-testid=import-job]', 'data-state'), { timeout: 60_000 }).toBe('complete');
    expect(await page.textContent('table[aria-label="import report"]')).toContain('mixed-story.tar.gz');
    await expect.poll(async () => Number((await page.textContent('[data-testid=events]'))?.replace(/,/g, '')), { timeout: 15_000 }).toBeGreaterThan(0);
    const sources = await page.textContent('table[aria-label=sources]');
    for (const source of ['okta.system', 'github.audit', 'k8s.audit', 'aws.cloudtrail', 'gcp.audit']) expect(sources).toContain(source);
    await page.close();
  });

  it('opens a case by path and remembers it among the recent cases', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('open case path').fill(casePath);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.textContent('[data-testid=events]'), { timeout: 15_000 }).toBe('5,373');
    await page.getByRole('button', { name: 'Switch case' }).click();
    await expect.poll(() => page.locator('ul.recent').textContent()).toContain(casePath);
    await page.close();
  });

  it('filters events to the exfiltrating session, opens a raw record with its provenance and chain, and keeps the view in the URL', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#events`);
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 15_000 }).toBe('5,373 events');
    // Virtualized: only the rows in view (and a few around) exist in the page.
    const rendered = await page.locator('.event-list [role=row]').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(120);
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
    // Sort by bytes (largest first on the first click): the biggest copy leads.
    await page.getByRole('button', { name: /^Read/ }).click();
    expect(page.url()).toContain('sort=bytes_out&desc=1');
    const store = await CaseStore.open(casePath, { readOnly: true });
    const [{ largest, largestIn }] = (await store.read<{ largest: number; largestIn: number }>(
      `SELECT max(bytes_out) AS largest, max(bytes_in) AS "largestIn" FROM events WHERE actor_uid ILIKE '%backend-svc%' AND raw ILIKE '%198.51.100.23%'`,
    )) as [{ largest: number; largestIn: number }];
    store.close();
    await expect.poll(() => page.locator('.event-list [role=row]').first().textContent()).toMatch(new RegExp(`GetObject.*${bytes(largest)}$`));
    // Written apart from read: the copies into the outside bucket lead when sorted by bytes written.
    await page.getByRole('button', { name: /^Written/ }).click();
    expect(page.url()).toContain('sort=bytes_in&desc=1');
    await expect.poll(() => page.locator('.event-list [role=row]').first().textContent()).toMatch(new RegExp(`PutObject.*exfil-drop-7731.*${bytes(largestIn)}$`));
    // Keyboard: focus the list, j selects the first row, j again the second, Escape closes.
    await page.getByTestId('event-list').focus();
    await page.keyboard.press('j');
    // Row 1 is the header row of the grid.
    await expect.poll(() => page.locator('.event-list [aria-selected=true]').getAttribute('aria-rowindex')).toBe('2');
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('.event-list [aria-selected=true]').getAttribute('aria-rowindex')).toBe('3');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[aria-label="event detail"]').count()).toBe(0);
    await page.close();
  });

  it('shows every time in UTC by default and switches all of them to a named zone, with the zone on screen', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#events?actor=backend-svc&text=198.51.100.23`);
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 15_000 }).toBe('282 events');
    const header = page.locator('[role=columnheader][data-col=time]');
    expect(await header.textContent()).toContain('Time (UTC)');
    expect(await page.locator('.event-list [role=row] [data-col=time]').first().textContent()).toMatch(/^2026-02-14 02:1\d:\d\d(\.\d{6})?$/);
    await page.getByLabel('time zone').selectOption('America/New_York');
    expect(await header.textContent()).toContain('America/New_York');
    // 02:1x UTC on 14 February is 21:1x the evening before in New York (UTC-5).
    await expect.poll(() => page.locator('.event-list [role=row] [data-col=time]').first().textContent()).toMatch(/^2026-02-13 21:1\d:\d\d(\.\d{6})?$/);
    await page.screenshot({ path: join(SHOTS, 'events-new-york.png') });
    // The chain the server wrote in UTC reads in the zone too, and says so.
    await page.locator('.event-list [role=row]').first().click();
    await expect.poll(() => page.textContent('[data-testid=chain]'), { timeout: 15_000 }).toMatch(/2026-02-13 21:1\d:\d\d.*\(times in America\/New_York\)$/);
    await page.keyboard.press('Escape');
    // A time typed into the filter is read in the zone on screen: 21:14 in New York is 02:14 UTC.
    expect(await page.textContent('section[aria-label=events] .filters')).toContain('from (America/New_York)');
    await page.getByLabel('filter from').fill('2026-02-13 21:14');
    await page.getByLabel('filter from').press('Enter');
    await expect.poll(() => decodeURIComponent(page.url())).toContain('from=2026-02-14T02:14:00.000Z');
    await expect.poll(() => page.locator('.event-list [role=row] [data-col=time]').first().textContent(), { timeout: 15_000 }).toMatch(/^2026-02-13 21:14:/);
    expect(await page.getByLabel('filter from').inputValue()).toBe('2026-02-13 21:14:00');
    // `t` toggles back and forth between UTC and local time; the choice survives a reload.
    await page.reload();
    await expect.poll(() => header.textContent(), { timeout: 15_000 }).toContain('America/New_York');
    await page.getByLabel('time zone').selectOption('UTC');
    await page.close();
  });

  it('reaches every view from the keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}`);
    await expect.poll(() => page.textContent('[data-testid=events]'), { timeout: 15_000 }).toBe('5,373');
    await page.keyboard.press('g');
    await page.keyboard.press('e');
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 15_000 }).toBe('5,373 events');
    expect(page.url()).toContain('#events');
    await page.keyboard.press('Alt+3');
    await expect.poll(() => page.locator('table[aria-label="identity list"]').count()).toBe(1);
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('search identities');
    await page.keyboard.press('Escape');
    await page.locator('body').click();
    await page.keyboard.press('?');
    await expect.poll(() => page.locator('[role=dialog][aria-label="keyboard shortcuts"]').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'shortcuts.png') });
    await page.keyboard.press('Enter');
    // Back returns to the previous view.
    await page.goBack();
    await expect.poll(() => page.url()).toContain('#events');
    await page.close();
  });

  it("opens backend-svc's profile: machine, its reasons, a 7 × 24 heatmap and 02:00 outside its usual hours", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#identities`);
    await page.getByRole('button', { name: 'backend-svc', exact: true }).click();
    await expect.poll(() => page.textContent('[data-testid=verdict]'), { timeout: 15_000 }).toContain('Machine · workload');
    expect(await page.locator('[data-testid=heat-cell]').count()).toBe(7 * 24);
    expect(await page.textContent('[data-testid=usual-hours]')).toContain('usual hours: 07 08 09');
    expect(await page.textContent('[data-testid=unusual]')).toMatch(/2026-02-1402:00282/);
    expect(await page.textContent('section[aria-label="identity profile"]')).toContain('svc-legacy-backup');
    await page.screenshot({ path: join(SHOTS, 'identity-profile.png'), fullPage: true });
    // The analyst disagrees about alice: the verdict changes, with the reason, and is journaled.
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#identity?uid=${encodeURIComponent('arn:aws:iam::111111111111:user/alice')}`);
    await expect.poll(() => page.textContent('[data-testid=verdict]'), { timeout: 15_000 }).toMatch(/^Human/);
    await page.getByRole('button', { name: /Classify it yourself/ }).click();
    await page.getByLabel('why').fill('runs the nightly report script under her name');
    await page.getByLabel('classify this identity').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.textContent('[data-testid=verdict]'), { timeout: 30_000 }).toMatch(/^Machine.*analyst override/);
    expect(await page.textContent('section[aria-label="identity profile"]')).toContain('runs the nightly report script under her name');
    // Bob's Identity Center user shares no email-shaped name with his SAML sign-ins: the analyst links it.
    const idc = 'aws-identity-center:arn:aws:identitystore::111111111111:identitystore/d-9067642ac7/94482488-3041-7026-18f3-be45837cd0e4';
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#identity?uid=${encodeURIComponent(idc)}`);
    await expect.poll(() => page.textContent('[data-testid=verdict]'), { timeout: 15_000 }).toMatch(/^Human/);
    expect(await page.locator('[data-testid=principal]').count()).toBe(0);
    await page.getByRole('button', { name: /Link to a person or workload/ }).click();
    await page.getByLabel('principal').fill('person:bob@acme.example');
    await page.getByLabel('alias reason').fill('the Identity Center user bob signs in as');
    await page.getByLabel('link account').getByRole('button', { name: 'Link' }).click();
    await expect.poll(() => page.textContent('[data-testid=principal]'), { timeout: 30_000 }).toMatch(/person:bob@acme\.example.*the Identity Center user bob signs in as.*\(analyst alias\)/);
    await page.screenshot({ path: join(SHOTS, 'identity-alias.png'), fullPage: true });
    await page.close();
  });

  it('runs read-only SQL from the console and refuses a write, without changing the case', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#sql`);
    const box = page.getByLabel('SQL query');
    await box.fill(`SELECT operation, count(*) AS n FROM events WHERE src_ip = '198.51.100.23' GROUP BY ALL ORDER BY n DESC`);
    await box.press('Control+Enter');
    await expect.poll(() => page.textContent('[data-testid=sql-status]'), { timeout: 15_000 }).toMatch(/^7 rows/);
    const first = await page.locator('[data-testid=sql-result] tbody tr:not(.spacer)').first().textContent();
    expect(first).toBe('GetObject140');
    await page.screenshot({ path: join(SHOTS, 'sql-console.png'), fullPage: true });
    // 5,373 rows: only those in view are in the page, and scrolling brings the last one.
    await box.fill('SELECT event_uid, time FROM events ORDER BY time');
    await box.press('Control+Enter');
    await expect.poll(() => page.textContent('[data-testid=sql-status]'), { timeout: 15_000 }).toMatch(/^5,373 rows/);
    expect(await page.locator('[data-testid=sql-result] tbody tr:not(.spacer)').count()).toBeLessThan(120);
    await page.locator('.sql-grid').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(() => page.locator('[data-testid=sql-result] tbody tr:not(.spacer)').last().textContent()).toContain('2026-02-14T06:13:52');
    await box.fill('DELETE FROM events');
    await page.getByRole('button', { name: /Run/ }).click();
    await expect.poll(() => page.textContent('[data-testid=sql-error]')).toMatch(/only reads: DELETE statement refused/);
    await page.close();
    const store = await CaseStore.open(casePath, { readOnly: true });
    expect((await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events`))[0]!.n).toBe(5_373);
    store.close();
  });

  it('runs the detections from the Findings view: the exfiltration first, its evidence one click away', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#findings`);
    await page.getByRole('button', { name: /^Run detections/ }).click();
    await expect.poll(() => page.textContent('[data-testid=detect-status]'), { timeout: 30_000 }).toMatch(new RegExp(`^\\d+ findings in \\d+ incident\\(s\\) and alone, from ${BUILTIN_RULES.length} rules`));
    // The attack is the top incident: its story from the dormant key to the copy.
    const story = page.locator('[data-testid=incident]').first();
    expect(await story.textContent()).toMatch(/critical.*entry → .*exfiltration.*origin.*svc-legacy-backup.*moved.*13\.9 GB.*Long-term key used after a long silence.*Data written to an external boundary/s);
    const first = page.locator('table[aria-label="finding list"] tbody tr').first();
    expect(await first.textContent()).toMatch(/critical.*Data written to an external boundary.*exfil-drop-7731.*999999999999.*role\/backend-svc.*140.*13\.9 GB/s);
    await page.screenshot({ path: join(SHOTS, 'findings.png'), fullPage: true });
    // The rule catalog with its ATT&CK techniques, on demand.
    await page.getByText('Rules and ATT&CK coverage').click();
    await expect.poll(() => page.locator('table[aria-label="rule catalog"] tbody tr').count(), { timeout: 15_000 }).toBe(BUILTIN_RULES.length);
    expect(await page.textContent('table[aria-label="rule catalog"]')).toContain('T1562.008');
    await first.getByRole('button', { name: 'Data written to an external boundary' }).click();
    await expect.poll(() => page.textContent('[data-testid=event-count]'), { timeout: 15_000 }).toBe('140 events');
    expect(await page.textContent('[data-testid=finding-filter]')).toContain('evidence of finding');
    expect(await page.locator('.event-list [role=row]').first().textContent()).toContain('PutObject');
    await page.screenshot({ path: join(SHOTS, 'finding-evidence.png') });
    // Export exactly that evidence, then note and tag an event: both go to the journal.
    const exported = join(tempDir(), 'evidence.csv');
    await page.getByText('Export these events…').click();
    await page.getByLabel('export path').fill(exported);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(() => page.textContent('[data-testid=export-status]'), { timeout: 15_000 }).toContain(`wrote 140 events to ${exported}`);
    await page.locator('.event-list [role=row]').first().click();
    await page.getByLabel('note on this event').fill('first copy into the outside bucket');
    await page.getByRole('button', { name: 'Note', exact: true }).click();
    await expect.poll(() => page.textContent('[data-testid=journal-entries]'), { timeout: 15_000 }).toContain('first copy into the outside bucket');
    // The analyst confirms the finding; the status comes back from the journal after a reload.
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#findings`);
    await page.getByLabel('status of Data written to an external boundary').selectOption('confirmed');
    await page.reload();
    await expect.poll(() => page.getByLabel('status of Data written to an external boundary').inputValue(), { timeout: 15_000 }).toBe('confirmed');
    // And the report for the auditors, from the case home.
    const report = join(tempDir(), 'report.html');
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#home`);
    await page.getByText('Report for auditors…').click();
    await page.getByLabel('report path').fill(report);
    await page.getByRole('button', { name: 'Save report' }).click();
    await expect.poll(() => page.textContent('[data-testid=report-status]'), { timeout: 30_000 }).toContain(`wrote ${report}`);
    expect(readFileSync(report, 'utf8')).toContain('first copy into the outside bucket');
    await page.close();
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
