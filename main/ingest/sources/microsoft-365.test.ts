import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { importBundles } from '../importer';
import { mergeStructures } from './source-parser';
import { PARSERS } from './registry';

const FIXTURES = resolve(__dirname, '../../../fixtures/microsoft');
const TENANT = '5c1e9a0d-7b2f-4d8e-9a61-3f0c2b7d4e11';
const SP = `azure-sp:${TENANT}/6f2b8c4a-1d3e-4f5a-8b7c-9d0e1f2a3b4c`;
const NEW_KEY = 'azure-key:9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0';

type Row = { source: string; time: string; actor_uid: string | null; actor_type: string | null; is_nhi: boolean | null; operation: string; category: string; resource_uid: string | null; src_ip: string | null; status: string };

/** One fixture file alone in a fresh case: what it imports as, and what it leaves in quarantine. */
async function importOne(...files: string[]) {
  const dir = tempDir();
  for (const f of files) copyFileSync(join(FIXTURES, f), join(dir, f));
  const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
  try {
    const report = await importBundles(store, files.map((f) => join(dir, f)));
    const events = await store.read<Row>(
      `SELECT source, strftime(time, '%Y-%m-%dT%H:%M:%S') AS time, actor_uid, actor_type, is_nhi, operation, category, resource_uid, src_ip, status FROM events ORDER BY time, event_uid`,
    );
    const [q] = await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM quarantine`);
    const credentials = await store.read<{ credential_uid: string; kind: string; owner_uid: string; created_by: string | null; events: number }>(
      `SELECT credential_uid, kind, owner_uid, created_by, events FROM credentials ORDER BY credential_uid`,
    );
    const identities = await store.read<{ uid: string; is_nhi: boolean | null; principal_uid: string | null }>(`SELECT uid, is_nhi, principal_uid FROM identities ORDER BY uid`);
    return { report, events, quarantined: q!.n, credentials, identities };
  } finally {
    store.close();
  }
}

describe('Microsoft 365 unified audit log and Sentinel tables', () => {
  it('reads the Management Activity API records: people, apps acting alone, system accounts, directory targets', async () => {
    const { events, quarantined } = await importOne('ual-management-api.jsonl');
    expect(quarantined).toBe(0);
    expect(events).toHaveLength(8);
    const by = (op: string) => events.find((e) => e.operation === op)!;
    expect(by('Add service principal credentials')).toMatchObject({
      source: 'm365.audit', actor_uid: 'm365-user:nadia.okafor@fabrikam-demo.example', is_nhi: null, category: 'admin', resource_uid: `azure-object:${TENANT}/6f2b8c4a-1d3e-4f5a-8b7c-9d0e1f2a3b4c`,
    });
    expect(by('Consent to application')).toMatchObject({ category: 'admin' });
    // App-only access: the app's id is the record's UserKey; the mailbox is what it read.
    expect(by('MailItemsAccessed')).toMatchObject({ actor_uid: 'azure-app:0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d', is_nhi: true, category: 'read', resource_uid: 'm365:exchange:finance-shared@fabrikam-demo.example', src_ip: '198.51.100.77' });
    expect(events.filter((e) => e.operation === 'FileDownloaded').map((e) => e.actor_uid)).toEqual(['azure-app:0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d', 'm365-user:nadia.okafor@fabrikam-demo.example']);
    expect(by('New-InboxRule')).toMatchObject({ actor_type: 'system', is_nhi: true, src_ip: '2001:db8::15' });
    expect(by('UserLoginFailed')).toMatchObject({ status: 'failure', category: 'auth' });
  });

  it('unwraps the Purview CSV export (AuditData as a JSON string) into the same events', async () => {
    const csv = await importOne('purview-audit-export.csv');
    const api = await importOne('ual-management-api.jsonl');
    expect(csv.quarantined).toBe(0);
    expect(csv.events).toEqual(api.events.filter((e) => ['Add service principal credentials', 'New-InboxRule'].includes(e.operation) || (e.operation === 'FileDownloaded' && e.is_nhi)));
  });

  it('reads Sentinel OfficeActivity rows as the unified log, and AuditLogs with JSON-string columns from the portal CSV and the query API alike', async () => {
    const office = await importOne('sentinel-officeactivity.jsonl');
    expect(office.quarantined).toBe(0);
    expect(office.events.map((e) => [e.source, e.operation, e.actor_uid, e.is_nhi])).toEqual([
      ['m365.audit', 'FileDownloaded', 'azure-app:0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d', true],
      ['m365.audit', 'New-InboxRule', 'm365-system:NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)', true],
    ]);
    const portal = await importOne('sentinel-auditlogs.csv');
    const query = await importOne('sentinel-auditlogs-query.json');
    for (const table of [portal, query]) {
      expect(table.quarantined).toBe(0);
      expect(table.events.map((e) => [e.source, e.time, e.operation, e.actor_uid, e.resource_uid])).toEqual([
        ['azure.audit', '2026-03-09T09:02:47', 'Add service principal credentials', `azure-user:${TENANT}/4c7e2a90-3f1b-4d6e-8a2c-5b9d0e1f2a3b`, `azure-object:${TENANT}/6f2b8c4a-1d3e-4f5a-8b7c-9d0e1f2a3b4c`],
        ['azure.audit', '2026-03-10T01:58:02', 'Add member to role', SP, `azure-object:${TENANT}/d3e4f5a6-7b8c-4d9e-8f0a-1b2c3d4e5f60`],
      ]);
    }
  });

  it('makes the app-secret backdoor visible: the new secret, who added it and when, and the sign-in that used it', async () => {
    for (const audit of ['sentinel-auditlogs.csv', 'ual-management-api.jsonl']) {
      const { credentials, identities } = await importOne(audit, 'entra-sp-signin.json');
      // Only the key the change added, not the one it already had.
      expect(credentials.filter((c) => c.kind === 'app_secret'), audit).toEqual([
        expect.objectContaining({ credential_uid: NEW_KEY, owner_uid: SP, created_by: expect.stringMatching(/^(azure-user:.+\/4c7e2a90-|m365-user:nadia\.okafor@)/), events: 1 }),
      ]);
      if (audit.startsWith('ual')) {
        // The unified log names the app by its application id; the sign-in ties it to the service principal.
        expect(identities.find((i) => i.uid === 'azure-app:0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d')).toMatchObject({ is_nhi: true, principal_uid: SP });
      }
    }
  });
});

describe('parser structures', () => {
  it('never hold two keys that differ only in case (DuckDB reads struct fields case-insensitively)', () => {
    const clashes = (structure: object, at: string): string[] => {
      const seen = new Map<string, string>();
      const out: string[] = [];
      for (const [key, value] of Object.entries(structure)) {
        const other = seen.get(key.toLowerCase());
        if (other !== undefined) out.push(`${at}${other} / ${key}`);
        seen.set(key.toLowerCase(), key);
        const inner = Array.isArray(value) ? value[0] : value;
        if (inner && typeof inner === 'object') out.push(...clashes(inner as object, `${at}${key}.`));
      }
      return out;
    };
    expect(clashes(mergeStructures(PARSERS.map((p) => p.probe)), 'probe: ')).toEqual([]);
    for (const p of PARSERS) expect(clashes(p.structure, `${p.id}: `)).toEqual([]);
  });
});

describe('GitHub audit records without an actor', () => {
  it('imports them with the affected user as their subject instead of quarantining them', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'gh.jsonl'), `${JSON.stringify({ '@timestamp': 1771036200000, created_at: 1771036200000, _document_id: 'fp-1', action: 'user.forgot_password', user: 'octo-dev', actor_ip: '192.0.2.80' })}\n`);
    const store = await CaseStore.open(join(dir, 'g.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'gh.jsonl')]);
      expect(await store.read(`SELECT source, actor_uid, operation, resource_uid, resource_type, src_ip FROM events`)).toEqual([
        { source: 'github.audit', actor_uid: null, operation: 'user.forgot_password', resource_uid: 'github:octo-dev', resource_type: 'github:user', src_ip: '192.0.2.80' },
      ]);
      expect(await store.read(`SELECT count(*)::INTEGER AS n FROM quarantine`)).toEqual([{ n: 0 }]);
    } finally {
      store.close();
    }
  });
});
