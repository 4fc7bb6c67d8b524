import { scaleSequential } from 'd3-scale';
import { interpolateInferno } from 'd3-scale-chromatic';
import { useEffect, useState } from 'react';
import type { Incident, StoredFinding } from '../../../shared/findings';
import type { IdentityProfile } from '../../../shared/identity-profile';
import { IncidentCard } from '../widgets/incident-card';
import { PermissionsSection } from './permissions-section';
import { bytes, call, number } from '../api-client';
import { useTimeFormat, useZone, zoneLabel } from '../time-zone';
import { useCase } from '../case/case-store';
import { useView } from '../view-state';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const CELL = 18;

/**
 * Hour × weekday activity, UTC: d3 picks the colours, React draws the SVG. Cells in hours outside
 * the baseline's usual ones are outlined; the legend gives the scale.
 */
function Heatmap({ cells, usual }: { cells: IdentityProfile['heatmap']; usual: number[] | null }) {
  const max = Math.max(1, ...cells.map((c) => c.events));
  const color = scaleSequential(interpolateInferno).domain([0, max]);
  const at = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c.events]));
  const legend = [...new Set([0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * max)))];
  return (
    <svg className="heatmap" width={44 + 24 * CELL + 120} height={20 + 7 * CELL + 8} role="img" aria-label="activity by weekday and hour (UTC)">
      {Array.from({ length: 24 }, (_, h) => (h % 3 === 0 ? <text key={`h${h}`} x={44 + h * CELL} y={12} className="axis">{String(h).padStart(2, '0')}</text> : null))}
      {DAYS.map((d, w) => (
        <g key={d}>
          <text x={0} y={20 + w * CELL + 13} className="axis">{d}</text>
          {Array.from({ length: 24 }, (_, h) => {
            const n = at.get(`${w}:${h}`) ?? 0;
            const outside = usual !== null && n > 0 && !usual.includes(h);
            return (
              <rect key={h} data-testid="heat-cell" data-outside={outside ? 'true' : undefined} x={44 + h * CELL} y={20 + w * CELL} width={CELL - 2} height={CELL - 2} rx={2}
                fill={n === 0 ? '#171a21' : color(n)} stroke={outside ? '#ff5a6e' : 'none'} strokeWidth={outside ? 2 : 0}>
                <title>{`${d} ${String(h).padStart(2, '0')}:00 UTC: ${n} events${outside ? ' (outside its usual hours)' : ''}`}</title>
              </rect>
            );
          })}
        </g>
      ))}
      <g transform={`translate(${52 + 24 * CELL}, 22)`} aria-label="legend">
        <text x={0} y={-6} className="axis">events</text>
        {legend.map((v, i) => (
          <g key={i} transform={`translate(0, ${i * 16})`}>
            <rect width={12} height={12} rx={2} fill={v === 0 ? '#171a21' : color(v)} />
            <text x={18} y={10} className="axis">{v}</text>
          </g>
        ))}
        {usual !== null && (
          <g transform={`translate(0, ${legend.length * 16 + 4})`}>
            <rect width={12} height={12} rx={2} fill="none" stroke="#ff5a6e" strokeWidth={2} />
            <text x={18} y={10} className="axis">unusual hour</text>
          </g>
        )}
      </g>
    </svg>
  );
}

