/** The case at a glance, as `nhi info` prints it and the app's case home shows it. */
export interface CaseInfo {
  path: string;
  caseId: string;
  schemaVersion: number;
  createdAt: string;
  evidence: { files: number; archives: number; bytes: number; incomplete: number };
  timeRange: { first: string | null; last: string | null };
  events: number;
  quarantined: number;
  quarantineByReason: { reason: string; count: number }[];
  sources: { source: string; events: number; first: string | null; last: string | null; files: number }[];
  /** Identities by classification (derived after each import). */
  identities: { total: number; machines: number; humans: number; unclassified: number };
  topActors: { actorUid: string; actorType: string | null; isNhi: boolean | null; events: number; failures: number }[];
  imports: number;
}
