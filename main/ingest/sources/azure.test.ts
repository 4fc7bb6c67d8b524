import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { type ImportReport, importBundles } from '../importer';

const SAMPLES = resolve(__dirname, '../../../../shared/samples/azure');
const hasSamples = existsSync(SAMPLES);
if (!hasSamples) console.log(`skipped: Azure sample tests need ${SAMPLES} (present in CI, absent in a fresh clone)`);

const TENANT = 'aaaaaaaa-0000-0000-0000-000000000001';
const SUB = '11111111-2222-3333-4444-555555555555';
const MI = `/subscriptions/${SUB}/resourcegroups/rg-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/backup-mi`;

describe('Azure sign-ins, audit logs and activity log', () => {
  let store: CaseStore;

  beforeAll(async () => {
    const dir = tempDir();
    // Microsoft Graph shape: the sign-in at the top level.
    writeFileSync(join(dir, 'graph-signins.json'), JSON.stringify({ value: [
      { id: 'si-1', createdDateTime: '2026-02-14T02:10:00Z', appId: 'app-backup', appDisplayName: 'backup-mi', servicePrincipalId: 'sp-mi', servicePrincipalName: 'backup-mi', managedIdentity: { msiType: 'userAssigned' }, ipAddress: '10.9.0.4', resourceId: 'res-storage', resourceDisplayName: 'Azure Storage', status: { errorCode: 0 }, tenantId: TENANT },
      { id: 'si-2', createdDateTime: '2026-02-14T02:11:00Z', appId: 'app-portal', userId: 'u-9', userPrincipalName: 'eve@acme.example', ipAddress: '198.51.100.23', userAgent: 'Mozilla/5.0', status: { errorCode: 50126, failureReason: 'Invalid username or password' }, tenantId: TENANT, isInteractive: true },
    ] }));
    // az monitor activity-log list (camelCase), a managed identity listing storage keys.
    writeFileSync(join(dir, 'activity.json'), JSON.stringify([{
      authorization: { action: 'Microsoft.Storage/storageAccounts/listKeys/action', scope: `/subscriptions/${SUB}/resourceGroups/RG-PROD/providers/Microsoft.Storage/storageAccounts/acmeprod` },
      caller: 'c0ffee00-0000-0000-0000-000000000009',
      claims: { idtyp: 'app', appid: 'app-backup', xms_mirid: MI, 'http://schemas.microsoft.com/identity/claims/objectidentifier': 'sp-mi', 'http://schemas.microsoft.com/identity/claims/tenantid': TENANT },
      eventDataId: 'ev-1',
      eventTimestamp: '2026-02-14T02:12:00.5Z',
      operationName: { value: 'Microsoft.Storage/storageAccounts/listKeys/action', localizedValue: 'List Storage Account Keys' },
      resourceId: `/subscriptions/${SUB}/resourceGroups/RG-PROD/providers/Microsoft.Storage/storageAccounts/acmeprod`,
      status: { value: 'Succeeded' },
      subscriptionId: SUB,
      httpRequest: { clientIpAddress: '10.9.0.4' },
    }]));
    // Diagnostic-settings export of the activity log: a person's failed role assignment.
    writeFileSync(join(dir, 'diag-activity.json'), JSON.stringify({ records: [{
      time: '2026-02-14T02:13:00Z', resourceId: `/SUBSCRIPTIONS/${SUB.toUpperCase()}/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/RA-1`,
      operationName: 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE', category: 'Administrative', resultType: 'Failure', callerIpAddress: '198.51.100.23',
      identity: { authorization: {}, claims: { 'http://schemas.microsoft.com/identity/claims/objectidentifier': 'u-9', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'eve@acme.example', 'http://schemas.microsoft.com/identity/claims/tenantid': TENANT } },
    }] }));
    store = await CaseStore.open(join(tempDir(), 'az.duckdb'), { create: true });
    await importBundles(store, [dir]);
  });
  afterAll(() => store.close());

  it('tells a managed identity sign-in from a person failing a password, with tenant, resource and error', async () => {
    const rows = await store.read(`SELECT actor_uid, actor_type, actor_display, is_nhi, operation, resource_uid, boundary, src_ip, status, error_code FROM events WHERE source = 'azure.signin' ORDER BY time`);
    expect(rows).toEqual([
      { actor_uid: `azure-sp:${TENANT}/sp-mi`, actor_type: 'managed_identity', actor_display: 'backup-mi', is_nhi: true, operation: 'sign-in', resource_uid: 'azure-app:res-storage', boundary: `tenants/${TENANT}`, src_ip: '10.9.0.4', status: 'success', error_code: null },
      { actor_uid: `azure-user:${TENANT}/u-9`, actor_type: 'user', actor_display: 'eve@acme.example', is_nhi: null, operation: 'sign-in', resource_uid: null, boundary: `tenants/${TENANT}`, src_ip: '198.51.100.23', status: 'failure', error_code: '50126 Invalid username or password' },
    ]);
  });

  it('maps activity-log calls of a managed identity and a person to the same identities as their sign-ins', async () => {
    const rows = await store.read(`SELECT actor_uid, actor_type, actor_display, is_nhi, operation, category, resource_uid, boundary, status FROM events WHERE source = 'azure.activity' ORDER BY time`);
    expect(rows).toEqual([
      { actor_uid: `azure-sp:${TENANT}/sp-mi`, actor_type: 'managed_identity', actor_display: 'backup-mi', is_nhi: true, operation: 'Microsoft.Storage/storageAccounts/listKeys/action', category: 'read', resource_uid: `/subscriptions/${SUB}/resourcegroups/rg-prod/providers/microsoft.storage/storageaccounts/acmeprod`, boundary: `subscriptions/${SUB}`, status: 'success' },
      { actor_uid: `azure-user:${TENANT}/u-9`, actor_type: 'user', actor_display: 'eve@acme.example', is_nhi: null, operation: 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE', category: 'admin', resource_uid: `/subscriptions/${SUB}/providers/microsoft.authorization/roleassignments/ra-1`, boundary: `subscriptions/${SUB}`, status: 'failure' },
    ]);
  });
});

describe.skipIf(!hasSamples)('the real Azure samples', () => {
  let store: CaseStore;
  let report: ImportReport;
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'az-samples.duckdb'), { create: true });
    report = await importBundles(store, [SAMPLES]);
  });
  afterAll(() => store.close());

  it('imports every record of every file with the right parser and no quarantine', async () => {
    const expected: Record<string, [number, string]> = {
      'test-service-principal-signinlogs-sample.log': [7, 'azure.signin'],
      'test-non-interactive-user-sample.log': [15, 'azure.signin'],
      'test-audit-logs-sample.log': [3, 'azure.audit'],
      'azure_activity_log.jsonl': [4, 'azure.activity'],
    };
    for (const [name, [n, parser]] of Object.entries(expected)) {
      const file = report.files.find((f) => f.path.endsWith(name))!;
      expect(file, name).toMatchObject({ recordsTotal: n, recordsOk: n, recordsQuarantined: 0, parsers: [parser] });
    }
    expect(report.totals).toMatchObject({ records: 29, eventsImported: 29, quarantined: 0 });
  });

  it('names the Terraform service principal, the managed identity and the app-only activity callers as machines', async () => {
    const sp = readFileSync(join(SAMPLES, 'matanolabs__logtest/examples/msft_aad_signinlogs/test/test-service-principal-signinlogs-sample.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { properties: { servicePrincipalName: string; id: string; ipAddress: string } });
    const rows = await store.read<{ actor_display: string; is_nhi: boolean; src_ip: string }>(
      `SELECT actor_display, is_nhi, src_ip FROM events WHERE event_uid = 'azure-signin:' || $id`,
      { id: sp[0]!.properties.id },
    );
    expect(rows).toEqual([{ actor_display: sp[0]!.properties.servicePrincipalName, is_nhi: true, src_ip: sp[0]!.properties.ipAddress }]);
    const machines = await store.read<{ source: string; actor_type: string; n: number }>(
      `SELECT source, actor_type, count(*)::INTEGER AS n FROM events WHERE is_nhi GROUP BY ALL ORDER BY ALL`,
    );
    const plaso = readFileSync(join(SAMPLES, 'log2timeline__plaso/test_data/jsonl/azure_activity_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { claims: { idtyp?: string } });
    expect(machines).toEqual([
      { source: 'azure.activity', actor_type: 'service_principal', n: plaso.filter((r) => r.claims.idtyp === 'app').length },
      { source: 'azure.audit', actor_type: 'managed_identity', n: 3 },
      { source: 'azure.signin', actor_type: 'service_principal', n: 7 },
    ]);
    expect(readdirSync(SAMPLES).sort()).toEqual(['log2timeline__plaso', 'matanolabs__logtest']);
  });
});
