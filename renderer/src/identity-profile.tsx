import { scaleSequential } from 'd3-scale';
import { interpolateInferno } from 'd3-scale-chromatic';
import { useEffect, useState } from 'react';
import type { IdentityProfile } from '../../shared/identity-profile';
import { bytes, call, number } from './api-client';
import { useTimeFormat, useZone, zoneLabel } from './time-zone';
import { useCase } from './case/case-store';
import { useView } from './view-state';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const CELL = 18;

/** Hour × weekday activity, UTC: d3 picks the colours, React draws the SVG. */
function Heatmap({ cells }: { cells: IdentityProfile['heatmap'] }) {
  const max = Math.max(1, ...cells.map((c) => c.events));
  const color = scaleSequential(interpolateInferno).domain([0, max]);
  const at = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c.events]));
  return (
    <svg className="heatmap" width={44 + 24 * CELL} height={20 + 7 * CELL} role="img" aria-label="activity by weekday and hour (UTC)">
      {Array.from({ length: 24 }, (_, h) => (h % 3 === 0 ? <text key={`h${h}`} x={44 + h * CELL} y={12} className="axis">{String(h).padStart(2, '0')}</text> : null))}
      {DAYS.map((d, w) => (
        <g key={d}>
          <text x={0} y={20 + w * CELL + 13} className="axis">{d}</text>
          {Array.from({ length: 24 }, (_, h) => {
            const n = at.get(`${w}:${h}`) ?? 0;
            return (
              <rect key={h} data-testid="heat-cell" x={44 + h * CELL} y={20 + w * CELL} width={CELL - 2} height={CELL - 2} rx={2} fill={n === 0 ? '#171a21' : color(n)}>
                <title>{`${d} ${String(h).padStart(2, '0')}:00 UTC: ${n} events`}</title>
              </rect>
            );
          })}
        </g>
      ))}
    </svg>
  );
}

const hours = (list: number[]) => (list.length === 0 ? 'none' : list.map((h) => String(h).padStart(2, '0')).join(' '));

