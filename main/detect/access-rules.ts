import { networkSql } from '../analytics/networks';
import { type BuiltinRule, grouped, list } from './builtin-rules';
import { IP_NETWORK, REPLAYED_KEYS } from './replayed-keys';

/**
 * The way in: a credential used from where its identity never works, one session key used from
 * two networks. "Where" is the network (/24 or /64) of the caller's address; service names
 * (ec2.amazonaws.com, AWS Internal) are not networks and are left out.
 */

export const ACCESS_RULES: BuiltinRule[] = [
  {
    id: 'new-network',
    title: 'Identity used from a network it never uses',
    severity: 'medium',
    description:
      'An identity calls from a network (/24, /64) that neither it nor the other accounts of its principal had used before, after at least 3 active days of its own (or, with less history, that none of its peers had used): high when it had kept to at most 3 networks; nothing for identities that pick up a new network on half their days or more (CI runners).',
    attack: [{ tactic: 'Initial Access', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    thresholds: { min_active_days: 3 },
    // History before each first use, not a baseline window: an intrusion the day before the
    // case ends is inside any window that ends at its last day.
    sql: (t) =>
      grouped(
        `WITH ev AS (
           SELECT actor_uid AS uid, ${networkSql('src_ip')} AS net, time, time::DATE AS day FROM events
           WHERE actor_uid IS NOT NULL AND src_ip IS NOT NULL AND time_flag IS NULL AND ${IP_NETWORK(networkSql('src_ip'))}),
         active AS (SELECT DISTINCT actor_uid AS uid, time::DATE AS day FROM events WHERE actor_uid IS NOT NULL AND time_flag IS NULL),
         first_use AS (SELECT uid, net, min(time) AS first_at FROM ev GROUP BY uid, net),
         family AS (SELECT a.uid, b.uid AS other FROM identity_links a JOIN identity_links b ON b.principal_uid = a.principal_uid AND b.uid <> a.uid),
         peers AS (
           SELECT i.uid, p.uid AS other FROM identities i JOIN identities p ON p.uid <> i.uid AND p.observed AND p.actor_type IS NOT DISTINCT FROM i.actor_type
             AND p.is_nhi IS NOT DISTINCT FROM i.is_nhi AND p.boundaries[1] IS NOT DISTINCT FROM i.boundaries[1]
           WHERE i.observed),
         judged AS (
           SELECT f.uid, f.net, f.first_at,
             (SELECT count(*) FROM active a WHERE a.uid = f.uid AND a.day < f.first_at::DATE) AS own_days,
             (SELECT count(DISTINCT o.net) FROM first_use o WHERE o.uid = f.uid AND o.first_at < f.first_at) AS own_nets,
             EXISTS (SELECT 1 FROM family fa JOIN first_use o ON o.uid = fa.other WHERE fa.uid = f.uid AND o.net = f.net AND o.first_at < f.first_at) AS family_knew,
             (SELECT count(DISTINCT pe.other) FROM peers pe WHERE pe.uid = f.uid
                AND (SELECT count(*) FROM active a WHERE a.uid = pe.other AND a.day < f.first_at::DATE) >= ${t.min_active_days}) AS peers_with_history,
             EXISTS (SELECT 1 FROM peers pe JOIN first_use o ON o.uid = pe.other WHERE pe.uid = f.uid AND o.net = f.net AND o.first_at < f.first_at) AS peers_knew,
             (SELECT list(DISTINCT o.net) FROM first_use o WHERE o.uid = f.uid AND o.first_at < f.first_at)[1:6] AS usual
           FROM first_use f),
         news AS (
           SELECT *, CASE WHEN own_days >= ${t.min_active_days} THEN 'own' ELSE 'peers' END AS basis FROM judged
           WHERE NOT family_knew AND (own_days >= ${t.min_active_days} OR (peers_with_history > 0 AND NOT peers_knew))
             -- An identity that picks up a new network on half its days or more (CI runners) is
             -- not news when it does it again: no finding at all, not a low one a day.
             AND NOT (own_days >= ${t.min_active_days} AND own_nets >= 0.5 * own_days))
         SELECT e.actor_uid AS identity_uid, n.net || '|' || strftime(n.first_at, '%Y-%m-%d %H') AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, n.net, e.src_ip, e.status, n.usual, n.own_nets, n.own_days, n.basis
         FROM news n JOIN events e ON e.actor_uid = n.uid AND ${networkSql('e.src_ip')} = n.net
           AND e.time >= n.first_at AND e.time < n.first_at + INTERVAL 1 DAY`,
        'true',
        [
          'any_value(net) AS network',
          'list(DISTINCT src_ip ORDER BY src_ip)[1:5] AS addresses',
          'any_value(usual) AS usual',
          'max(own_nets) AS own_nets',
          'max(own_days) AS own_days',
          'any_value(basis) AS basis',
          "count(*) FILTER (WHERE status = 'success') AS succeeded",
        ],
      ),
    magnitude: (r) => Number(r.facts.succeeded ?? 0) * 10 + r.event_count,
    // Weighted by how stable its networks were: a new network is news for an identity that used
    // few, and the daily weather for one that hops (CI runners, a fleet behind many NATs).
    // Stability is how often it picked up a network it had not used (hoppers are left out above).
    severityOf: (r) => {
      if (Number(r.facts.succeeded ?? 0) === 0) return 'low';
      if (r.facts.basis !== 'own') return 'medium';
      const nets = Number(r.facts.own_nets ?? 0);
      const rate = nets / Math.max(1, Number(r.facts.own_days ?? 1));
      return nets > 8 ? 'low' : rate <= 0.25 && nets <= 3 ? 'high' : 'medium';
    },
    explain: (r) =>
      `${r.event_count} call(s) from ${String(r.facts.network)} (${list(r.facts.addresses)}), a network ${r.facts.basis === 'own' ? 'this identity and its other accounts had never used' : 'neither this identity (too little history of its own) nor its peers had used'} before (it had used ${list(r.facts.usual) || 'none'}).`,
  },
  {
    id: 'new-federated-subject',
    title: 'Role assumed by a federated subject it never had',
    severity: 'medium',
    description:
      'A role assumed through web identity, SAML or workload identity federation by a subject (a repository and ref, a SAML user, a workload) it had not been assumed by before, after 3 days of such assumptions: high when even the repository is new.',
    attack: [{ tactic: 'Initial Access', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    thresholds: { min_active_days: 3 },
    sql: (t) =>
      grouped(
        `WITH fed AS (
           SELECT role_uid, coalesce(subject, assumed_by) AS subj, assumed_at, assume_event_uid FROM sessions
           WHERE via IN ('AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'WorkloadIdentityFederation') AND role_uid IS NOT NULL),
         first_use AS (SELECT role_uid, subj, min(assumed_at) AS first_at FROM fed GROUP BY ALL),
         news AS (
           SELECT f.*,
             (SELECT count(DISTINCT x.assumed_at::DATE) FROM fed x WHERE x.role_uid = f.role_uid AND x.assumed_at::DATE < f.first_at::DATE) AS days,
             (SELECT list(DISTINCT x.subj) FROM fed x WHERE x.role_uid = f.role_uid AND x.assumed_at < f.first_at)[1:4] AS known,
             NOT EXISTS (SELECT 1 FROM fed x WHERE x.role_uid = f.role_uid AND x.assumed_at < f.first_at
               AND regexp_extract(x.subj, 'repo:([^:]+):', 1) = regexp_extract(f.subj, 'repo:([^:]+):', 1) AND regexp_extract(f.subj, 'repo:([^:]+):', 1) <> '') AS new_repo
           FROM first_use f)
         SELECT n.role_uid AS identity_uid, n.subj || '|' || strftime(n.first_at, '%Y-%m-%d') AS grp, e.event_uid, e.source, e.time,
           0 AS bytes_in, 0 AS bytes_out, n.subj, n.known, n.new_repo
         FROM news n JOIN fed x ON x.role_uid = n.role_uid AND x.subj = n.subj AND x.assumed_at < n.first_at + INTERVAL 1 DAY
           JOIN events e ON e.event_uid = x.assume_event_uid
         WHERE n.days >= ${t.min_active_days}`,
        'true',
        ['any_value(subj) AS subject', 'any_value(known) AS known', 'bool_or(new_repo) AS new_repo'],
      ),
    magnitude: (r) => r.event_count,
    severityOf: (r) => (r.facts.new_repo ? 'high' : 'medium'),
    explain: (r) =>
      `Assumed ${r.event_count} time(s) by ${String(r.facts.subject)}, a subject this role had never been assumed by${r.facts.new_repo ? ' (not even from that repository)' : ''}; before, by ${list(r.facts.known)}.`,
  },
  {
    id: 'token-replay',
    title: 'Session key used from two networks',
    severity: 'high',
    description: 'One temporary credential (a role session key) used from two networks, at least one of them public: a key lifted from where it was issued and replayed elsewhere.',
    attack: [{ tactic: 'Defense Evasion', technique: 'T1550.001', name: 'Use Alternate Authentication Material: Application Access Token' }],
    thresholds: {},
    sql: () =>
      grouped(
        `WITH nets AS ${REPLAYED_KEYS}
         SELECT coalesce(c.owner_uid, e.actor_uid) AS identity_uid, e.credential_uid AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, e.credential_uid, n.nets, e.session_uid
         FROM events e JOIN nets n USING (credential_uid) LEFT JOIN credentials c USING (credential_uid)`,
        'true',
        ['any_value(credential_uid) AS credential', 'any_value(nets) AS networks', 'any_value(session_uid) AS session'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) =>
      `Session key ${String(r.facts.credential)}${r.facts.session ? ` (${String(r.facts.session)})` : ''} was used from ${(r.facts.networks as unknown[]).length} networks: ${list(r.facts.networks)}.`,
  },
];
