import { describe, expect, it } from 'vitest';
import { loadSigmaRules } from './compile-rule';
import { resolve } from 'node:path';
import { joinParts } from './join-parts';

describe('conditions in the order DuckDB should test them', () => {
  it('puts conditions on columns before those that parse the raw record, keeping each group in order', () => {
    expect(joinParts([`json_extract_string(e.raw, '$.a') = 'x'`, `e.operation = 'A'`, `lower(e.raw) LIKE '%b%'`, `e.status = 'failure'`], 'AND')).toBe(
      `(e.operation = 'A' AND e.status = 'failure' AND json_extract_string(e.raw, '$.a') = 'x' AND lower(e.raw) LIKE '%b%')`,
    );
    expect(joinParts([`e.operation = 'A'`], 'OR')).toBe(`e.operation = 'A'`);
  });

  it('compiles the SigmaHQ CloudTrail rules so that every rule reading eventName tests it before the raw record', async () => {
    const { rules } = await loadSigmaRules(resolve(__dirname, '../../../fixtures/sigma'));
    const s3 = rules.find((r) => r.title === 'AWS S3 Data Management Tampering')!;
    expect(s3.where.indexOf('e.operation')).toBeLessThan(s3.where.indexOf('e.raw'));
  });
});
