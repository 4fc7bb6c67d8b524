/**
 * Where a call came from and with what, coarsened the way an analyst compares them: two addresses
 * of one /24 (IPv4) or /64 (IPv6) are one network; two versions of one SDK or CLI are one client.
 * A credential seen from two networks or two kinds of client is worth a look; one that only moved
 * to the next address of its subnet, or upgraded its CLI, is not.
 */

/** The network of an address: `a.b.c.0/24`, `x:x:x:x::/64`, or a service name (ec2.amazonaws.com) as itself. */
export const networkSql = (ip: string) => `(CASE
    WHEN ${ip} IS NULL OR ${ip} = '' THEN NULL
    WHEN regexp_full_match(${ip}, '[0-9]{1,3}(\\.[0-9]{1,3}){3}') THEN regexp_extract(${ip}, '^([0-9]+\\.[0-9]+\\.[0-9]+)\\.', 1) || '.0/24'
    WHEN ${ip} LIKE '%::%' THEN lower(array_to_string(list_concat(list_filter(string_split(split_part(${ip}, '::', 1), ':'), x -> x <> ''), ['0', '0', '0', '0'])[1:4], ':')) || '::/64'
    WHEN regexp_full_match(${ip}, '[0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){7}') THEN lower(array_to_string(string_split(${ip}, ':')[1:4], ':')) || '::/64'
    ELSE lower(${ip}) END)`;

/** The kind of client: the first product name of the user agent (`aws-cli`, `boto3`, `mozilla`, `kubectl`), without versions. */
export const clientFamilySql = (ua: string) =>
  `(CASE WHEN ${ua} IS NULL OR ${ua} = '' THEN NULL
     ELSE lower(coalesce(nullif(regexp_extract(${ua}, '^\\[?\\s*([A-Za-z][A-Za-z0-9._-]*)', 1), ''), regexp_replace(${ua}, '[0-9.]+', '', 'g'))) END)`;
