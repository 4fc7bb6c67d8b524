/** Everything the `identity` view and command show about one identity. */
export interface IdentityProfile {
  uid: string;
  display: string | null;
  type: string;
  isNhi: boolean | null;
  confidence: number;
  overridden: boolean;
  reasons: { rule: string; verdict: string; type: string | null; weight: number; detail: string }[];
  sources: string[];
  boundaries: string[];
  firstSeen: string;
  lastSeen: string;
  lastSuccess: string | null;
  events: number;
  failures: number;
  /** Bytes read (out of resources) and written (into resources), apart: a copy is both, and moved once. */
  bytesOut: number;
  bytesIn: number;
  /** False for a principal known only through its linked accounts (a workflow, a person across sources). */
  observed: boolean;
  /** The principal this account belongs to (the Kubernetes workload, the GitHub workflow, the person), and why. */
  principal: { uid: string; kind: string; reason: string; origin: string } | null;
  /** The other names of the same principal: its accounts when this is the principal, else its siblings. */
  linkedAccounts: { uid: string; kind: string; reason: string; origin: string; events: number; isNhi: boolean | null; type: string | null }[];
  credentials: {
    credential_uid: string;
    kind: string;
    first_seen: string;
    last_seen: string;
    events: number;
    src_ips: string[];
    boundaries: string[];
    /** Who created it and when, when the case saw the creating call (the key is in its response only). */
    created_by: string | null;
    created_at: string | null;
  }[];
  credentialCount: number;
  /** Sessions of this identity (as a role) and sessions it issued to others, newest first. */
  sessions: { session_uid: string | null; credential_uid: string | null; role_uid: string | null; assumed_by: string; via: string; assumed_at: string; src_ip: string | null; events: number }[];
  sessionCount: number;
  baseline: null | {
    windowStart: string;
    windowEnd: string;
    activeDays: number;
    /** Active days per hour of day (UTC), and the hours that count as usual. */
    hours: number[];
    usualHours: number[];
    operations: string[];
    resources: string[];
    srcIps: string[];
    userAgents: string[];
    dailyEventsMedian: number | null;
    dailyEventsP95: number | null;
    dailyBytesMedian: number | null;
    dailyBytesP95: number | null;
  };
  /** Activity after the baseline window in hours that are not usual for this identity. */
  unusualHours: { day: string; hour: number; events: number; bytes_out: number }[];
  /** `newSinceBaseline`: first seen after the baseline window (false when there is no baseline). */
  topOperations: { operation: string; events: number; newSinceBaseline: boolean }[];
  /** Resources rolled up to their bucket or container, outside boundaries first, with true totals. */
  topResources: { resource_uid: string; boundary: string | null; outside: boolean; events: number; bytes_out: number; bytes_in: number; newSinceBaseline: boolean }[];
  srcIps: { src_ip: string; events: number; newSinceBaseline: boolean }[];
  userAgents: { user_agent: string; events: number; newSinceBaseline: boolean }[];
  /** Events and failures per day over the whole case (days without events are absent). */
  daily: { day: string; events: number; failures: number }[];
  /** Events per weekday (0 = Monday) and hour, over the whole case. */
  heatmap: { weekday: number; hour: number; events: number }[];
}