/** One identity: what it is and why, when it usually works, and what it did outside that. */
export function IdentityPage({ casePath }: { casePath: string }) {
  const { identity: uid, go, setFilter } = useView();
  const time = useTimeFormat();
  const zone = useZone((s) => s.zone);
  const [profile, setProfile] = useState<IdentityProfile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setProfile(null);
    setError(null);
    if (uid) void call('identity.profile', { casePath, uid }).then((r) => (r.ok ? setProfile(r.value) : setError(r.error.message)));
  }, [casePath, uid]);
  if (!uid) return <p className="muted">Pick an identity in the Identities view.</p>;
  if (error) return <section className="error">{error}</section>;
  if (!profile) return <section className="muted">Loading {uid}…</section>;
  const b = profile.baseline;
  return (
    <section aria-label="identity profile" className="profile">
      <div className="toolbar">
        <h2>{profile.display ?? profile.uid}</h2>
        <button type="button" onClick={() => go('identities')}>All identities</button>
        <button type="button" onClick={() => { setFilter({ actor: uid }); go('events'); }}>Its events</button>
      </div>
      <p className="muted">{profile.uid}</p>
      <p data-testid="verdict">
        <strong>{profile.isNhi === null ? 'Unclassified' : profile.isNhi ? 'Machine' : 'Human'}</strong> · {profile.type} · confidence {profile.confidence.toFixed(2)}
        {profile.overridden ? ' · analyst override' : ''}
      </p>
      <p data-testid="activity-totals">
        {profile.observed
          ? `${number(profile.events)} events, ${number(profile.failures)} failed · ${bytes(profile.bytesOut)} read · ${bytes(profile.bytesIn)} written`
          : 'Known through its linked accounts (no events of its own): the activity below is theirs.'}
      </p>
      {profile.principal && (
        <p data-testid="principal">
          One of the names of{' '}
          <button type="button" className="link" onClick={() => go('identity', { identity: profile.principal!.uid })}>{profile.principal.uid}</button>: {profile.principal.reason}
          {profile.principal.origin === 'analyst' ? ' (analyst alias)' : ''}
        </p>
      )}
      {profile.linkedAccounts.length > 0 && (
        <>
          <h3>{profile.principal ? 'Other names of the same principal' : 'Linked accounts'}</h3>
          <table aria-label="linked accounts">
            <thead><tr><th>Account</th><th>Kind</th><th>Events</th><th>Why linked</th></tr></thead>
            <tbody>
              {profile.linkedAccounts.map((a) => (
                <tr key={a.uid}>
                  <td><button type="button" className="link" onClick={() => go('identity', { identity: a.uid })}>{a.uid}</button></td>
                  <td>{a.type === null ? 'name only' : a.isNhi === null ? '?' : a.isNhi ? 'machine' : 'human'}</td><td>{number(a.events)}</td><td className="wrap">{a.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <OverrideForm casePath={casePath} uid={profile.uid} isNhi={profile.isNhi} onDone={setProfile} />{' · '}
      <AliasForm casePath={casePath} uid={profile.uid} principal={profile.principal?.uid ?? null} onDone={setProfile} />
      <ul className="reasons">
        {profile.reasons.map((r) => (
          <li key={r.rule}>
            <span className={r.verdict === 'machine' ? 'tag machine' : 'tag human'}>{r.verdict}</span> {r.detail} <span className="muted">({r.weight.toFixed(2)}, {r.rule})</span>
          </li>
        ))}
      </ul>
      <h3>Activity by weekday and hour (UTC)</h3>
      <Heatmap cells={profile.heatmap} />
      {b && (
        <p className="muted" data-testid="usual-hours">
          Baseline {b.windowStart.slice(0, 10)} → {b.windowEnd.slice(0, 10)}, {b.activeDays} active days; usual hours: {hours(b.usualHours)}
        </p>
      )}
      {profile.unusualHours.length > 0 && (
        <>
          <h3>Outside usual hours</h3>
          <table data-testid="unusual">
            <thead><tr><th>Day</th><th>Hour (UTC)</th><th>Events</th><th>Bytes out</th></tr></thead>
            <tbody>
              {profile.unusualHours.map((u) => (
                <tr key={`${u.day}${u.hour}`}><td>{u.day}</td><td>{String(u.hour).padStart(2, '0')}:00</td><td>{number(u.events)}</td><td>{u.bytes_out.toLocaleString('en-US')}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>Sessions ({profile.sessionCount})</h3>
      <table>
        <thead><tr><th>Assumed at ({zoneLabel(zone)})</th><th>Via</th><th>By</th><th>From</th><th>Events</th></tr></thead>
        <tbody>
          {profile.sessions.slice(0, 10).map((s) => (
            <tr key={`${s.assumed_at}${s.assumed_by}${s.credential_uid}`}><td>{time(s.assumed_at)}</td><td>{s.via}</td><td>{s.assumed_by}</td><td>{s.src_ip}</td><td>{s.events}</td></tr>
          ))}
        </tbody>
      </table>
      <h3>Credentials ({number(profile.credentialCount)})</h3>
      <table aria-label="credentials">
        <thead><tr><th>Credential</th><th>Kind</th><th>First seen</th><th>Last seen</th><th>Events</th><th>From</th><th>Created</th></tr></thead>
        <tbody>
          {profile.credentials.map((c) => (
            <tr key={c.credential_uid}>
              <td className="mono">{c.credential_uid}</td><td>{c.kind}</td><td>{time(c.first_seen)}</td><td>{time(c.last_seen)}</td><td>{number(c.events)}</td><td>{c.src_ips.join(', ')}</td>
              <td>{c.created_by ? `${time(c.created_at)} by ${c.created_by}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Top operations</h3>
      <table aria-label="top operations">
        <tbody>{profile.topOperations.map((o) => <tr key={`op${o.operation}`}><td>{o.operation}</td><td>{number(o.events)}</td></tr>)}</tbody>
      </table>
      <h3>Top resources (objects under their bucket, outside boundaries first)</h3>
      <table aria-label="top resources">
        <thead><tr><th>Resource</th><th>Boundary</th><th>Events</th><th>Read</th><th>Written</th></tr></thead>
        <tbody>
          {profile.topResources.map((r) => (
            <tr key={`r${r.resource_uid}`} className={r.outside ? 'outside' : ''}>
              <td className="wrap">{r.resource_uid}</td><td>{r.boundary ?? ''}{r.outside ? ' (outside)' : ''}</td><td>{number(r.events)}</td><td>{bytes(r.bytes_out)}</td><td>{bytes(r.bytes_in)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Addresses and user agents</h3>
      <p>{profile.srcIps.map((i) => `${i.src_ip} (${i.events})`).join(', ')}</p>
      <p className="muted">{profile.userAgents.map((u) => u.user_agent).join(' · ')}</p>
    </section>
  );
}

/** The analyst's own verdict, with a reason: journaled, applied on every rebuild of the identities. */
function OverrideForm({ casePath, uid, isNhi, onDone }: { casePath: string; uid: string; isNhi: boolean | null; onDone: (p: IdentityProfile) => void }) {
  const [open, setOpen] = useState(false);
  const [verdict, setVerdict] = useState<'machine' | 'human'>(isNhi ? 'human' : 'machine');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!open) return <button type="button" className="link small" onClick={() => setOpen(true)}>Disagree? Classify it yourself…</button>;
  async function save() {
    setBusy(true);
    const r = await call('identity.override', { casePath, uid, isNhi: verdict === 'machine', reason });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setOpen(false);
    onDone(r.value);
    void useCase.getState().refresh();
  }
  return (
    <div className="toolbar override" aria-label="classify this identity">
      <select aria-label="verdict" value={verdict} onChange={(e) => setVerdict(e.target.value as 'machine' | 'human')}>
        <option value="machine">machine</option>
        <option value="human">human</option>
      </select>
      <input aria-label="why" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (kept in the journal)" size={50} />
      <button type="button" onClick={() => void save()} disabled={busy || reason.trim().length < 3}>{busy ? 'Rebuilding…' : 'Save'}</button>
      <button type="button" className="link" onClick={() => setOpen(false)}>cancel</button>
      {error && <span className="error">{error}</span>}
    </div>
  );
}

/** The analyst says this account belongs to a principal (a person, a workload), or undoes it: journaled. */
function AliasForm({ casePath, uid, principal, onDone }: { casePath: string; uid: string; principal: string | null; onDone: (p: IdentityProfile) => void }) {
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState(principal ?? '');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!open) return <button type="button" className="link small" onClick={() => setOpen(true)}>Link to a person or workload…</button>;
  const submit = async (remove: boolean) => {
    const r = await call('identity.alias', { casePath, uid, principal: remove ? null : target, reason });
    if (!r.ok) return setError(r.error.message);
    setOpen(false);
    onDone(r.value);
  };
  return (
    <form className="override" aria-label="link account" onSubmit={(e) => { e.preventDefault(); void submit(false); }}>
      <label>Principal <input aria-label="principal" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="person:dana@example.com" /></label>
      <label>Why <input aria-label="alias reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="same person: the GitHub login of dana@example.com" /></label>
      <button type="submit" disabled={!target.trim() || !reason.trim()}>Link</button>
      {principal && <button type="button" disabled={!reason.trim()} onClick={() => void submit(true)}>Unlink</button>}
      <button type="button" onClick={() => setOpen(false)}>Cancel</button>
      {error && <span className="error" role="alert">{error}</span>}
    </form>
  );
}
