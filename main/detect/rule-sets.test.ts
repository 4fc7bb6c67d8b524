import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/builders';
import { CasePool } from '../api/case-pool';
import { handleApiCall } from '../api/services';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { detectWithRuleSets } from './rule-sets';

const ROOT = resolve(__dirname, '../..');
const SIGMA = join(ROOT, 'fixtures/sigma');

describe('the rule sets a case is checked with', () => {
  it('runs in the app the Sigma folder the CLI chose for the case, and a run replaces every earlier finding', async () => {
    const casePath = join(tempDir(), 'case.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    try {
      await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
      // As `nhi detect --rules fixtures/sigma` does.
      const first = await detectWithRuleSets(store, { sigmaDir: SIGMA });
      expect(first.rules.filter((r) => r.kind === 'sigma').length).toBeGreaterThan(100);
      const [{ n: sigmaFindings }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM findings WHERE rule_kind = 'sigma'`)) as [{ n: number }];
      expect(sigmaFindings).toBeGreaterThan(0);
    } finally {
      store.close();
    }
    const pool = new CasePool();
    const context = { allowedCases: new Set([casePath]), pool };
    try {
      // The app's Run detections, with no folder named: the same rules as the CLI's run.
      const again = await handleApiCall('detect.run', { casePath }, context);
      expect(again).toMatchObject({ ok: true, value: { sigmaDir: SIGMA } });
      if (again.ok) expect((again.value as { rules: { kind: string }[] }).rules.filter((r) => r.kind === 'sigma').length).toBeGreaterThan(100);
      // Built-in only from now on: no Sigma finding of the earlier run stays behind.
      const builtinOnly = await handleApiCall('detect.run', { casePath, sigmaDir: null }, context);
      expect(builtinOnly).toMatchObject({ ok: true, value: { sigmaDir: null } });
      const left = await pool.read(casePath, (s) => s.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM findings WHERE rule_kind = 'sigma'`));
      expect(left[0]!.n).toBe(0);
    } finally {
      await pool.closeAll();
    }
  });
});
