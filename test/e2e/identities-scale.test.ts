import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CasePool } from '../../main/api/case-pool';
import { CaseStore } from '../../main/case-store/case-store';
import { type WebServer, startWebServer } from '../../main/web/server';
import { tempDir } from '../helpers/builders';
import { RENDERER, launchChromium } from '../helpers/browser';
import { manyIdentities } from '../helpers/many-identities';

/** The identities view on a case of 100,000 identities: a screenful drawn, the rest a scroll away, sorted by the database. */
describe('the identities list at 100,000 identities', () => {
  let server: WebServer;
  let browser: Browser;
  let casePath: string;
  const pool = new CasePool();
  beforeAll(async () => {
    casePath = join(tempDir(), 'many.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await manyIdentities(store, 100_000);
    store.close();
    server = await startWebServer({ rendererDir: RENDERER, context: { allowedCases: new Set([casePath]), pool } });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await pool.closeAll();
  });

  it('draws a screenful, reaches the last identity by scrolling, and sorts and searches on the server', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#identities`);
    await expect.poll(() => page.textContent('[data-testid=identity-count]'), { timeout: 20_000 }).toBe('100,000 of 100,000 identities');
    const rows = page.locator('table[aria-label="identity list"] tbody tr[aria-rowindex]');
    expect(await rows.count()).toBeLessThan(120);
    const store = await CaseStore.open(casePath, { readOnly: true });
    const [lastByEvents] = await store.read<{ display: string }>(`SELECT display FROM identities ORDER BY events DESC, uid LIMIT 1 OFFSET 99999`);
    const [firstByName] = await store.read<{ display: string }>(`SELECT display FROM identities ORDER BY lower(display), uid LIMIT 1`);
    store.close();
    await page.locator('.identity-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(() => page.locator('table[aria-label="identity list"] tbody tr[aria-rowindex="100001"]').textContent(), { timeout: 15_000 }).toContain(lastByEvents!.display);
    await page.getByRole('button', { name: /^Identity/ }).click();
    await expect.poll(() => rows.first().textContent(), { timeout: 15_000 }).toContain(firstByName!.display);
    await page.getByLabel('search identities').fill('workload-4242');
    await expect.poll(() => page.textContent('[data-testid=identity-count]'), { timeout: 15_000 }).toMatch(/^[1-9]\d* of 100,000 identities$/);
    expect(await rows.first().textContent()).toContain('workload-4242');
    await page.close();
  });
});
