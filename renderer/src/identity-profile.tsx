import { scaleSequential } from 'd3-scale';
import { interpolateInferno } from 'd3-scale-chromatic';
import { useEffect, useState } from 'react';
import type { IdentityProfile } from '../../shared/identity-profile';
import { call, number } from './api-client';
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
      <OverrideForm casePath={casePath} uid={profile.uid} isNhi={profile.isNhi} onDone={setProfile} />
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
      <h3>Credentials ({profile.credentials.length})</h3>
      <table aria-label="credentials">
        <thead><tr><th>Credential</th><th>Kind</th><th>First seen</th><th>Last seen</th><th>Events</th><th>From</th></tr></thead>
        <tbody>
          {profile.credentials.slice(0, 20).map((c) => (
            <tr key={c.credential_uid}><td className="mono">{c.credential_uid}</td><td>{c.kind}</td><td>{time(c.first_seen)}</td><td>{time(c.last_seen)}</td><td>{number(c.events)}</td><td>{c.src_ips.join(', ')}</td></tr>
          ))}
        </tbody>
      </table>
      <h3>Top operations and resources</h3>
      <table>
        <tbody>
          {profile.topOperations.map((o) => <tr key={`op${o.operation}`}><td>{o.operation}</td><td>{number(o.events)}</td></tr>)}
          {profile.topResources.map((r) => <tr key={`r${r.resource_uid}`}><td>{r.resource_uid}</td><td>{number(r.events)}</td></tr>)}
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
