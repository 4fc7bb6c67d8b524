/**
 * Granted beside used, for one identity: what its permission snapshots grant it, what it did in
 * the case, what it never used, a least-privilege policy from that use, its keys, and its blast
 * radius (who it can become, step by step, and what that could reach beside what it did reach).
 * Every fact names the snapshot record (evidence id, record number) it was read from.
 */

export interface RecordCite {
  evidenceId: number;
  recordNo: number;
  /** SHA-256 of the record as imported (hex). */
  sha256: string;
  path: string | null;
}

export interface AccessPrincipal {
  uid: string;
  provider: string;
  kind: string;
  name: string;
  scope: string | null;
  createdAt: string | null;
  lastUsedAt: string | null;
  isAdmin: boolean;
  wildcard: boolean;
  granted: number;
  conditional: number;
  used: number;
  boundary: string | null;
  groups: string[];
  cite: RecordCite;
}

export interface AccessServiceLine {
  service: string;
  granted: number;
  used: number;
  sensitiveGranted: number;
  sensitiveUsed: number;
}

export interface AccessPolicyLine {
  policy: string;
  via: string;
  document: unknown;
  cite: RecordCite;
}

export interface AccessStep {
  from: string;
  to: string;
  kind: string;
  method: string;
  conditional: boolean;
  explanation: string;
  cite: RecordCite;
}

export interface AccessReach {
  uid: string;
  name: string;
  isAdmin: boolean;
  path: AccessStep[];
  /** Actions this principal holds on every resource ("*"), or the resource patterns it holds them on. */
  resources: { pattern: string; actions: string[] }[];
}

export interface AccessKey {
  keyId: string | null;
  slot: string | null;
  active: boolean | null;
  lastRotated: string | null;
  lastUsedAt: string | null;
  lastUsedService: string | null;
  ageDays: number | null;
  cite: RecordCite;
}

export interface AccessFinding {
  findingId: string;
  rule: string;
  severity: string;
  principalUid: string | null;
  title: string;
  detail: string;
  cite: RecordCite;
}

export interface IdentityAccess {
  /** The identity asked for, and the principal of the snapshot that holds its permissions. */
  uid: string;
  principal: AccessPrincipal | null;
  /** Why there is nothing to show (no snapshot of its account or cluster), when there is not. */
  missing: string | null;
  services: AccessServiceLine[];
  policies: AccessPolicyLine[];
  /** Actions granted (with whether the case saw each used), unused ones apart. */
  grantedActions: { action: string; used: number; sensitive: boolean; conditional: boolean }[];
  unused: string[];
  /** Used in the case but granted by no policy in the snapshot (changed since, or granted elsewhere). */
  usedNotGranted: string[];
  /** A policy allowing only what was used, on what it was used on. */
  suggestedPolicy: unknown;
  keys: AccessKey[];
  reach: AccessReach[];
  /** Resources the case saw this identity (and the sessions it started) act on. */
  didReach: { resource: string; calls: number }[];
  /** Resources of the case that it (or who it can become) could have reached, beside those it did. */
  couldReach: { resource: string; via: string; actions: string[] }[];
  summary: string;
  findings: AccessFinding[];
  catalog: { name: string; version: string; updatedAt: string } | null;
}
