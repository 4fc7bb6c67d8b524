import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDigestBundle } from '../../fixtures/generate/digest-bundle';
import { CaseStore } from '../../main/case-store/case-store';
import { SCHEMA_VERSION } from '../../main/case-store/migrations';
import { importBundles } from '../../main/ingest/importer';
import { type WebServer, startWebServer } from '../../main/web/server';
import { jsonLines, records, sha256File, tempDir } from '../helpers/builders';
import { RENDERER, SHOTS, launchChromium } from '../helpers/browser';
import { downgradeToSchema3 } from '../helpers/legacy-case';

/** The case home's integrity panel and the upgrade prompt, in Debian's Chromium against web mode. */

describe('evidence integrity in the app', () => {
  let server: WebServer;
  let browser: Browser;
  let tamperedCase: string;
  let oldCase: string;
  let deletedName: string;

  beforeAll(async () => {
    const bundle = writeDigestBundle({ dir: tempDir(), hours: 8, stopLoggingAtHour: 3 });
    const tampered = join(tempDir(), 'tampered');
    cpSync(bundle.bundleDir, tampered, { recursive: true });
    const deleted = bundle.logFiles.find((f) => f.hour === 1)!.path;
    deletedName = deleted.split('/').pop()!;
    rmSync(join(tampered, deleted));
    const modified = bundle.logFiles.find((f) => f.hour === 6)!.path;
    writeFileSync(join(tampered, modified), gzipSync(gunzipSync(readFileSync(join(tampered, modified))).toString().replace('"DescribeInstances"', '"DescribeRegions"')));
    tamperedCase = join(tempDir(), 'tampered.duckdb');
    const store = await CaseStore.open(tamperedCase, { create: true });
    await importBundles(store, [tampered]);
    store.close();

    const dir = tempDir();
    writeFileSync(join(dir, 'a.jsonl'), jsonLines(records(0, 12)));
    oldCase = join(dir, 'old.duckdb');
    const old = await CaseStore.open(oldCase, { create: true });
    await importBundles(old, [join(dir, 'a.jsonl')]);
    old.close();
    await downgradeToSchema3(oldCase);

    process.env.NHI_CONFIG_DIR = tempDir();
    server = await startWebServer({ rendererDir: RENDERER, context: { allowedCases: new Set([tamperedCase, oldCase]) } });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows on the case home that CloudTrail log files were deleted and modified, the logging stop, and what the evidence cannot answer', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}&case=${encodeURIComponent(tamperedCase)}`);
    const panel = page.locator('section[aria-label="evidence integrity"]');
    await expect.poll(() => panel.locator('[data-testid=digests]').textContent(), { timeout: 15_000 }).toContain('log files or digests were altered after delivery');
    const problems = await panel.locator('table[aria-label="digest problems"] tbody').textContent();
    expect(problems).toContain('log missing');
    expect(problems).toContain(deletedName);
    expect(problems).toContain('log modified');
    expect(await panel.locator('table[aria-label="logging changes"]').textContent()).toContain('StopLogging');
    expect(await panel.locator('table[aria-label="coverage"]').textContent()).toContain('Which S3 objects were read or written?');
    expect(await panel.locator('[data-testid=journal-head]').textContent()).toMatch(/head \d+:[0-9a-f]{64}/);
    await panel.screenshot({ path: join(SHOTS, 'integrity-panel.png') });
    expect(errors).toEqual([]);
  });

  it('never changes an older case when opening it, and upgrades it only when asked', async () => {
    const before = sha256File(oldCase);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(server.url);
    await page.getByLabel('open case path').fill(oldCase);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const prompt = page.locator('section[aria-label="upgrade this case"]');
    await expect.poll(() => prompt.textContent(), { timeout: 15_000 }).toContain('older build');
    expect(sha256File(oldCase)).toBe(before);
    await page.screenshot({ path: join(SHOTS, 'upgrade-prompt.png') });
    await prompt.getByRole('button', { name: 'Upgrade this case' }).click();
    await expect.poll(() => page.textContent('[data-testid=upgraded]'), { timeout: 15_000 }).toContain(`Upgraded from schema v3 to v${SCHEMA_VERSION}`);
    expect(await page.textContent('[data-testid=events]')).toBe('12');
    expect(sha256File(oldCase)).not.toBe(before);
  });
});
