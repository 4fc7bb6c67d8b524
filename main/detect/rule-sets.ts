import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CaseStore } from '../case-store/case-store';
import type { Thresholds } from './builtin-rules';
import { type DetectReport, runDetections } from './engine';
import type { SkippedSigmaRule } from './rule';
import { loadSigmaRules } from './sigma';

/**
 * The rules a case is checked with, the same from the app and the CLI: every built-in rule, plus
 * the Sigma folder last chosen for this case (kept in its meta table), so "Run detections" in the
 * app never runs fewer rules than the CLI did and leaves stale findings beside fresh ones.
 */
const KEY = 'sigma_rules_dir';

export async function rememberedSigmaDir(store: CaseStore): Promise<string | null> {
  const [row] = await store.read<{ value: string }>(`SELECT value FROM meta WHERE key = $k`, { k: KEY });
  return row?.value || null;
}

/** `dir`: a folder to use and remember; `null`: built-in rules only from now on; `undefined`: as last time. */
export async function detectWithRuleSets(
  store: CaseStore,
  options: { sigmaDir?: string | null; thresholds?: Record<string, Thresholds> } = {},
): Promise<DetectReport & { sigmaDir: string | null; sigmaSkipped: SkippedSigmaRule[]; sigmaProblem: string | null }> {
  let dir = options.sigmaDir === undefined ? await rememberedSigmaDir(store) : options.sigmaDir === null ? null : resolve(options.sigmaDir);
  if (options.sigmaDir !== undefined) {
    await store.run(`DELETE FROM meta WHERE key = $k`, { k: KEY });
    if (dir) await store.run(`INSERT INTO meta VALUES ($k, $v)`, { k: KEY, v: dir });
  }
  let sigmaProblem: string | null = null;
  if (dir && !existsSync(dir)) {
    sigmaProblem = `the Sigma folder ${dir} chosen for this case is not there any more: built-in rules only`;
    dir = null;
  }
  const sigma = dir ? await loadSigmaRules(dir) : { rules: [], skipped: [] };
  const report = await runDetections(store, { ...(options.thresholds ? { thresholds: options.thresholds } : {}), sigma: sigma.rules });
  return { ...report, sigmaDir: dir, sigmaSkipped: sigma.skipped, sigmaProblem };
}