/** Calls per day over the case: a month of silence before a burst shows as a gap. */
function ActivityStrip({ daily }: { daily: IdentityProfile['daily'] }) {
  if (daily.length === 0) return null;
  const first = Date.parse(`${daily[0]!.day}T00:00:00Z`);
  const last = Date.parse(`${daily[daily.length - 1]!.day}T00:00:00Z`);
  const days = Math.round((last - first) / 86_400_000) + 1;
  const width = 720;
  const bar = Math.max(1, width / days - 1);
  const max = Math.max(1, ...daily.map((d) => d.events));
  const scale = (n: number) => Math.max(1, Math.round((Math.log1p(n) / Math.log1p(max)) * 46));
  return (
    <svg className="activity-strip" width={width + 8} height={70} role="img" aria-label="events per day">
      {daily.map((d) => {
        const x = ((Date.parse(`${d.day}T00:00:00Z`) - first) / 86_400_000) * (width / days);
        return (
          <rect key={d.day} data-testid="activity-day" x={x} y={50 - scale(d.events)} width={bar} height={scale(d.events)} fill={d.failures > d.events / 2 ? '#d9534f' : '#8fa6ff'}>
            <title>{`${d.day}: ${d.events} events, ${d.failures} failed`}</title>
          </rect>
        );
      })}
      {daily.slice(1).map((d, i) => {
        // A silence of a week or more is named: a dormant identity waking up is the story.
        const gap = Math.round((Date.parse(`${d.day}T00:00:00Z`) - Date.parse(`${daily[i]!.day}T00:00:00Z`)) / 86_400_000) - 1;
        if (gap < 7) return null;
        const mid = ((Date.parse(`${daily[i]!.day}T00:00:00Z`) - first) / 86_400_000 + 1 + gap / 2) * (width / days);
        return <text key={`gap${d.day}`} data-testid="silence" x={mid} y={30} className="axis" textAnchor="middle">{gap} days silent</text>;
      })}
      <line x1={0} x2={width} y1={51} y2={51} className="baseline" />
      <text x={0} y={66} className="axis">{daily[0]!.day}</text>
      <text x={width} y={66} className="axis" textAnchor="end">{daily[daily.length - 1]!.day}</text>
    </svg>
  );
}

/** Marks what the identity started doing after its baseline. */
const New = ({ on }: { on: boolean }) => (on ? <span className="tag new" title="first seen after the baseline window">new</span> : null);

const hours = (list: number[]) => (list.length === 0 ? 'none' : list.map((h) => String(h).padStart(2, '0')).join(' '));

