import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import { type FixtureServer, fixtureServer } from '../helpers/fixture-server';
import { ROOT, SHOTS, axeViolations } from '../helpers/browser';

/**
 * Granted beside used in the identity profile, in Chromium through web mode: the 02:14 fixture
 * with its IAM snapshots. The leaked key's owner shows its permissions, its old key, and its
 * blast radius drawn (who it can become, what that could reach, what it did reach) and explained
 * step by step, each step citing its snapshot record.
 */
const truth = JSON.parse(readFileSync(join(ROOT, 'fixtures/incident-0214/ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const incident = truth.incident!;

describe('permissions and blast radius in the identity profile', () => {
  let fixture: FixtureServer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    fixture = await fixtureServer('access.duckdb', { permissions: true });
    page = await fixture.browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);
  afterAll(() => fixture?.close());

  it("draws and explains the leaked key's blast radius", async () => {
    await page.goto(`${fixture.server.url}&case=${encodeURIComponent(fixture.casePath)}#identity?uid=${encodeURIComponent(incident.key_owner_uid)}`);
    const section = page.locator('section[aria-label="permissions"]');
    await expect.poll(() => section.getByTestId('access-summary').count(), { timeout: 30_000 }).toBe(1);
    const summary = (await section.getByTestId('access-summary').textContent()) ?? '';
    expect(summary).toMatch(/can become \d+ other identit/);
    expect(summary).toContain('reach administrator');
    expect(summary).toMatch(/did reach [1-9]/);
    // The key of the incident, with its age from the credential report.
    expect(await section.getByRole('table', { name: 'access keys' }).textContent()).toContain(incident.access_key);
    // Drawn: the role it assumed in the incident, and the buckets it did reach in red.
    const drawing = section.getByTestId('blast-radius');
    expect(await drawing.locator('.reach-node').count()).toBeGreaterThanOrEqual(3);
    expect(await drawing.locator('.reach-resource.did').count()).toBeGreaterThanOrEqual(2);
    expect(await drawing.locator('.could-reach').count()).toBeGreaterThan(0);
    expect(await drawing.textContent()).toContain(incident.destination_bucket);
    // Explained: each identity it can become with the steps, each step citing the snapshot record.
    const paths = (await section.getByTestId('reach-paths').textContent()) ?? '';
    expect(paths).toContain('backend-svc trusts svc-legacy-backup by name');
    expect(paths).toMatch(/iam:PassRole\+lambda/);
    expect(paths).toContain('authorization-details.json #1');
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'access-blast-radius.png'), fullPage: false });
    expect((await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('opens an identity known only from the snapshot (it never acts) from a step of the blast radius', async () => {
    await page.getByTestId('reach-paths').getByRole('button', { name: 'ops-automation' }).click();
    const section = page.locator('section[aria-label="permissions"]');
    await expect.poll(async () => (await section.locator('h3').first().textContent()) ?? '', { timeout: 30_000 }).toContain('administrator');
    expect(await page.locator('section[aria-label="identity profile"]').textContent()).toContain('no identity arn:aws:iam::111111111111:role/ops-automation');
  });

  it('draws who each identity can become and what it could reach in the graph, on demand', async () => {
    await page.goto(`${fixture.server.url}&perf&case=${encodeURIComponent(fixture.casePath)}#graph?from=2026-02-14T02:00:00Z&to=2026-02-14T02:40:00Z`);
    await page.getByLabel('show permissions').check();
    const table = page.locator('table[aria-label="graph edges"]');
    await expect.poll(() => table.textContent(), { timeout: 20_000 }).toContain('can become');
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('ops-automation');
    await page.waitForFunction(() => (window as unknown as { __nhiPerf: { stableAt: number | null } }).__nhiPerf.stableAt !== null, undefined, { timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, 'graph-permissions.png') });
  });

  it('says what is missing for an identity no snapshot holds', async () => {
    await page.goto(`${fixture.server.url}&case=${encodeURIComponent(fixture.casePath)}#identity?uid=${encodeURIComponent('aws-service:ec2.amazonaws.com')}`);
    const section = page.locator('section[aria-label="permissions"]');
    await expect.poll(async () => (await section.textContent()) ?? '', { timeout: 30_000 }).toContain('no permission snapshot in the case holds');
  });
});
