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
  bytesOut: number;
  credentials: { credential_uid: string; kind: string; first_seen: string; last_seen: string; events: number; src_ips: string[]; boundaries: string[] }[];
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
  topOperations: { operation: string; events: number }[];
  topResources: { resource_uid: string; events: number; bytes_out: number }[];
  srcIps: { src_ip: string; events: number }[];
  userAgents: { user_agent: string; events: number }[];
  /** Events per weekday (0 = Monday) and hour, over the whole case. */
  heatmap: { weekday: number; hour: number; events: number }[];
}