/** One identity: what it is and why, when it usually works, and what it did outside that. */
export function IdentityPage({ casePath }: { casePath: string }) {
  const { identity: uid, go, setFilter } = useView();
  const time = useTimeFormat();
  const zone = useZone((s) => s.zone);
  const [profile, setProfile] = useState<IdentityProfile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [limits, setLimits] = useState<{ sessions?: number; credentials?: number }>({});
  const [findings, setFindings] = useState<StoredFinding[]>([]);
  const [incidents, setIncidents] = useState<Incident[]>([]);
  useEffect(() => setLimits({}), [uid]);
  useEffect(() => {
    setError(null);
    if (uid) void call('identity.profile', { casePath, uid, ...limits }).then((r) => (r.ok ? setProfile(r.value) : setError(r.error.message)));
  }, [casePath, uid, limits]);
  useEffect(() => {
    if (!uid) return;
    // Its incidents and findings: the names of its principal count too.
    void call('findings.list', { casePath }).then((r) => r.ok && setFindings(r.value.filter((f) => f.identityUid === uid)));
    void call('incidents.list', { casePath }).then((r) => r.ok && setIncidents(r.value.filter((i) => i.identities.includes(uid) || i.origin === uid)));
  }, [casePath, uid]);
  if (!uid) return <p className="muted">Pick an identity in the Identities view.</p>;
  // Known only from a permission snapshot (it never acts in the logs): its permissions still show.
  if (error)
    return (
      <section aria-label="identity profile" className="profile">
        <p className="muted">{error}</p>
        <PermissionsSection casePath={casePath} uid={uid} />
      </section>
    );
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
      {incidents.length > 0 && (
        <section aria-label="its incidents" className="incidents">
          <h3>Incidents ({incidents.length})</h3>
          {incidents.map((inc) => <IncidentCard key={inc.incidentId} incident={inc} compact />)}
        </section>
      )}
      {findings.length > 0 && (
        <>
          <h3>Findings ({findings.length})</h3>
          <ul className="plain small" data-testid="identity-findings">
            {findings.slice(0, 20).map((f) => (
              <li key={f.findingId}>
                <span className={`sev ${f.severity}`}>{f.severity}</span> {f.title} <span className="muted">{time(f.windowStart)} · {number(f.eventCount)} events</span>{' '}
                <button type="button" className="link small" onClick={() => { setFilter({ finding: f.findingId, from: undefined, to: undefined, actor: undefined }); go('events'); }}>evidence</button>
              </li>
            ))}
          </ul>
        </>
      )}
      <PermissionsSection casePath={casePath} uid={profile.uid} />
      <h3>Activity per day</h3>
      <ActivityStrip daily={profile.daily} />
      <h3>Activity by weekday and hour (UTC)</h3>
      <Heatmap cells={profile.heatmap} usual={b ? b.usualHours : null} />
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
                <tr key={`${u.day}${u.hour}`}><td>{u.day}</td><td>{String(u.hour).padStart(2, '0')}:00</td><td>{number(u.events)}</td><td>{bytes(u.bytes_out)}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>Sessions ({number(profile.sessionCount)}{profile.sessions.length < profile.sessionCount ? `, ${number(profile.sessions.length)} shown` : ''})</h3>
      <table>
        <thead><tr><th>Assumed at ({zoneLabel(zone)})</th><th>Via</th><th>By</th><th>From</th><th>Events</th></tr></thead>
        <tbody>
          {profile.sessions.map((s) => (
            <tr key={`${s.assumed_at}${s.assumed_by}${s.credential_uid}`}><td>{time(s.assumed_at)}</td><td>{s.via}</td><td>{s.assumed_by}</td><td>{s.src_ip}</td><td>{s.events}</td></tr>
          ))}
        </tbody>
      </table>
      {profile.sessions.length < profile.sessionCount && (
        <button type="button" className="link small" onClick={() => setLimits((l) => ({ ...l, sessions: profile.sessionCount }))}>Show all {number(profile.sessionCount)} sessions</button>
      )}
      <h3>Credentials ({number(profile.credentialCount)}{profile.credentials.length < profile.credentialCount ? `, ${number(profile.credentials.length)} shown` : ''})</h3>
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
      {profile.credentials.length < profile.credentialCount && (
        <button type="button" className="link small" onClick={() => setLimits((l) => ({ ...l, credentials: profile.credentialCount }))}>Show all {number(profile.credentialCount)} credentials</button>
      )}
      <h3>Top operations</h3>
      <table aria-label="top operations">
        <tbody>{profile.topOperations.map((o) => <tr key={`op${o.operation}`}><td>{o.operation} <New on={o.newSinceBaseline} /></td><td>{number(o.events)}</td></tr>)}</tbody>
      </table>
      <h3>Top resources (objects under their bucket, outside boundaries first)</h3>
      <table aria-label="top resources">
        <thead><tr><th>Resource</th><th>Boundary</th><th>Events</th><th>Read</th><th>Written</th></tr></thead>
        <tbody>
          {profile.topResources.map((r) => (
            <tr key={`r${r.resource_uid}`} className={r.outside ? 'outside' : ''}>
              <td className="wrap">{r.resource_uid} <New on={r.newSinceBaseline} /></td><td>{r.boundary ?? ''}{r.outside ? ' (outside)' : ''}</td><td>{number(r.events)}</td><td>{bytes(r.bytes_out)}</td><td>{bytes(r.bytes_in)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Addresses and user agents</h3>
      <ul className="plain small" data-testid="addresses">
        {profile.srcIps.map((i) => <li key={i.src_ip}>{i.src_ip} <span className="muted">({number(i.events)})</span> <New on={i.newSinceBaseline} /></li>)}
      </ul>
      <ul className="plain small muted" data-testid="user-agents">
        {profile.userAgents.map((u) => <li key={u.user_agent}>{u.user_agent} <New on={u.newSinceBaseline} /></li>)}
      </ul>
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
