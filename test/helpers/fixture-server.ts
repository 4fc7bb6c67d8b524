import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CasePool } from '../../main/api/case-pool';
import { CaseStore } from '../../main/case-store/case-store';
import { importBundles } from '../../main/ingest/importer';
import { type WebServer, startWebServer } from '../../main/web/server';
import { tempDir } from './builders';
import { RENDERER, ROOT, SHOTS, launchChromium } from './browser';

export interface FixtureServer {
  casePath: string;
  pool: CasePool;
  server: WebServer;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * The 02:14 fixture imported into a fresh case, served in web mode, and Chromium to look at it;
 * with `permissions`, its IAM snapshots (fixtures/incident-0214/iam) imported beside the logs.
 */
export async function fixtureServer(caseName = 'incident.duckdb', options: { permissions?: boolean } = {}): Promise<FixtureServer> {
  const casePath = join(tempDir(), caseName);
  const store = await CaseStore.open(casePath, { create: true });
  await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
  if (options.permissions) await importBundles(store, [join(ROOT, 'fixtures/incident-0214/iam')]);
  store.close();
  const pool = new CasePool();
  const server = await startWebServer({ rendererDir: RENDERER, context: { allowedCases: new Set([casePath]), pool } });
  const browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  return {
    casePath,
    pool,
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await pool.closeAll();
    },
  };
}
