import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Where the e2e tests find the built app and Debian's Chromium, and where they leave screenshots. */
export const ROOT = resolve(__dirname, '../..');
export const RENDERER = join(ROOT, 'out/renderer');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'test-results/screenshots');

/** Headless Debian Chromium with the flags this machine needs (no sandbox as root, no background network). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error(`${RENDERER} is missing: run npm run build (npm test does) before this test`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** axe-core's findings on the page at its current state: the rule id, its impact and where. */
export async function axeViolations(page: import('playwright-core').Page): Promise<{ id: string; impact: string | null; help: string; targets: string[] }[]> {
  const source = (await import('node:fs')).readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // Evaluated through the debugger protocol, which the page's CSP does not govern (no inline script is added).
  await page.evaluate(source);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}
