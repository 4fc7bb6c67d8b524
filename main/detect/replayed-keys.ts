import { networkSql } from '../analytics/networks';

/** A network (/24, /64), not a service name. */
export const IP_NETWORK = (net: string) => `(${net} LIKE '%/24' OR ${net} LIKE '%::/64')`;

/** Private, carrier-grade NAT, loopback and link-local ranges: a network inside someone's estate. */
export const PRIVATE_ADDRESS = (ip: string) =>
  `regexp_matches(coalesce(${ip}, ''), '^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.|127\\.|169\\.254\\.|fd|fc|fe80:|::1$)')`;

/**
 * Temporary credentials (role session keys) used from two or more networks, one of them public:
 * `credential_uid, nets`. The token-replay rule reports them; shared-credential leaves them to it.
 */
export const REPLAYED_KEYS = `(
  SELECT credential_uid, list(DISTINCT ${networkSql('src_ip')} ORDER BY ${networkSql('src_ip')}) AS nets
  FROM events WHERE credential_uid IN (SELECT credential_uid FROM credentials WHERE kind = 'temporary') AND src_ip IS NOT NULL
    AND ${IP_NETWORK(networkSql('src_ip'))}
  GROUP BY credential_uid HAVING count(DISTINCT ${networkSql('src_ip')}) >= 2 AND bool_or(NOT ${PRIVATE_ADDRESS('src_ip')}))`;
