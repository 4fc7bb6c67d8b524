import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { coverage } from './coverage';

describe('what the evidence can answer', () => {
  it('counts Kubernetes request bodies and GCP Data Access entries from their own records only', async () => {
    const dir = tempDir();
    const store = await CaseStore.open(join(dir, 'c.duckdb'), { create: true });
    try {
      await importBundles(store, [resolve(__dirname, '../../fixtures/mixed-story')]);
      let answers = new Map((await coverage(store)).questions.map((q) => [q.id, q]));
      expect(answers.get('gcp-data')).toMatchObject({ answer: 'yes', why: '2 Data Access entries' });
      expect(answers.get('k8s-bodies')).toMatchObject({ answer: 'no' });
      // One audit event at Request level: its body is recorded.
      const event = {
        kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Request', auditID: '5f0c1e0a-8d3b-4b7e-9a51-0c2d6f1e7a10', stage: 'ResponseComplete',
        requestURI: '/api/v1/namespaces/default/pods', verb: 'create', user: { username: 'system:serviceaccount:default:builder' }, sourceIPs: ['10.0.0.9'],
        objectRef: { resource: 'pods', namespace: 'default', name: 'p', apiVersion: 'v1' }, responseStatus: { code: 201 }, requestObject: { kind: 'Pod' },
        requestReceivedTimestamp: '2026-02-14T03:00:00.000000Z', stageTimestamp: '2026-02-14T03:00:00.100000Z',
      };
      writeFileSync(join(dir, 'audit.jsonl'), `${JSON.stringify(event)}\n`);
      await importBundles(store, [join(dir, 'audit.jsonl')]);
      answers = new Map((await coverage(store)).questions.map((q) => [q.id, q]));
      expect(answers.get('k8s-bodies')).toMatchObject({ answer: 'partly', why: '1 events at Request/RequestResponse level' });
    } finally {
      store.close();
    }
  });
});
