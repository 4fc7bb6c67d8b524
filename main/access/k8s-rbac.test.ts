import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { verifyCase } from '../integrity/verify';
import { tempDir } from '../../test/helpers/builders';
import { identityAccess } from './identity-access';

const ROOT = join(import.meta.dirname, '../..');

async function withCase<T>(inputs: string[], fn: (store: CaseStore) => Promise<T>): Promise<T> {
  const store = await CaseStore.open(join(tempDir(), 'case.duckdb'), { create: true });
  try {
    const report = await importBundles(store, inputs);
    expect(report.status).toBe('complete');
    return await fn(store);
  } finally {
    store.close();
  }
}

describe('Kubernetes RBAC', () => {
  it("imports Kubernetes' own bootstrap RBAC export (YAML lists) with exact counts, and resolves its namespace roles", async () => {
    await withCase([join(ROOT, 'fixtures/k8s-rbac')], async (store) => {
      const perFile = await store.read<{ path: string; format: string; ok: number; quarantined: number }>(
        `SELECT path_in_bundle AS path, detected_format AS format, records_ok::INTEGER AS ok, records_quarantined::INTEGER AS quarantined FROM evidence WHERE path_in_bundle LIKE '%.yaml' ORDER BY path`,
      );
      expect(perFile).toEqual([
        { path: 'cluster-role-bindings.yaml', format: 'yaml', ok: 10, quarantined: 0 },
        { path: 'namespace-role-bindings.yaml', format: 'yaml', ok: 6, quarantined: 0 },
        { path: 'namespace-roles.yaml', format: 'yaml', ok: 7, quarantined: 0 },
      ]);
      const kinds = await store.read<{ kind: string; n: number }>(`SELECT doc->>'kind' AS kind, count(*)::INTEGER AS n FROM permission_records GROUP BY ALL ORDER BY kind`);
      expect(kinds).toEqual([{ kind: 'ClusterRoleBinding', n: 10 }, { kind: 'Role', n: 7 }, { kind: 'RoleBinding', n: 6 }]);
      // Five service accounts bound to namespace roles, seven users and groups bound to cluster roles.
      const [{ n }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM access_principals WHERE provider = 'k8s'`)) as [{ n: number }];
      expect(n).toBe(12);
      // The cluster roles were not exported: named, never guessed.
      const problems = (await store.read<{ p: string }>(`SELECT unnest(problems) AS p FROM access_snapshots`)).map((r) => r.p);
      expect(problems).toContain('ClusterRoleBinding cluster-admin: ClusterRole cluster-admin is not in the snapshot');
      expect(problems).toHaveLength(10);
      const signer = await identityAccess(store, 'system:serviceaccount:kube-system:bootstrap-signer');
      expect(signer.grantedActions.map((a) => a.action)).toEqual(
        expect.arrayContaining(['get secrets (kube-system)', 'list secrets (kube-system)', 'get configmaps (kube-public)', 'create events (kube-public)']),
      );
      expect(signer.grantedActions.find((a) => a.action === 'get secrets (kube-system)')?.sensitive).toBe(true);
      // The raw record is the YAML item as written, hashed; verify re-reads the files and agrees.
      const [raw] = await store.read<{ raw: string }>(`SELECT raw FROM permission_records WHERE doc->>'kind' = 'Role' ORDER BY evidence_id, record_no LIMIT 1`);
      expect(raw!.raw.startsWith('apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role')).toBe(true);
      expect((await verifyCase(store)).isValid).toBe(true);
    });
  }, 60_000);

  it('resolves aggregated cluster roles, and finds bind/escalate and pod creation as escalation', async () => {
    const dir = tempDir();
    const item = (kind: string, name: string, extra: Record<string, unknown>, namespace?: string) => ({
      apiVersion: kind === 'ServiceAccount' ? 'v1' : 'rbac.authorization.k8s.io/v1',
      kind,
      metadata: { name, ...(namespace ? { namespace } : {}), ...((extra.labels as object | undefined) ? { labels: extra.labels } : {}) },
      ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'labels')),
    });
    const sub = (name: string, namespace: string) => [{ kind: 'ServiceAccount', name, namespace }];
    writeFileSync(
      join(dir, 'rbac.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          item('ServiceAccount', 'deployer', {}, 'ci'),
          item('ServiceAccount', 'builder', {}, 'ci'),
          item('ServiceAccount', 'db-operator', {}, 'data'),
          item('ServiceAccount', 'viewer', {}, 'data'),
          item('ClusterRole', 'monitoring', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] }, rules: [] }),
          item('ClusterRole', 'monitoring-pods', { labels: { 'rbac.example.com/aggregate-to-monitoring': 'true' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }),
          item('ClusterRoleBinding', 'viewer-monitoring', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'monitoring' }, subjects: sub('viewer', 'data') }),
          item('Role', 'pod-runner', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get'] }] }, 'ci'),
          item('RoleBinding', 'deployer-pods', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-runner' }, subjects: sub('deployer', 'ci') }, 'ci'),
          item('ClusterRole', 'rbac-manager', { rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['bind', 'create'] }] }),
          item('ClusterRoleBinding', 'operator-rbac', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rbac-manager' }, subjects: sub('db-operator', 'data') }),
          item('ClusterRole', 'everything', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }),
          item('ClusterRoleBinding', 'builder-admin', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'everything' }, subjects: sub('builder', 'ci') }),
        ],
      }),
    );
    // What the viewer did: two reads of pods, and one exec it was refused.
    const audit = (n: number, verb: string, objectRef: Record<string, string>, code: number) => ({
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${n}`, stage: 'ResponseComplete', verb, requestURI: '/api/v1/namespaces/data/pods',
      user: { username: 'system:serviceaccount:data:viewer', groups: ['system:serviceaccounts'] }, sourceIPs: ['10.0.0.5'], userAgent: 'viewer/1.0',
      objectRef: { apiVersion: 'v1', namespace: 'data', ...objectRef }, responseStatus: { code },
      requestReceivedTimestamp: `2026-03-01T10:0${n}:00.000000Z`, stageTimestamp: `2026-03-01T10:0${n}:00.100000Z`,
    });
    writeFileSync(join(dir, 'audit.jsonl'), [audit(1, 'get', { resource: 'pods', name: 'db-0' }, 200), audit(2, 'get', { resource: 'pods', name: 'db-1' }, 200), audit(3, 'create', { resource: 'pods', subresource: 'exec', name: 'db-0' }, 403)].map((e) => JSON.stringify(e)).join('\n'));
    await withCase([dir], async (store) => {
      const viewer = await identityAccess(store, 'system:serviceaccount:data:viewer');
      expect(viewer.grantedActions.map((a) => a.action).sort()).toEqual(['get pods', 'list pods']);
      // Granted beside used: two gets counted, list never used; the refused exec is no use.
      expect(viewer.grantedActions.map((a) => [a.action, a.used]).sort()).toEqual([['get pods', 2], ['list pods', 0]]);
      expect(viewer.unused).toEqual(['list pods']);
      expect(viewer.principal?.used).toBe(1);
      const edges = await store.read<{ from_uid: string; to_uid: string; method: string }>(`SELECT from_uid, to_uid, method FROM access_edges WHERE kind = 'escalate' ORDER BY ALL`);
      expect(edges).toEqual([
        { from_uid: 'system:serviceaccount:ci:deployer', to_uid: 'system:serviceaccount:ci:builder', method: 'k8s:create-pod' },
        { from_uid: 'system:serviceaccount:data:db-operator', to_uid: 'k8s-admin:cluster', method: 'rbac:bind/escalate' },
      ]);
      const findings = await store.read<{ rule: string; principal_uid: string }>(`SELECT rule, principal_uid FROM access_findings WHERE rule IN ('machine-admin', 'escalation-to-admin') ORDER BY ALL`);
      expect(findings).toEqual([
        { rule: 'escalation-to-admin', principal_uid: 'system:serviceaccount:ci:deployer' },
        { rule: 'escalation-to-admin', principal_uid: 'system:serviceaccount:data:db-operator' },
        { rule: 'machine-admin', principal_uid: 'system:serviceaccount:ci:builder' },
      ]);
      const deployer = await identityAccess(store, 'system:serviceaccount:ci:deployer');
      expect(deployer.reach.find((r) => r.uid === 'system:serviceaccount:ci:builder')?.path[0]?.explanation).toContain('can create a pod in ci that runs as system:serviceaccount:ci:builder');
    });
  }, 60_000);
});
