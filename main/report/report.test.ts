import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctRecord, envelope, tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { runDetections } from '../detect/engine';
import { importBundles } from '../ingest/importer';
import { readJournal } from '../journal/journal';
import { esc } from './escape';
import { renderReportHtml } from './report-html';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'bin/nhi.mjs');

describe('the auditor report', () => {
  let casePath: string;
  let html: string;
  let hashes: string[];

  beforeAll(async () => {
    const dir = tempDir();
    // A record whose fields try to become markup in the report.
    // Dated inside the incident's month so it does not move the baseline window.
    const evil = ctRecord(1, {
      eventTime: '2026-02-10T12:00:00Z',
      userAgent: '<script>alert(1)</script>',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/<script>alert(1)</script>', accountId: '111111111111', userName: '<img src=x onerror=alert(2)>', accessKeyId: 'AKIAEVILEVILEVIL0001' },
    });
    writeFileSync(join(dir, 'evil.json'), envelope([evil]));
    casePath = join(dir, 'case.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip'), join(dir, 'evil.json')]);
    await runDetections(store);
    html = await renderReportHtml(store);
    hashes = (await store.read<{ sha256: string }>(`SELECT sha256 FROM evidence`)).map((r) => r.sha256);
    store.close();
  });

  it('escapes every kind of markup character', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('is self-contained: no script, no remote resource, log content escaped', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('user/&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('holds the manifest hashes, the exfiltration finding first with its evidence records, and the charts', () => {
    for (const h of hashes) expect(html).toContain(h);
    const findings = html.slice(html.indexOf('<h2>Findings</h2>'));
    expect(findings.indexOf('Data written to an external boundary')).toBeLessThan(findings.indexOf('Large data transfer'));
    expect(findings).toContain('exfil-drop-7731');
    expect(html).toMatch(/rec \d+ <span class="hash">[0-9a-f]{16}…<\/span><\/td>/);
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
  });

  it('gives the exfiltration’s bytes as the case holds them: written once, a copy counted once as moved', () => {
    const findings = html.slice(html.indexOf('<h2>Findings</h2>'), html.indexOf('<h2>Top flows'));
    const external = findings.slice(findings.indexOf('Data written to an external boundary'));
    expect(external.slice(0, external.indexOf('</section>'))).toMatch(/140 events · 13\.9 GB written ·/);
    const transfer = findings.slice(findings.indexOf('Large data transfer'));
    expect(transfer.slice(0, transfer.indexOf('</section>'))).toMatch(/13\.9 GB moved \(13\.9 GB read, 13\.9 GB written\)/);
    expect(html).toMatch(/exfil-drop-7731 <b>\(outside boundary\)<\/b><\/td><td>140<\/td><td><\/td><td>13\.9 GB<\/td>/);
  });

  it('prints a multi-page PDF from the CLI, refuses to overwrite, and journals the file hash', async () => {
    const out = join(tempDir(), 'report.pdf');
    const run = spawnSync(process.execPath, [CLI, 'report', '--case', casePath, '--out', out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThan(1);
    expect(spawnSync(process.execPath, [CLI, 'report', '--case', casePath, '--out', out], { encoding: 'utf8' }).status).toBe(2);
    const store = await CaseStore.open(casePath, { readOnly: true });
    const entry = (await readJournal(store)).at(-1)!;
    store.close();
    expect(entry).toMatchObject({ action: 'report', body: { path: out, bytes: pdf.length } });
    expect(run.stdout).toContain(String(entry.body.sha256));
  });
});
