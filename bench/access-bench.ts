/**
 * `npm run bench:access [-- --roles N --policies N --seed S]`
 *
 * A generated estate of 5,000 roles and 20,000 customer managed policies (two accounts) with
 * CloudTrail records of what a few hundred of them did: times its import (the snapshot records
 * hashed and kept), the derivation of the access model (grants, trust, escalation, findings),
 * `nhi access` for a few identities and verify's re-derivation, against the floor of the same
 * work in the same process: reading and JSON-parsing the snapshot files.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeEstate } from '../fixtures/eval/access-eval';
import { deriveAccess } from '../main/access/derive-access';
import { identityAccess } from '../main/access/identity-access';
import { recheckAccess } from '../main/access/recheck-access';
import { actionCatalog } from '../main/access/aws-actions';
import { CaseStore } from '../main/case-store/case-store';
import { importBundles } from '../main/ingest/importer';

const { values } = parseArgs({ options: { roles: { type: 'string', default: '5000' }, policies: { type: 'string', default: '20000' }, seed: { type: 'string', default: '42' } } });
const roles = Number(values.roles);
const policies = Number(values.policies);
const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.bench', `estate-${roles}-${policies}-${values.seed}`);
rmSync(dir, { recursive: true, force: true });
let t = performance.now();
const truth = await writeEstate(join(dir, 'bundle'), { seed: Number(values.seed), roles, policies, users: 20, actors: 400 });
const generated = performance.now() - t;
const files = readdirSync(join(dir, 'bundle')).map((f) => join(dir, 'bundle', f));
const snapshotBytes = files.filter((f) => f.includes('authorization-details')).reduce((n, f) => n + statSync(f).size, 0);
const ms = (x: number) => `${x.toFixed(0).padStart(7)} ms`;
console.log(`estate: ${truth.principals.length.toLocaleString('en-US')} principals, ${policies.toLocaleString('en-US')} policies, snapshots ${(snapshotBytes / 1e6).toFixed(1)} MB (generated in ${ms(generated).trim()})`);

// The floor: read and parse the snapshot files, nothing else.
t = performance.now();
for (const f of files.filter((x) => x.includes('authorization-details'))) JSON.parse(readFileSync(f, 'utf8'));
const floor = performance.now() - t;
t = performance.now();
await actionCatalog();
const catalogMs = performance.now() - t;

const casePath = join(dir, 'case.duckdb');
const store = await CaseStore.open(casePath, { create: true });
t = performance.now();
const report = await importBundles(store, [join(dir, 'bundle')]);
const importMs = performance.now() - t;
t = performance.now();
const derived = await deriveAccess(store);
const deriveMs = performance.now() - t;
const lookups: [string, number][] = [];
for (const uid of ['arn:aws:iam::123456789012:role/etl-scheduler', 'arn:aws:iam::123456789012:user/batch-runner', truth.principals.find((p) => p.used.length)!.arn]) {
  t = performance.now();
  await identityAccess(store, uid);
  lookups.push([uid.split(':').pop()!, performance.now() - t]);
}
t = performance.now();
const recheck = await recheckAccess(store);
const recheckMs = performance.now() - t;
store.close();

console.log(`import (${report.totals.records.toLocaleString('en-US')} records, the access model derived at its end): ${ms(importMs)}`);
console.log(`floor: JSON.parse of the snapshot files:                ${ms(floor)}`);
console.log(`action catalogue load (once per process):               ${ms(catalogMs)}`);
console.log(`derive the access model again: ${derived.principals.toLocaleString('en-US')} principals, ${derived.edges.toLocaleString('en-US')} edges, ${derived.findings.toLocaleString('en-US')} findings: ${ms(deriveMs)} = ${(deriveMs / floor).toFixed(1)}× the floor`);
for (const [name, x] of lookups) console.log(`nhi access ${name.padEnd(40)} ${ms(x)}`);
console.log(`verify: access model re-derived and compared (${recheck.checked.toLocaleString('en-US')} rows, ${recheck.problems.length} problems): ${ms(recheckMs)}`);
