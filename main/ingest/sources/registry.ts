import { awsCloudTrail } from './aws-cloudtrail';
import { k8sAudit } from './k8s-audit';
import { gcpAudit } from './gcp-audit';
import { azureActivity, azureAudit, azureSignin } from './azure';
import { githubAudit } from './github-audit';
import { azureAuditTable, m365Audit } from './microsoft-365';
import { oktaSystem } from './okta-system';
import { type SourceParser, mergeStructures, sqlString } from './source-parser';
import { ocsf } from './ocsf';
import { timesketch } from './timesketch';

/** Every parser, in detection order: the first whose predicate matches a record owns it. */
export const PARSERS: readonly SourceParser[] = [
  awsCloudTrail,
  // Before k8s.audit: GKE's audit entries are Cloud Audit LogEntries.
  gcpAudit,
  k8sAudit,
  azureSignin,
  azureAudit,
  azureAuditTable,
  azureActivity,
  m365Audit,
  oktaSystem,
  githubAudit,
  ocsf,
  // Generic shapes last: a timeline row may carry any other source's fields.
  timesketch,
];

/** The fields every parser's detection reads, as one json_transform structure literal. */
export function probeStructure(parsers: readonly Pick<SourceParser, 'probe'>[]): string {
  return sqlString(JSON.stringify(mergeStructures(parsers.map((p) => p.probe))));
}

export function parserById(id: string): SourceParser | undefined {
  return PARSERS.find((p) => p.id === id);
}
