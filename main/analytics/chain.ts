import type { CaseStore } from '../case-store/case-store';

/**
 * The chain of identities behind an event: the session it ran under, the role of that session,
 * who assumed it, when, how and with what credential, and so on up while the assumer was itself
 * a session (role chaining), ending at a long-term key, a person's sign-in, a CI workflow's
 * token or an AWS service.
 */

export interface ChainLink {
  /** The identity acting at this step (a role, a user, a workflow subject, a service). */
  identity: string;
  /** The session it acted in, if any, and the credential it used. */
  session: string | null;
  credential: string | null;
  /** How this identity's session came to be, when the case saw it. */
  assumed: null | {
    via: string;
    at: string;
    by: string;
    byCredential: string | null;
    eventUid: string;
    srcIp: string | null;
    userAgent: string | null;
    subject: string | null;
  };
  /** The identity's classification, when derived. */
  isNhi: boolean | null;
  type: string | null;
  /** Set on a principal reached through a link: the account it was reached from, and why they are one. */
  linked?: { from: string; kind: string; reason: string } | null;
}

export interface EventChain {
  eventUid: string;
  time: string;
  operation: string;
  resource: string | null;
  links: ChainLink[];
  /**
   * When the chain ends at a GitHub workflow: the run of that workflow (repository and branch)
   * that was going at the time, who started it and how, and the push before it, from the GitHub
   * audit log. A workflow changed on a branch and run shows here with the branch and the pusher.
   */
  trigger: WorkflowTrigger | null;
  /** One sentence an analyst can paste into a report. */
  summary: string;
}

export interface WorkflowTrigger {
  run: { eventUid: string; at: string; runId: string | null; name: string | null; branch: string | null; event: string | null; actor: string | null; headSha: string | null };
  push: { eventUid: string; at: string; actor: string | null } | null;
}

/** How long before the event a workflow run may have started, and a push before the run. */
const RUN_WINDOW_HOURS = 6;
const PUSH_WINDOW_HOURS = 1;

const MAX_DEPTH = 10;

export async function chainForEvent(store: CaseStore, eventUid: string): Promise<EventChain | null> {
  const [event] = await store.read<{ time: string; operation: string; resource_uid: string | null; actor_uid: string | null; session_uid: string | null; credential_uid: string | null; origin_uid: string | null }>(
    `SELECT time, operation, resource_uid, actor_uid, session_uid, credential_uid, origin_uid FROM events WHERE event_uid = $id ORDER BY time LIMIT 1`,
    { id: eventUid },
  );
  if (!event) return null;
  const links: ChainLink[] = [];
  let identity = event.actor_uid;
  let session = event.session_uid;
  let credential = event.credential_uid;
  let origin = event.origin_uid;
  const seen = new Set<string>();
  type Issued = { source: string; via: string; assumed_at: string; assumed_by: string; assumed_by_credential: string | null; assume_event_uid: string; src_ip: string | null; user_agent: string | null; subject: string | null; session_uid: string | null };
  const COLUMNS = 'source, via, assumed_at, assumed_by, assumed_by_credential, assume_event_uid, src_ip, user_agent, subject, session_uid';
  while (identity && links.length < MAX_DEPTH) {
    // By the credential the session handed out; else by who the log says stood behind the call.
    let [issued] = credential
      ? await store.read<Issued>(`SELECT ${COLUMNS} FROM sessions WHERE credential_uid = $c ORDER BY assumed_at LIMIT 1`, { c: credential })
      : [];
    if (!issued && origin) {
      [issued] = await store.read<Issued>(`SELECT ${COLUMNS} FROM sessions WHERE role_uid = $r AND assumed_by = $o ORDER BY assumed_at LIMIT 1`, { r: identity, o: origin });
    }
    const [who] = await store.read<{ is_nhi: boolean | null; type: string }>(`SELECT is_nhi, type FROM identities WHERE uid = $u`, { u: identity });
    links.push({
      identity,
      session: session ?? issued?.session_uid ?? null,
      credential,
      assumed: issued
        ? {
            via: issued.via,
            at: issued.assumed_at,
            by: issued.assumed_by,
            byCredential: issued.assumed_by_credential,
            eventUid: issued.assume_event_uid,
            srcIp: issued.src_ip,
            userAgent: issued.user_agent,
            subject: issued.subject,
          }
        : null,
      isNhi: who?.is_nhi ?? null,
      type: who?.type ?? null,
    });
    if (!issued || seen.has(issued.assume_event_uid)) break;
    seen.add(issued.assume_event_uid);
    // Workload identity federation names an AWS role session as its subject: cross to it.
    const federated = /\/subject\/(arn:aws:sts::\d{12}:assumed-role\/.+)$/.exec(issued.assumed_by)?.[1];
    if (federated) {
      const [aws] = await store.read<{ role_uid: string; credential_uid: string | null }>(
        `SELECT role_uid, credential_uid FROM sessions WHERE session_uid = $s ORDER BY assumed_at DESC LIMIT 1`,
        { s: federated },
      );
      if (aws) {
        identity = aws.role_uid;
        session = federated;
        credential = aws.credential_uid;
        origin = null;
        continue;
      }
    }
    // The assumer acted with its own credential; if that was a session too, keep climbing.
    const [assumer] = await store.read<{ session_uid: string | null; origin_uid: string | null }>(
      `SELECT session_uid, origin_uid FROM events WHERE event_uid = $id LIMIT 1`,
      { id: issued.assume_event_uid },
    );
    identity = issued.assumed_by;
    // Only an STS call is made by the assumer itself, in its own session; the delegations read
    // off other logs name who stood behind the call but not its session.
    const byCall = issued.source === 'aws.cloudtrail';
    session = byCall ? (assumer?.session_uid ?? null) : null;
    credential = issued.assumed_by_credential;
    origin = byCall ? (assumer?.origin_uid ?? null) : null;
  }
  await climbToPrincipal(store, links);
  const trigger = await workflowTrigger(store, links[links.length - 1]?.identity ?? null, event.time);
  return { eventUid, time: event.time, operation: event.operation, resource: event.resource_uid, links, trigger, summary: summarize(event, links, trigger) };
}

