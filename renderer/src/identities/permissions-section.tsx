import { useEffect, useState } from 'react';
import type { IdentityAccess, RecordCite } from '../../../shared/access';
import { call, number } from '../api-client';
import { useView } from '../view-state';

const Cite = ({ cite }: { cite: RecordCite }) => (
  <span className="muted small" title={`SHA-256 ${cite.sha256}`}>
    [{cite.path ?? `evidence ${cite.evidenceId}`} #{cite.recordNo}]
  </span>
);

/**
 * Granted beside used, in the identity's profile: what its permission snapshot grants, what it
 * used, what it never used, its keys, and its blast radius drawn and explained step by step.
 */
export function PermissionsSection({ casePath, uid }: { casePath: string; uid: string }) {
  const [access, setAccess] = useState<IdentityAccess | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setAccess(null);
    setError(null);
    void call('identity.access', { casePath, identity: uid }).then((r) => (r.ok ? setAccess(r.value) : setError(r.error.message)));
  }, [casePath, uid]);
  if (error) return <section aria-label="permissions" className="error">{error}</section>;
  if (!access) return <section aria-label="permissions" className="muted">Reading permissions…</section>;
  const p = access.principal;
  if (!p) {
    return (
      <section aria-label="permissions" data-testid="permissions">
        <h3>Permissions</h3>
        <p className="muted">{access.missing}</p>
      </section>
    );
  }
  const sensitiveUnused = access.grantedActions.filter((a) => a.sensitive && !a.used);
  return (
    <section aria-label="permissions" data-testid="permissions">
      <h3>
        Permissions {p.isAdmin ? <span className="sev critical">administrator</span> : p.wildcard ? <span className="sev high">wildcard</span> : null} <Cite cite={p.cite} />
      </h3>
      <p data-testid="access-summary">{access.summary}</p>
      <p className="muted small">
        {number(p.granted)} actions granted{p.conditional ? `, ${number(p.conditional)} under conditions` : ''} · {number(p.used)} used in the case · {number(access.unused.length)} never used
        {access.catalog ? ` · actions per ${access.catalog.name} ${access.catalog.updatedAt}` : ''}
      </p>
      {access.services.length > 0 && (
        <table aria-label="granted and used per service">
          <thead><tr><th>Service</th><th>Granted</th><th>Used</th><th>Sensitive granted</th><th>Sensitive used</th></tr></thead>
          <tbody>
            {access.services.slice(0, 15).map((s) => (
              <tr key={s.service} className={s.used === 0 && s.sensitiveGranted > 0 ? 'outside' : ''}>
                <td>{s.service}</td><td>{number(s.granted)}</td><td>{number(s.used)}</td><td>{number(s.sensitiveGranted)}</td><td>{number(s.sensitiveUsed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sensitiveUnused.length > 0 && (
        <p className="small" data-testid="sensitive-unused">
          <strong>Sensitive, never used:</strong> {sensitiveUnused.slice(0, 20).map((a) => a.action).join(', ')}
          {sensitiveUnused.length > 20 ? ` and ${sensitiveUnused.length - 20} more` : ''}
        </p>
      )}
      {access.keys.length > 0 && (
        <table aria-label="access keys">
          <thead><tr><th>Key</th><th>Active</th><th>Last rotated</th><th>Age (days)</th><th>Last used</th><th>Record</th></tr></thead>
          <tbody>
            {access.keys.map((k) => (
              <tr key={`${k.keyId ?? ''}${k.slot ?? ''}`} className={(k.ageDays ?? 0) > 90 ? 'outside' : ''}>
                <td className="mono">{k.keyId ?? k.slot}</td><td>{k.active ? 'yes' : 'no'}</td><td>{k.lastRotated?.slice(0, 10) ?? ''}</td><td>{k.ageDays ?? ''}</td>
                <td>{k.lastUsedAt?.slice(0, 10) ?? 'never'}{k.lastUsedService ? ` (${k.lastUsedService})` : ''}</td><td><Cite cite={k.cite} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Blast radius</h3>
      <BlastRadius access={access} />
      <p className="muted small" aria-label="legend">
        Blue: trust (can assume) · orange: privilege escalation · dotted: only under a condition · dashed grey: could reach · solid red: did reach in the case.
      </p>
      <ol className="plain small" data-testid="reach-paths">
        {access.reach.slice(1).map((r) => (
          <li key={r.uid}>
            {r.isAdmin ? <span className="sev critical">admin</span> : null} <ReachName uid={r.uid} name={r.name} />
            <ol>
              {r.path.map((s, i) => (
                <li key={i}>
                  {s.explanation}
                  {s.conditional ? <span className="muted"> (under a condition)</span> : null} <span className="tag">{s.method}</span> <Cite cite={s.cite} />
                </li>
              ))}
            </ol>
          </li>
        ))}
        {access.reach.length <= 1 && <li className="muted">It can become nobody else.</li>}
      </ol>
      {access.findings.length > 0 && (
        <ul className="plain small" data-testid="access-findings">
          {access.findings.map((f) => (
            <li key={f.findingId}><span className={`sev ${f.severity}`}>{f.severity}</span> {f.title} <span className="muted">{f.detail}</span> <Cite cite={f.cite} /></li>
          ))}
        </ul>
      )}
      <details>
        <summary>Suggested least-privilege policy (from the use the case saw)</summary>
        <pre className="mono" data-testid="suggested-policy">{JSON.stringify(access.suggestedPolicy, null, 2)}</pre>
      </details>
      <details>
        <summary>Policies as the snapshot holds them ({access.policies.length})</summary>
        {access.policies.map((pol, i) => (
          <div key={i}>
            <strong>{pol.policy}</strong> <span className="muted">{pol.via}</span> <Cite cite={pol.cite} />
            <pre className="mono">{JSON.stringify(pol.document, null, 2)}</pre>
          </div>
        ))}
      </details>
    </section>
  );
}

function ReachName({ uid, name }: { uid: string; name: string }) {
  const { go } = useView();
  if (!uid.startsWith('arn:') && !uid.startsWith('system:')) return <span>{name}</span>;
  return <button type="button" className="link" onClick={() => go('identity', { identity: uid })}>{name}</button>;
}

const COL = 230;
const ROW = 34;

/** A horizontal S-curve between two points, so that edges leave and enter their nodes level. */
const curve = (x1: number, y1: number, x2: number, y2: number) => {
  const bend = Math.max(40, (x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
};

/**
 * The blast radius drawn: the identity on the left, who it can become by depth, the case's
 * resources on the right; "could reach" dashed from the identity that holds the grant, "did
 * reach" solid red from the identity itself.
 */
function BlastRadius({ access }: { access: IdentityAccess }) {
  const depth = new Map(access.reach.map((r) => [r.uid, r.path.length]));
  const columns = Math.max(1, ...depth.values()) + 1;
  const byDepth: string[][] = Array.from({ length: columns }, () => []);
  for (const r of access.reach) byDepth[r.path.length]!.push(r.uid);
  const did = new Set(access.didReach.map((d) => d.resource));
  const resources = [...new Set([...access.didReach.map((d) => d.resource), ...access.couldReach.map((c) => c.resource)])].slice(0, 14);
  const rows = Math.max(resources.length, ...byDepth.map((c) => c.length), 1);
  const pos = new Map<string, { x: number; y: number }>();
  byDepth.forEach((col, d) => col.forEach((uid, i) => pos.set(uid, { x: 10 + d * COL, y: 20 + i * ROW })));
  resources.forEach((r, i) => pos.set(`res:${r}`, { x: 10 + columns * COL + 40, y: 20 + i * ROW }));
  const nameOf = new Map(access.reach.map((r) => [r.uid, r.name]));
  const short = (s: string) => (s.length > 30 ? `…${s.slice(-29)}` : s);
  const steps = access.reach.flatMap((r) => r.path.slice(-1));
  const width = 10 + (columns + 1) * COL + 60;
  const height = 30 + rows * ROW;
  const nameToUid = new Map(access.reach.map((r) => [r.name, r.uid]));
  return (
    <svg className="blast-radius" width={width} height={height} role="img" aria-label="blast radius: who it can become and what that could reach" data-testid="blast-radius">
      {steps.map((s, i) => {
        const a = pos.get(s.from);
        const b = pos.get(s.to);
        if (!a || !b) return null;
        return <path key={`s${i}`} d={curve(a.x + 8, a.y, b.x - 8, b.y)} className={`reach-edge ${s.kind}${s.conditional ? ' conditional' : ''}`}><title>{s.explanation}</title></path>;
      })}
      {access.couldReach.filter((c) => resources.includes(c.resource)).map((c) => {
        const from = pos.get(nameToUid.get(c.via) ?? '');
        const to = pos.get(`res:${c.resource}`);
        if (!from || !to) return null;
        return <path key={`c${c.resource}`} d={curve(from.x + 8, from.y, to.x - 6, to.y)} className="could-reach"><title>could reach through {c.via}: {c.actions.join(', ')}</title></path>;
      })}
      {resources.filter((r) => did.has(r)).map((r) => {
        const from = pos.get(access.uid)!;
        const to = pos.get(`res:${r}`)!;
        return <path key={`d${r}`} d={curve(from.x + 8, from.y, to.x - 6, to.y)} className="did-reach"><title>did reach: {r}</title></path>;
      })}
      {access.reach.map((r) => {
        const at = pos.get(r.uid)!;
        return (
          <g key={r.uid} transform={`translate(${at.x},${at.y})`} className={r.isAdmin ? 'reach-node admin' : 'reach-node'}>
            <circle r={6} cx={0} cy={0} />
            <text x={10} y={4}>{short(nameOf.get(r.uid) ?? r.uid)}</text>
          </g>
        );
      })}
      {resources.map((r) => {
        const at = pos.get(`res:${r}`)!;
        return (
          <g key={r} transform={`translate(${at.x},${at.y})`} className={did.has(r) ? 'reach-resource did' : 'reach-resource'}>
            <rect x={-5} y={-5} width={10} height={10} />
            <text x={10} y={4}>{short(r)}</text>
          </g>
        );
      })}
    </svg>
  );
}
