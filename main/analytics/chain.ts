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
  /** One sentence an analyst can paste into a report. */
  summary: string;
}

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
  return { eventUid, time: event.time, operation: event.operation, resource: event.resource_uid, links, summary: summarize(event, links) };
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

function summarize(event: { time: string; operation: string; resource_uid: string | null }, links: ChainLink[]): string {
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
  return `${parts.join(', ')}.`;
}
