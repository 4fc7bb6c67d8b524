import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { tempDir } from '../../test/helpers/builders';
import { identityAccess } from './identity-access';

/** GCP and Azure exports in the shapes gcloud and az write them. */
describe('GCP IAM and Azure role assignments', () => {
  it('reads bindings, service-account keys, role assignments and credentials; finds who can act as whom', async () => {
    const dir = tempDir();
    const sa = (name: string) => `serviceAccount:${name}@acme-prod.iam.gserviceaccount.com`;
    writeFileSync(
      join(dir, 'acme-prod-iam-policy.json'),
      JSON.stringify({
        bindings: [
          { role: 'roles/owner', members: ['user:alice@acme.example', sa('terraform')] },
          { role: 'roles/iam.serviceAccountTokenCreator', members: [sa('ci-deployer')] },
          { role: 'roles/editor', members: [sa('legacy-app')] },
          { role: 'roles/storage.objectViewer', members: [sa('reporter')] },
          { role: 'roles/resourcemanager.projectIamAdmin', members: [sa('iam-bot')] },
          { role: 'roles/viewer', members: ['deleted:serviceAccount:old-job@acme-prod.iam.gserviceaccount.com?uid=1234567890'] },
          { role: 'projects/acme-prod/roles/customDeployer', members: [sa('reporter')] },
        ],
        etag: 'BwX1a2b3c4d=',
        version: 1,
      }),
    );
    writeFileSync(
      join(dir, 'ci-deployer-keys.json'),
      JSON.stringify([
        { keyAlgorithm: 'KEY_ALG_RSA_2048', keyOrigin: 'GOOGLE_PROVIDED', keyType: 'USER_MANAGED', name: 'projects/acme-prod/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com/keys/3f2a9c1e0b7d4e5f6a7b8c9d0e1f2a3b4c5d6e7f', validAfterTime: '2024-01-15T10:00:00Z', validBeforeTime: '9999-12-31T23:59:59Z' },
        { keyAlgorithm: 'KEY_ALG_RSA_2048', keyOrigin: 'GOOGLE_PROVIDED', keyType: 'USER_MANAGED', name: 'projects/acme-prod/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com/keys/9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b', validAfterTime: '2026-11-01T10:00:00Z', validBeforeTime: '9999-12-31T23:59:59Z' },
        { keyAlgorithm: 'KEY_ALG_RSA_2048', keyOrigin: 'GOOGLE_PROVIDED', keyType: 'SYSTEM_MANAGED', name: 'projects/acme-prod/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com/keys/0011223344556677889900aabbccddeeff001122', validAfterTime: '2026-11-20T10:00:00Z', validBeforeTime: '2026-12-07T10:00:00Z' },
      ]),
    );
    const sub = '/subscriptions/00000000-1111-2222-3333-444444444444';
    writeFileSync(
      join(dir, 'role-assignments.json'),
      JSON.stringify([
        { principalId: 'aaaaaaaa-0000-0000-0000-000000000001', principalName: 'deploy-pipeline', principalType: 'ServicePrincipal', roleDefinitionName: 'Owner', roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`, scope: sub },
        { principalId: 'aaaaaaaa-0000-0000-0000-000000000002', principalName: 'access-automation', principalType: 'ServicePrincipal', roleDefinitionName: 'User Access Administrator', roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9`, scope: `${sub}/resourceGroups/rg-app` },
        { principalId: 'bbbbbbbb-0000-0000-0000-000000000003', principalName: 'dana@acme.example', principalType: 'User', roleDefinitionName: 'Reader', roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`, scope: sub },
      ]),
    );
    writeFileSync(
      join(dir, 'app-credentials.json'),
      JSON.stringify([{ customKeyIdentifier: null, displayName: 'ci secret', endDateTime: '2028-03-01T00:00:00Z', hint: 'Xy7', keyId: 'c0ffee00-0000-0000-0000-000000000001', secretText: null, startDateTime: '2024-03-01T00:00:00Z' }]),
    );
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      const report = await importBundles(store, [dir]);
      expect(await store.read(`SELECT reason, left(coalesce(raw, ''), 120) AS raw FROM quarantine`)).toEqual([]);
      expect(report.totals.quarantined).toBe(0);
      const kinds = await store.read<{ kind: string; n: number }>(`SELECT kind, count(*)::INTEGER AS n FROM permission_records GROUP BY ALL ORDER BY kind`);
      expect(kinds).toEqual([
        { kind: 'azure.app-credential', n: 1 },
        { kind: 'azure.role-assignment', n: 3 },
        { kind: 'gcp.iam-policy', n: 1 },
        { kind: 'gcp.service-account-key', n: 3 },
      ]);
      const edges = await store.read<{ from_uid: string; to_uid: string; method: string; conditional: boolean }>(`SELECT from_uid, to_uid, method, conditional FROM access_edges WHERE kind = 'escalate' ORDER BY ALL`);
      const e = (from: string, to: string) => edges.filter((x) => x.from_uid.startsWith(from) && x.to_uid.startsWith(to)).map((x) => `${x.method}${x.conditional ? '?' : ''}`);
      expect(e('ci-deployer@', 'terraform@')).toEqual(['gcp:getAccessToken']);
      expect(e('legacy-app@', 'reporter@')).toEqual(['gcp:actAs']);
      expect(e('iam-bot@', 'gcp-admin:projects/acme-prod')).toEqual(['gcp:setIamPolicy']);
      expect(e('reporter@', '')).toEqual([]);
      expect(e('azure-sp:?/aaaaaaaa-0000-0000-0000-000000000002', 'azure-admin:')).toEqual(['azure:roleAssignments/write']);
      const findings = await store.read<{ rule: string; principal_uid: string }>(`SELECT rule, principal_uid FROM access_findings WHERE rule IN ('escalation-to-admin', 'machine-admin', 'orphaned-binding', 'old-key') ORDER BY ALL`);
      expect(findings).toEqual([
        { rule: 'escalation-to-admin', principal_uid: 'azure-sp:?/aaaaaaaa-0000-0000-0000-000000000002' },
        { rule: 'escalation-to-admin', principal_uid: 'ci-deployer@acme-prod.iam.gserviceaccount.com' },
        { rule: 'escalation-to-admin', principal_uid: 'iam-bot@acme-prod.iam.gserviceaccount.com' },
        { rule: 'escalation-to-admin', principal_uid: 'legacy-app@acme-prod.iam.gserviceaccount.com' },
        { rule: 'machine-admin', principal_uid: 'azure-sp:?/aaaaaaaa-0000-0000-0000-000000000001' },
        { rule: 'machine-admin', principal_uid: 'legacy-app@acme-prod.iam.gserviceaccount.com' },
        { rule: 'machine-admin', principal_uid: 'terraform@acme-prod.iam.gserviceaccount.com' },
        { rule: 'old-key', principal_uid: 'azure-app:ci secret' },
        { rule: 'old-key', principal_uid: 'ci-deployer@acme-prod.iam.gserviceaccount.com' },
        { rule: 'orphaned-binding', principal_uid: 'old-job@acme-prod.iam.gserviceaccount.com' },
      ]);
      const deployer = await identityAccess(store, 'ci-deployer@acme-prod.iam.gserviceaccount.com');
      expect(deployer.keys.map((k) => k.keyId?.slice(0, 6))).toEqual(['3f2a9c', '9a8b7c']);
      // Two steps: a token for the owner (terraform) or for iam-bot, then owner of the project.
      const path = deployer.reach.find((r) => r.uid === 'gcp-admin:projects/acme-prod')?.path.map((s) => s.method);
      expect(path?.[0]).toBe('gcp:getAccessToken');
      expect(['administrator', 'gcp:setIamPolicy']).toContain(path?.[1]);
      const problems = (await store.read<{ p: string }>(`SELECT unnest(problems) AS p FROM access_snapshots`)).map((r) => r.p);
      expect(problems.some((p) => p.startsWith('projects/acme-prod/roles/customDeployer: permissions not in the shipped role data'))).toBe(true);
    } finally {
      store.close();
    }
  }, 60_000);
});
