/**
 * Trust boundaries as SQL. A boundary is an AWS account (12 digits), a GCP project
 * (`projects/…`), an Azure subscription or tenant, a Kubernetes cluster or one of its namespaces
 * (`k8s://cluster/ns`), a GitHub org (`github-org:…`), and so on.
 *
 * "Outside the case" means: a boundary of a kind the case's identities live in, whose root (a
 * namespace's cluster) none of them lives in. A namespace of a known cluster is inside; an Azure
 * subscription, when identities only name their tenant, cannot be judged and is not outside.
 */

/** The account-like part: a namespace belongs to its cluster. */
export const boundaryRoot = (b: string) => `(CASE WHEN ${b} LIKE 'k8s://%' THEN regexp_extract(${b}, '^(k8s://[^/]+)', 1) ELSE ${b} END)`;

/** What kind of boundary it is: aws, k8s, projects, subscriptions, tenants, github-org… */
export const boundaryKind = (b: string) =>
  `(CASE WHEN regexp_full_match(${b}, '[0-9]{12}') THEN 'aws' WHEN ${b} LIKE 'k8s://%' THEN 'k8s'
     ELSE coalesce(nullif(regexp_extract(${b}, '^([A-Za-z-]+)[:/]', 1), ''), 'other') END)`;

const IDENTITY_BOUNDARIES = `(SELECT DISTINCT unnest(boundaries) AS x FROM identities)`;

/** SQL predicate: `b` is a boundary no identity of the case belongs to (see above). */
export const isOutside = (b: string) =>
  `(${b} IS NOT NULL AND ${boundaryKind(b)} IN (SELECT ${boundaryKind('x')} FROM ${IDENTITY_BOUNDARIES})
    AND ${boundaryRoot(b)} NOT IN (SELECT ${boundaryRoot('x')} FROM ${IDENTITY_BOUNDARIES}))`;