/**
 * The last name the chain reached (a web-identity caller, a GKE principal, an OIDC subject) may
 * be one of several names of a principal: the Kubernetes service account, the GitHub workflow,
 * the person. The chain ends at that principal, saying why they are one (main/analytics/links.ts).
 */
async function climbToPrincipal(store: CaseStore, links: ChainLink[]): Promise<void> {
  const last = links[links.length - 1];
  if (!last) return;
  const origin = last.assumed?.by ?? last.identity;
  const [link] = await store.read<{ principal_uid: string; kind: string; reason: string }>(
    `SELECT principal_uid, kind, reason FROM identity_links WHERE uid = $u ORDER BY origin = 'analyst' DESC LIMIT 1`,
    { u: origin },
  );
  if (!link || links.some((l) => l.identity === link.principal_uid)) return;
  const [who] = await store.read<{ is_nhi: boolean | null; type: string }>(`SELECT is_nhi, type FROM identities WHERE uid = $u`, { u: link.principal_uid });
  links.push({
    identity: link.principal_uid,
    session: null,
    credential: null,
    assumed: null,
    isNhi: who?.is_nhi ?? null,
    type: who?.type ?? null,
    linked: { from: origin, kind: link.kind, reason: link.reason },
  });
}

/** The GitHub Actions run of `principal` (github-workflow:[host/]owner/repo@ref) going at `time`, and the push before it. */
async function workflowTrigger(store: CaseStore, principal: string | null, time: string): Promise<WorkflowTrigger | null> {
  const m = principal ? /^github-workflow:(?:[^/]+\/(?=[^/]+\/[^/@]+@))?([^/@]+\/[^/@]+)@(.+)$/.exec(principal) : null;
  if (!m) return null;
  const [, repo, ref] = m as unknown as [string, string, string];
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  const [run] = await store.read<WorkflowTrigger['run']>(
    `SELECT event_uid AS "eventUid", strftime(time, '%Y-%m-%dT%H:%M:%SZ') AS at, json_extract_string(raw, '$.workflow_run_id') AS "runId",
       json_extract_string(raw, '$.name') AS name, json_extract_string(raw, '$.head_branch') AS branch, json_extract_string(raw, '$.event') AS event,
       actor_uid AS actor, json_extract_string(raw, '$.head_sha') AS "headSha"
     FROM events
     WHERE source = 'github.audit' AND operation IN ('workflows.created_workflow_run', 'workflows.prepared_workflow_job')
       AND resource_uid = $repo AND time <= $t::TIMESTAMP AND time >= $t::TIMESTAMP - INTERVAL ${RUN_WINDOW_HOURS} HOUR
       AND ($branch IS NULL OR json_extract_string(raw, '$.head_branch') = $branch)
     ORDER BY time DESC, event_uid LIMIT 1`,
    { repo: `github:${repo}`, t: time, branch },
  );
  if (!run) return null;
  const [push] = await store.read<NonNullable<WorkflowTrigger['push']>>(
    `SELECT event_uid AS "eventUid", strftime(time, '%Y-%m-%dT%H:%M:%SZ') AS at, actor_uid AS actor FROM events
     WHERE source = 'github.audit' AND operation = 'git.push' AND resource_uid = $repo
       AND time <= $t::TIMESTAMP AND time >= $t::TIMESTAMP - INTERVAL ${PUSH_WINDOW_HOURS} HOUR
     ORDER BY (actor_uid IS NOT DISTINCT FROM $actor) DESC, time DESC, event_uid LIMIT 1`,
    { repo: `github:${repo}`, t: run.at, actor: run.actor },
  );
  return { run, push: push ?? null };
}

function summarize(event: { time: string; operation: string; resource_uid: string | null }, links: ChainLink[], trigger: WorkflowTrigger | null): string {
  const parts = [`${event.operation}${event.resource_uid ? ` on ${event.resource_uid}` : ''} at ${event.time}`];
  for (const [i, link] of links.entries()) {
    const as = i === 0 ? 'ran as' : 'which was';
    const session = link.session ? ` in session ${link.session}` : '';
    const credential = link.credential ? ` (credential ${link.credential})` : '';
    if (link.linked) {
      parts.push(`that is ${link.identity} (${link.linked.reason})`);
      continue;
    }
    parts.push(`${as} ${link.identity}${session}${credential}`);
    if (link.assumed) {
      const from = link.assumed.srcIp ? ` from ${link.assumed.srcIp}` : '';
      const subject = link.assumed.subject ? ` for ${link.assumed.subject}` : '';
      parts.push(`issued by ${link.assumed.via} at ${link.assumed.at} to ${link.assumed.by}${subject}${from}`);
    }
  }
  if (trigger) {
    const r = trigger.run;
    parts.push(
      `run ${r.runId ?? r.eventUid}${r.name ? ` (${r.name})` : ''}${r.branch ? ` on branch ${r.branch}` : ''} started at ${r.at}${r.event ? ` by a ${r.event}` : ''}${r.actor ? ` of ${r.actor}` : ''}` +
        (trigger.push ? `, after a push by ${trigger.push.actor ?? 'an unknown actor'} at ${trigger.push.at}` : ''),
    );
  }
  return `${parts.join(', ')}.`;
}
