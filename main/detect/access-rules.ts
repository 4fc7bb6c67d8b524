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
      'After the baseline window, an identity calls from a network (/24, /64) that neither it, nor the other accounts of its principal, nor (when its own history is short) its peers used during the baseline: high when it used at most 3 networks, low when it hops between more than 8.',
    attack: [{ tactic: 'Initial Access', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    thresholds: { min_active_days: 3, stable_networks: 3 },
    sql: (t) =>
      grouped(
        `WITH win AS (SELECT max(window_start) AS ws, max(window_end) AS we FROM identity_baselines),
         seen AS (
           SELECT actor_uid AS uid, ${networkSql('src_ip')} AS net, time::DATE AS day
           FROM events, win WHERE time >= win.ws AND time < win.we AND time_flag IS NULL AND actor_uid IS NOT NULL AND src_ip IS NOT NULL),
         own AS (SELECT uid, list(DISTINCT net) FILTER (WHERE ${IP_NETWORK('net')}) AS nets, count(DISTINCT day) AS days FROM seen GROUP BY uid),
         fam AS (
           -- The other names of the same principal (a person's Okta, cloud and cluster accounts).
           SELECT a.uid, list_distinct(flatten(list(o.nets))) AS nets
           FROM identity_links a JOIN identity_links b ON b.principal_uid = a.principal_uid AND b.uid <> a.uid JOIN own o ON o.uid = b.uid GROUP BY a.uid),
         peer AS (
           SELECT i.uid, list_distinct(flatten(list(o.nets))) AS nets, count(*) AS peers
           FROM identities i JOIN identities p ON p.uid <> i.uid AND p.observed AND p.actor_type IS NOT DISTINCT FROM i.actor_type
             AND p.is_nhi IS NOT DISTINCT FROM i.is_nhi AND p.boundaries[1] IS NOT DISTINCT FROM i.boundaries[1]
           JOIN own o ON o.uid = p.uid AND o.days >= ${t.min_active_days}
           WHERE i.observed GROUP BY i.uid),
         known AS (
           SELECT i.uid,
             list_distinct(list_concat(coalesce(o.nets, []), coalesce(f.nets, []), CASE WHEN coalesce(o.days, 0) < ${t.min_active_days} THEN coalesce(pe.nets, []) ELSE [] END)) AS nets,
             coalesce(o.days, 0) >= ${t.min_active_days} AS own_history, len(coalesce(o.nets, [])) AS own_nets,
             CASE WHEN coalesce(o.days, 0) >= ${t.min_active_days} THEN 'own' ELSE 'peers' END AS basis
           FROM identities i LEFT JOIN own o ON o.uid = i.uid LEFT JOIN fam f ON f.uid = i.uid LEFT JOIN peer pe ON pe.uid = i.uid
           WHERE coalesce(o.days, 0) >= ${t.min_active_days} OR pe.peers > 0)
         SELECT e.actor_uid AS identity_uid, ${networkSql('e.src_ip')} || '|' || strftime(date_trunc('day', e.time), '%Y-%m-%d') AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, ${networkSql('e.src_ip')} AS net, e.src_ip, e.status,
           k.nets AS usual, k.own_history, k.own_nets, k.basis
         FROM events e JOIN known k ON k.uid = e.actor_uid, win
         WHERE e.time >= win.we AND e.time_flag IS NULL AND e.src_ip IS NOT NULL AND ${IP_NETWORK(networkSql('e.src_ip'))}
           AND NOT list_contains(k.nets, ${networkSql('e.src_ip')})`,
        'true',
        [
          'any_value(net) AS network',
          'list(DISTINCT src_ip ORDER BY src_ip)[1:5] AS addresses',
          'any_value(usual)[1:6] AS usual',
          'bool_and(own_history) AS own_history',
          'max(own_nets) AS own_nets',
          'any_value(basis) AS basis',
          "count(*) FILTER (WHERE status = 'success') AS succeeded",
        ],
      ),
    magnitude: (r) => Number(r.facts.succeeded ?? 0) * 10 + r.event_count,
    // Weighted by how stable its networks were: a new network is news for an identity that used
    // few, and the daily weather for one that hops (CI runners, a fleet behind many NATs).
    severityOf: (r) => {
      if (Number(r.facts.succeeded ?? 0) === 0) return 'low';
      if (r.facts.basis !== 'own') return 'medium';
      const nets = Number(r.facts.own_nets ?? 0);
      return nets <= 3 ? 'high' : nets <= 8 ? 'medium' : 'low';
    },
    explain: (r) =>
      `${r.event_count} call(s) from ${String(r.facts.network)} (${list(r.facts.addresses)}), a network ${r.facts.basis === 'own' ? 'this identity and its other accounts never used' : 'neither this identity nor its peers used'} during the baseline (${list(r.facts.usual) || 'none'}).`,
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
