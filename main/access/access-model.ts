/**
 * The access model in provider-neutral rows, as main/access/derive-access.ts writes them into the
 * case's `access_*` tables. Every row names the snapshot record it was read from.
 */

export interface RecordRef {
  evidenceId: number;
  recordNo: number;
}

export interface PrincipalRow {
  uid: string;
  provider: 'aws' | 'k8s' | 'gcp' | 'azure';
  kind: string;
  name: string;
  scope: string | null;
  createdAt: string | null;
  lastUsedAt: string | null;
  groups: string[];
  boundary: string | null;
  isAdmin: boolean;
  wildcard: boolean;
  granted: number;
  conditional: number;
  used: number;
  unusedSensitive: string[];
  ref: RecordRef;
}

export interface PolicyRow {
  principal: string;
  policy: string;
  via: string;
  document: unknown;
  ref: RecordRef;
}

export interface ServiceRow {
  principal: string;
  service: string;
  granted: number;
  used: number;
  sensitiveGranted: number;
  sensitiveUsed: number;
}

export interface KeyRow {
  keyId: string | null;
  principal: string;
  provider: PrincipalRow['provider'];
  slot: string | null;
  active: boolean | null;
  createdAt: string | null;
  lastRotated: string | null;
  lastUsedAt: string | null;
  lastUsedService: string | null;
  expiresAt: string | null;
  ref: RecordRef;
}

export interface EdgeRow {
  from: string;
  to: string;
  kind: 'assume' | 'escalate' | 'member' | 'bind';
  method: string;
  conditional: boolean;
  explanation: string;
  ref: RecordRef;
}

export interface SnapshotRow {
  ref: RecordRef;
  kind: string;
  scope: string | null;
  notBefore: string | null;
  principals: number;
  problems: string[];
}

export interface AccessFindingRow {
  id: string;
  rule: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  principal: string | null;
  title: string;
  detail: string;
  facts: Record<string, unknown>;
  ref: RecordRef;
}

export interface AccessModel {
  snapshots: SnapshotRow[];
  principals: PrincipalRow[];
  policies: PolicyRow[];
  services: ServiceRow[];
  keys: KeyRow[];
  edges: EdgeRow[];
  findings: AccessFindingRow[];
}

export const emptyModel = (): AccessModel => ({ snapshots: [], principals: [], policies: [], services: [], keys: [], edges: [], findings: [] });

/** A date as written in a snapshot (ISO, or the credential report's N/A / no_information) to ISO, or null. */
export function isoDate(v: unknown): string | null {
  if (typeof v !== 'string' || !v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function latest(dates: readonly (string | null)[]): string | null {
  let best: string | null = null;
  for (const d of dates) if (d && (!best || d > best)) best = d;
  return best;
}
