import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import type { WebServer } from '../../main/web/server';
import { type FixtureServer, fixtureServer } from '../helpers/fixture-server';
import { SHOTS, axeViolations } from '../helpers/browser';

/**
 * The events grid as a Timeline Explorer user works it, in Chromium through web mode: filters
 * that apply while typing, chosen and resized columns, a value's menu, a column's value counts,
 * a raw record's field as a filter, tags in the grid, ties sorted by time, the selection in view,
 * and a help dialog that keeps the keyboard. Every count is checked against SQL over the case.
 */
describe('the events grid', () => {
  let server: WebServer;
  let browser: Browser;
  let casePath: string;
  let page: Page;
  let fixture: FixtureServer;
  const errors: string[] = [];
  const count = async (sql: string, params: Record<string, string> = {}) => {
    const store = await CaseStore.open(casePath, { readOnly: true });
    try {
      const [row] = await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events e ${sql}`, params);
      return row!.n;
    } finally {
      store.close();
    }
  };
  const shown = () => page.textContent('[data-testid=event-count]');
  const events = (n: number) => `${n.toLocaleString('en-US')} events`;

  beforeAll(async () => {
    fixture = await fixtureServer('grid.duckdb');
    ({ casePath, server, browser } = fixture);
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}&case=${encodeURIComponent(casePath)}#events`);
  }, 120_000);
  afterAll(() => fixture?.close());

  it('applies a text filter as the analyst types, showing it is waiting, then applied', async () => {
    await expect.poll(shown, { timeout: 20_000 }).toBe(events(await count('')));
    const input = page.getByLabel('filter actor');
    await input.pressSequentially('backend-svc', { delay: 20 });
    expect(await input.getAttribute('data-state')).toBe('pending');
    await expect.poll(() => input.getAttribute('data-state')).toBe('applied');
    await expect.poll(shown).toBe(events(await count(`WHERE actor_uid ILIKE '%backend-svc%' OR actor_display ILIKE '%backend-svc%'`)));
    expect(page.url()).toContain('actor=backend-svc');
    // Esc in the field clears it.
    await input.press('Escape');
    await expect.poll(shown).toBe(events(await count('')));
    expect(await input.getAttribute('data-state')).toBe('off');
  });

  it('shows the columns the analyst picks, at the widths they drag, and keeps them across a reload', async () => {
    await page.getByText('Columns', { exact: true }).click();
    await page.getByRole('checkbox', { name: 'User agent' }).check();
    await page.getByRole('checkbox', { name: 'Account / project' }).check();
    await page.getByText('Columns', { exact: true }).click();
    await expect.poll(() => page.locator('[role=columnheader][data-col=user_agent]').count()).toBe(1);
    const ua = await page.locator('.event-list [role=row] [data-col=user_agent]').first().getAttribute('title');
    expect(await count(`WHERE user_agent = $u`, { u: ua! })).toBeGreaterThan(0);
    const separator = page.getByRole('separator', { name: 'width of Resource' });
    const before = Number(await separator.getAttribute('aria-valuenow'));
    await separator.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(Number(await separator.getAttribute('aria-valuenow'))).toBe(before + 48);
    const cellWidth = await page.locator('.event-list [role=row] [data-col=resource_uid]').first().evaluate((el) => el.getBoundingClientRect().width);
    expect(Math.round(cellWidth)).toBe(before + 48);
    await page.reload();
    await expect.poll(() => page.locator('[role=columnheader][data-col=boundary]').count(), { timeout: 15_000 }).toBe(1);
    expect(Number(await page.getByRole('separator', { name: 'width of Resource' }).getAttribute('aria-valuenow'))).toBe(before + 48);
  });

  it('cuts long ARNs in the middle, bucket and object name kept, the whole value on hover', async () => {
    await page.getByLabel('filter resource').fill('exfil-drop');
    await page.getByLabel('filter resource').press('Enter');
    await expect.poll(shown).toBe(events(await count(`WHERE resource_uid ILIKE '%exfil-drop%'`)));
    const cell = page.locator('.event-list [role=row] [data-col=resource_uid]').filter({ hasText: '…' }).first();
    await expect.poll(() => cell.count(), { timeout: 15_000 }).toBe(1);
    const [text, title] = [await cell.textContent(), await cell.getAttribute('title')];
    expect(title).toMatch(/^arn:aws:s3:::exfil-drop-\d+\/.+\.\w+$/);
    expect(text!.startsWith(title!.slice(0, title!.indexOf('/') + 1))).toBe(true);
    expect(title!.endsWith(text!.slice(text!.indexOf('…') + 1))).toBe(true);
    await page.getByRole('button', { name: 'clear filters' }).click();
    await expect.poll(shown).toBe(events(await count('')));
  });

  it("filters out a value from a cell's menu, and lists a column's values with counts to filter on", async () => {
    const cell = page.locator('.event-list [role=row] [data-col=operation]').filter({ hasText: /^AssumeRole$/ }).first();
    await cell.click({ button: 'right' });
    await page.getByRole('dialog', { name: 'filter on Operation' }).getByRole('button', { name: /Hide this value/ }).click();
    await expect.poll(shown).toBe(events(await count(`WHERE operation <> 'AssumeRole'`)));
    expect(await page.getByTestId('value-filter').textContent()).toContain('Operation ≠ AssumeRole');
    // The operation column's commonest values among what is shown, with SQL's counts.
    await page.getByRole('button', { name: 'values of Operation' }).click();
    const dialog = page.getByRole('dialog', { name: 'values of Operation' });
    await expect.poll(() => dialog.getByTestId('value-counts').count()).toBe(1);
    const firstRow = await dialog.locator('tr').first().textContent();
    expect(firstRow).toContain(`GetObject${(await count(`WHERE operation = 'GetObject'`)).toLocaleString('en-US')}`);
    await dialog.getByRole('button', { name: 'only PutObject' }).click();
    await expect.poll(shown).toBe(events(await count(`WHERE operation = 'PutObject'`)));
    expect(await page.getByTestId('value-filter').allTextContents()).toEqual([expect.stringContaining('Operation = PutObject')]);
    expect(decodeURIComponent(page.url())).toContain('"field":"operation","value":"PutObject","not":false');
    expect(errors).toEqual([]);
  });

  it("filters on a field of the raw record by clicking its value", async () => {
    await page.locator('.event-list [role=row]').first().click();
    const leaf = page.locator('[data-testid=raw] [data-pointer="/requestParameters/bucketName"]');
    await expect.poll(() => leaf.count(), { timeout: 15_000 }).toBe(1);
    const bucket = JSON.parse((await leaf.textContent())!) as string;
    await leaf.click();
    await page.getByRole('dialog', { name: 'filter on requestParameters.bucketName' }).getByRole('button', { name: /Only this value/ }).click();
    await expect.poll(shown).toBe(events(await count(`WHERE operation = 'PutObject' AND json_extract_string(raw, '$.requestParameters.bucketName') = $b`, { b: bucket })));
    await page.screenshot({ path: join(SHOTS, 'events-grid.png') });
  });

  it('marks a tagged and a bookmarked event in the grid, and filters on them', async () => {
    await page.locator('.event-list [role=row]').nth(1).click();
    const uid = new URL(page.url().replace('#events?', '?')).searchParams.get('event')!;
    await page.getByLabel('note on this event').fill('exfil-step');
    await page.getByRole('button', { name: 'Tag', exact: true }).click();
    await page.getByRole('button', { name: 'Bookmark', exact: true }).click();
    const marks = page.locator('.event-list [role=row][aria-selected=true] [data-col=marks]');
    await expect.poll(() => marks.textContent(), { timeout: 15_000 }).toBe('★exfil-step');
    // The whole Bookmark button is inside the panel, not clipped.
    const [panel, button] = await Promise.all([page.getByLabel('event detail', { exact: true }).boundingBox(), page.getByRole('button', { name: 'Bookmark', exact: true }).boundingBox()]);
    expect(button!.x + button!.width).toBeLessThanOrEqual(panel!.x + panel!.width);
    await page.getByRole('button', { name: 'clear filters' }).click();
    await page.getByLabel('filter marked').selectOption('tagged');
    await expect.poll(shown).toBe('1 events');
    expect(await page.locator('.event-list [role=row]').first().getAttribute('aria-selected')).not.toBeNull();
    await page.getByRole('button', { name: 'only events tagged exfil-step' }).first().click();
    await expect.poll(() => page.url()).toContain('tag=exfil-step');
    const journal = await CaseStore.open(casePath, { readOnly: true });
    const rows = await journal.read<{ action: string }>(`SELECT action FROM journal WHERE target_id = $u ORDER BY seq`, { u: uid });
    journal.close();
    expect(rows.map((r) => r.action)).toEqual(['tag', 'bookmark']);
    await page.getByRole('button', { name: 'clear filters' }).click();
  });

  it('breaks ties by time when sorting on another column, and keeps the selection in view', async () => {
    await page.getByRole('button', { name: /^Operation/ }).click();
    await expect.poll(() => page.url()).toContain('sort=operation');
    await expect.poll(() => page.locator('.event-list [role=row] [data-col=operation]').first().textContent(), { timeout: 15_000 }).toBe('AssumeRole');
    const times = await page.locator('.event-list [role=row] [data-col=time]').evaluateAll((cells) => cells.map((c) => c.getAttribute('title') ?? ''));
    expect(times.length).toBeGreaterThan(10);
    expect([...times].sort()).toEqual(times);
    await page.getByTestId('event-list').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('End');
    const selected = page.locator('.event-list [aria-selected=true]');
    // The last row (the header is row 1), once its page has loaded, selected and whole on screen.
    const last = String((await count('')) + 1);
    await expect.poll(() => selected.getAttribute('aria-rowindex'), { timeout: 15_000 }).toBe(last);
    const inView = () => page.evaluate(() => {
      const list = document.querySelector('[data-testid=event-list]')!.getBoundingClientRect();
      const row = document.querySelector('.event-list [aria-selected=true]')?.getBoundingClientRect();
      return row !== undefined && row.top >= list.top && row.bottom <= list.bottom + 1;
    });
    await expect.poll(inView, { timeout: 5_000 }).toBe(true);
  });

  it('keeps the keyboard in the help dialog: Esc closes it, g-sequences do not reach the app', async () => {
    await page.keyboard.press('Escape');
    await page.locator('body').focus();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'keyboard shortcuts' });
    await expect.poll(() => help.count()).toBe(1);
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    expect(page.url()).toContain('#events');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    expect(await help.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    expect((await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    // And with a column's values open, the grid passes axe too.
    await page.getByRole('button', { name: 'values of Source IP' }).click();
    await expect.poll(() => page.getByTestId('value-counts').count()).toBe(1);
    expect((await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('value-counts').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
