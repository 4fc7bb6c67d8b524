/** The case at a glance, as `nhi info` prints it and the app's case home shows it. */
export interface CaseInfo {
  path: string;
  caseId: string;
  schemaVersion: number;
  createdAt: string;
  evidence: { files: number; archives: number; bytes: number; incomplete: number };
  /** The span of events with plausible times (see `integrity.implausibleTimes` for the others). */
  timeRange: { first: string | null; last: string | null };
  events: number;
  quarantined: number;
  quarantineByReason: { reason: string; count: number }[];
  sources: { source: string; events: number; first: string | null; last: string | null; files: number }[];
  /** Identities by classification (derived after each import). */
  /**
   * Accounts seen in the logs, by kind; `principals`: the people and workloads known only through
   * several linked accounts (a GitHub workflow, a person across sources), counted apart.
   */
  identities: { total: number; machines: number; humans: number; unclassified: number; principals: number };
  topActors: { actorUid: string; actorType: string | null; isNhi: boolean | null; events: number; failures: number }[];
  imports: number;
  /** What the import had to decide about the evidence, for the analyst to see at a glance. */
  integrity: {
    /** Records not imported because the case holds the same event (same bytes, or another export shape). */
    duplicates: number;
    /** Records that claimed an event id a different record already had: both kept. */
    idCollisions: number;
    /** Events dated before the plausible floor or after their import: kept, flagged, out of baselines. */
    implausibleTimes: number;
    /** Inputs seen but not read: links, pipes, devices, unreadable files. */
    notRead: number;
    failedImports: number;
    interruptedImports: number;
  };
}
