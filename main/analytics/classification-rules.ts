/**
 * How an actor is told human or machine: rules as data. Each rule is a SQL predicate over one
 * row of identity facts (see FACTS in derive.ts: `f.uid`, `f.console_mfa`, `f.via_github`, …),
 * a verdict, an identity type, a weight and a detail text (SQL) that says what was seen.
 *
 * Every rule that matches is kept as a reason; the heaviest decides, so one strong signal (an
 * AWS service principal, a `[bot]` suffix) outweighs weak ones (a browser user agent) and the
 * analyst sees both. Adding a signal is adding a row here.
 */

export const IDENTITY_TYPES = ['human', 'service_account', 'role', 'access_key', 'workload', 'ci_pipeline', 'bot', 'app', 'unknown'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

export interface ClassificationRule {
  id: string;
  verdict: 'machine' | 'human';
  type: IdentityType;
  /** 0–1: how sure this signal alone makes us. */
  weight: number;
  /** SQL for the type when it depends on the facts; `type` otherwise. */
  typeSql?: string;
  when: string;
  detail: string;
}

const SCRIPT_UA = `'(aws-cli|aws-sdk|boto|botocore|Boto3|Go-http-client|python-requests|curl/|terraform|kubectl|google-api|gcloud|okhttp|Apache-HttpClient|axios|node-fetch|PowerShell|azure-sdk|Azure-SDK|configure-aws-credentials)'`;

/** A GitHub Actions OIDC subject as a caller, on any host or side (AWS web identity, GCP WIF, a cluster's OIDC user). */
export const GITHUB_OIDC_ACTOR = `'(^web-identity:[^:]*(githubusercontent\\.com|/_services/token):|^https://[^#]*(githubusercontent\\.com|/_services/token)#|/subject/)repo:[^:/]+/[^:]+:'`;
const GITHUB_OIDC = GITHUB_OIDC_ACTOR;
/** Server and container contexts: cloud kernels, server distributions, in-cluster clients. */
export const SERVER_USER_AGENT_PATTERN = `'(amzn2|\\.amzn[0-9]|exe/x86_64\\.amzn|\\.el[789]|(Linux/|os/linux#)[0-9][^ ]*-(aws|azure|gcp)\\b|bottlerocket|OpenJDK|kube-controller|kube-scheduler|kubelet|controller-manager|/system:serviceaccount:|Go-http-client|cloud-sdk-go|Linux/[0-9.]+-[0-9]+-(generic|cloud|virtual))'`;
export const BROWSER_USER_AGENT_PATTERN = `'^(Mozilla/|AWS Internal|(console|signin)(\\.[a-z0-9-]+)?\\.amazonaws\\.com|[A-Za-z0-9]+ConsoleFrontend)'`;
/** A Kubernetes client program on Linux that is not an interactive tool (client-go's `<name>/<version> (linux/<arch>) kubernetes/<commit>`). */
export const K8S_PROGRAM_PATTERN = `'^[A-Za-z0-9._-]+/[^ ]+ \\(linux/[a-z0-9]+\\) kubernetes/'`;
export const K8S_INTERACTIVE_PATTERN = `'^(kubectl|kubectl\\.exe|k9s|helm|lens|oc|kubectx|kubens)/'`;
/** A role session name a person picked (an email, first.last, FirstLast) rather than an SDK's or a service's default. */
export const HUMAN_SESSION_NAME_PATTERN = `'^([^@/]+@[^@/]+\\.[A-Za-z]{2,}|[a-z]+[._-][a-z]+|[A-Z][a-z]+[A-Z][a-z]+)$'`;

export const CLASSIFICATION_RULES: readonly ClassificationRule[] = [
  {
    id: 'aws_service_principal',
    verdict: 'machine',
    type: 'app',
    weight: 1,
    when: `f.uid LIKE 'aws-service:%'`,
    detail: `'AWS service principal ' || substr(f.uid, 13)`,
  },
  {
    id: 'source_says_machine',
    verdict: 'machine',
    type: 'service_account',
    typeSql: `CASE WHEN f.actor_type IN ('bot', 'app', 'workload') THEN f.actor_type WHEN f.actor_type = 'aws_service' THEN 'app' WHEN f.actor_type IN ('service_principal', 'managed_identity') THEN 'app' ELSE 'service_account' END`,
    weight: 0.95,
    when: `f.source_machine`,
    detail: `'the log names it a machine identity (' || coalesce(f.actor_type, '?') || ')'`,
  },
  {
    id: 'bot_suffix',
    verdict: 'machine',
    type: 'bot',
    weight: 0.95,
    when: `f.uid LIKE '%[bot]' OR f.display LIKE '%[bot]'`,
    detail: `'name ends in [bot]'`,
  },
  {
    id: 'kubernetes_service_account',
    verdict: 'machine',
    type: 'service_account',
    weight: 0.95,
    when: `f.uid LIKE 'system:serviceaccount:%' OR f.display LIKE 'system:serviceaccount:%' OR f.uid LIKE 'k8s-sa:%'`,
    detail: `'Kubernetes service account (system:serviceaccount: prefix)'`,
  },
  {
    id: 'gcp_service_account',
    verdict: 'machine',
    type: 'service_account',
    weight: 0.95,
    when: `f.uid LIKE '%.gserviceaccount.com' OR f.display LIKE '%.gserviceaccount.com'`,
    detail: `'Google service account (' || f.display || ')'`,
  },
  {
    id: 'github_actions_oidc_subject',
    verdict: 'machine',
    type: 'ci_pipeline',
    weight: 0.96,
    // Any host: github.com's token.actions.githubusercontent.com, GitHub Enterprise Server's <host>/_services/token, a GCP WIF principal.
    when: `regexp_matches(f.uid, ${GITHUB_OIDC})`,
    detail: `'GitHub Actions OIDC subject ' || regexp_extract(f.uid, '(repo:.*)$', 1)`,
  },
  {
    id: 'federated_kubernetes_workload',
    verdict: 'machine',
    type: 'workload',
    weight: 0.97,
    when: `f.uid LIKE 'web-identity:%:system:serviceaccount:%' OR regexp_matches(f.uid, '\\.svc\\.id\\.goog(\\[|/subject/ns/)')`,
    detail: `'a Kubernetes service account federated into the cloud (' || regexp_extract(f.uid, '(system:serviceaccount:.+|[^/]+\\.svc\\.id\\.goog.*)$', 1) || ')'`,
  },
  {
    id: 'federated_workload_principal',
    verdict: 'machine',
    type: 'workload',
    weight: 0.85,
    when: `f.uid LIKE 'principal://%' OR f.uid LIKE 'principalSet://%' OR f.uid LIKE 'web-identity:%'`,
    detail: `'a federated workload identity (' || f.uid || ')'`,
  },
  {
    id: 'linked_workload',
    verdict: 'machine',
    type: 'workload',
    weight: 0.9,
    when: `f.link_kind IN ('same_workload', 'same_workflow')`,
    detail: `'the same ' || CASE WHEN f.link_kind = 'same_workflow' THEN 'CI workflow' ELSE 'workload' END || ' as ' || f.linked_to`,
  },
  {
    id: 'role_assumed_by_github_actions',
    verdict: 'machine',
    type: 'ci_pipeline',
    weight: 0.9,
    when: `f.via_github > 0`,
    detail: `'sessions issued by AssumeRoleWithWebIdentity to GitHub Actions workflows (' || f.via_github || ' times)'`,
  },
  {
    id: 'role_assumed_by_kubernetes_workload',
    verdict: 'machine',
    type: 'workload',
    weight: 0.9,
    when: `f.via_k8s > 0`,
    detail: `'sessions issued by AssumeRoleWithWebIdentity to a Kubernetes service account (' || f.via_k8s || ' times)'`,
  },
  {
    id: 'role_assumed_by_aws_service',
    verdict: 'machine',
    type: 'workload',
    weight: 0.9,
    when: `f.via_service > 0 AND f.via_service >= f.via_people`,
    detail: `'sessions issued by ' || f.via_service_names || ' (' || f.via_service || ' times): an instance or function role'`,
  },
  {
    id: 'identity_center_permission_set',
    verdict: 'human',
    type: 'human',
    weight: 0.85,
    when: `f.uid LIKE '%:role/aws-reserved/sso.amazonaws.com/%' OR f.uid LIKE '%:role/AWSReservedSSO\\_%' ESCAPE '\\'`,
    detail: `'Identity Center permission-set role: its sessions are people signing in'`,
  },
  {
    id: 'identity_center_user',
    verdict: 'human',
    type: 'human',
    weight: 0.85,
    when: `f.uid LIKE 'aws-identity-center:%'`,
    detail: `'Identity Center user'`,
  },
  {
    id: 'console_sign_in_with_mfa',
    verdict: 'human',
    type: 'human',
    weight: 0.85,
    when: `f.console_mfa > 0`,
    detail: `'console sign-in with MFA (' || f.console_mfa || ' times)'`,
  },
  {
    id: 'saml_sign_in',
    verdict: 'human',
    type: 'human',
    weight: 0.8,
    when: `f.uid LIKE 'saml:%'`,
    detail: `'SAML sign-in of ' || coalesce(f.display, f.uid)`,
  },
  {
    id: 'role_assumed_by_people',
    verdict: 'human',
    type: 'human',
    weight: 0.75,
    when: `f.via_people > 0 AND f.via_people > f.via_service AND f.via_github = 0`,
    detail: `'sessions issued by AssumeRoleWithSAML or to people (' || f.via_people || ' times)'`,
  },
  {
    id: 'long_term_key_from_scripts',
    verdict: 'machine',
    type: 'service_account',
    weight: 0.8,
    when: `f.actor_type = 'iam_user' AND f.long_term_keys > 0 AND f.console_logins = 0 AND f.script_share >= 0.9 AND f.workstation_share < 0.5`,
    detail: `'long-term AKIA key used only from scripts (' || coalesce(f.top_user_agent, '?') || '), never the console'`,
  },
  {
    id: 'console_sign_in',
    verdict: 'human',
    type: 'human',
    weight: 0.7,
    when: `f.console_logins > 0 AND f.console_mfa = 0`,
    detail: `'console sign-in without MFA (' || f.console_logins || ' times)'`,
  },
  {
    id: 'linked_to_person',
    verdict: 'human',
    type: 'human',
    weight: 0.8,
    when: `f.link_kind = 'same_person' OR (f.link_kind = 'analyst' AND f.linked_to LIKE 'person:%')`,
    detail: `'an account of ' || substr(f.linked_to, 8) || ', who signs in elsewhere too'`,
  },
  {
    id: 'okta_user',
    verdict: 'human',
    type: 'human',
    weight: 0.7,
    when: `f.actor_type = 'user' AND list_contains(f.sources, 'okta.system')`,
    detail: `'an Okta user (Okta tells users from system principals and apps)'`,
  },
  {
    id: 'github_user',
    verdict: 'human',
    type: 'human',
    weight: 0.6,
    when: `f.actor_type = 'user' AND list_contains(f.sources, 'github.audit')`,
    detail: `'a GitHub user account (not a bot or an app)'`,
  },
  {
    id: 'root_user',
    verdict: 'human',
    type: 'human',
    weight: 0.6,
    when: `f.actor_type = 'root'`,
    detail: `'the account root user: a person holding the account password'`,
  },
  {
    id: 'browser_user_agent',
    verdict: 'human',
    type: 'human',
    weight: 0.6,
    when: `f.browser_share >= 0.5`,
    detail: `round(100 * f.browser_share) || '% of calls from a browser or the console'`,
  },
  {
    id: 'cli_from_workstation',
    verdict: 'human',
    type: 'human',
    weight: 0.62,
    when: `f.workstation_share >= 0.5`,
    detail: `'tools run from a macOS or Windows workstation (' || coalesce(f.top_user_agent, '?') || ')'`,
  },
  {
    id: 'email_shaped_name',
    verdict: 'human',
    type: 'human',
    weight: 0.55,
    when: `f.email_shaped AND f.server_share < 0.5`,
    detail: `'an email-shaped name (' || coalesce(f.display, f.uid) || ')'`,
  },
  {
    id: 'signs_in_where_people_do',
    verdict: 'human',
    type: 'human',
    weight: 0.45,
    when: `f.signin_ip_share >= 0.5 AND f.server_share < 0.5`,
    detail: `round(100 * f.signin_ip_share) || '% of calls from addresses where people signed in'`,
  },
  {
    id: 'person_session_name',
    verdict: 'human',
    type: 'human',
    weight: 0.52,
    when: `f.human_session_share >= 0.5 AND f.via_github = 0 AND f.via_k8s = 0 AND f.via_service = 0`,
    detail: `'sessions named like a person (' || coalesce(f.top_session_name, '?') || ')'`,
  },
  {
    id: 'fixed_schedule',
    verdict: 'machine',
    type: 'service_account',
    weight: 0.6,
    when: `f.events >= 5 AND f.active_days >= 3 AND f.top_minute_share >= 0.6`,
    detail: `round(100 * f.top_minute_share) || '% of calls at minute :' || lpad(f.top_minute::VARCHAR, 2, '0') || ' of the hour, on ' || f.active_days || ' days: a scheduled job'`,
  },
  {
    id: 'runs_on_a_server',
    verdict: 'machine',
    type: 'workload',
    weight: 0.55,
    when: `f.server_share >= 0.5`,
    detail: `'tools run from a server or a container (' || coalesce(f.top_user_agent, '?') || ')'`,
  },
  {
    id: 'role_default',
    verdict: 'machine',
    type: 'role',
    weight: 0.4,
    when: `f.uid LIKE 'arn:%:role/%'`,
    detail: `'an IAM role: assumed by software unless signs of a person say otherwise'`,
  },
  {
    id: 'script_user_agent',
    verdict: 'machine',
    type: 'workload',
    weight: 0.5,
    when: `f.script_share >= 0.9 AND f.browser_share = 0 AND f.events >= 3`,
    detail: `round(100 * f.script_share) || '% of calls from SDKs and command-line tools (' || coalesce(f.top_user_agent, '?') || ')'`,
  },
  {
    // One or two calls from a CLI tell little: a person runs the CLI too.
    id: 'script_user_agent_few_calls',
    verdict: 'machine',
    type: 'workload',
    weight: 0.42,
    when: `f.script_share >= 0.9 AND f.browser_share = 0 AND f.events < 3`,
    detail: `'only ' || f.events || ' call(s), from SDKs or command-line tools (' || coalesce(f.top_user_agent, '?') || ')'`,
  },
];

export const SCRIPT_USER_AGENT_PATTERN = SCRIPT_UA;
/**
 * Tools on a laptop rather than a server (matched ignoring case): macOS or Windows as the SDKs,
 * kubectl, gcloud and Terraform each write it. A person at a keyboard, more likely than not.
 */
export const WORKSTATION_USER_AGENT_PATTERN = `'(Darwin/|darwin/(arm64|amd64)|windows/(amd64|arm64|386)|Windows NT|Win64|os/macos|os/windows|macOS|Mac OS X|Macintosh|client-os/(MACOSX|WINDOWS)|md/GOOS#(darwin|windows)|exe/AMD64)'`;
