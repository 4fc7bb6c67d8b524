import { useEffect, useState } from 'react';
import type { EventDetail } from '../../../shared/api';
import { VALUE_FIELDS } from '../../../shared/event-columns';
import { call, number } from '../api-client';
import { JournalNotes } from '../widgets/journal-notes';
import { formatTime, useZone, zoneLabel, zoneText } from '../time-zone';
import { useView } from '../view-state';
import { RawRecord } from './raw-record';
import { type ValueTarget, ValueMenu, fieldLabel } from '../widgets/value-filter';

/** The raw record as written in the evidence, where it came from, and who stands behind it. */
export function EventPanel({ casePath, eventUid, onClose, onMarked }: { casePath: string; eventUid: string; onClose: () => void; onMarked: () => void }) {
  const { go } = useView();
  const zone = useZone((s) => s.zone);
  const [detail, setDetail] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [menu, setMenu] = useState<ValueTarget | null>(null);
  useEffect(() => {
    setDetail(null);
    setError(null);
    void call('event.detail', { casePath, eventUid }).then((r) => (r.ok ? setDetail(r.value) : setError(r.error.message)));
  }, [casePath, eventUid]);
  if (error) return <aside className="event-panel error">{error}</aside>;
  if (!detail) return <aside className="event-panel muted">Loading…</aside>;
  const p = detail.provenance;
  const actor = typeof detail.event.actor_uid === 'string' ? detail.event.actor_uid : null;
  const open = (field: string, value: string | null, at: { x: number; y: number }) => setMenu({ field, value, at });
  return (
    <aside className="event-panel" aria-label="event detail">
      <div className="toolbar">
        <strong>{String(detail.event.operation)}</strong>
        <span className="muted">{formatTime(String(detail.event.time), zone)} {zoneLabel(zone)}</span>
        <span className="spacer" />
        <button type="button" className="link" onClick={onClose} aria-label="close event detail">✕</button>
      </div>
      <h3>Who stands behind it</h3>
      <p data-testid="chain">{detail.chain ? zoneText(detail.chain.summary, zone) : 'no chain'}</p>
      {actor && <button type="button" className="link" onClick={() => go('identity', { identity: actor })}>Open the profile of {actor}</button>}
      <h3>Fields</h3>
      <dl className="fields" data-testid="fields">
        {VALUE_FIELDS.filter((f) => detail.event[f] !== null && detail.event[f] !== undefined).map((f) => {
          const value = String(detail.event[f]);
          return (
            <div key={f}>
              <dt>{fieldLabel(f)}</dt>
              <dd>
                <button type="button" className="json-leaf" title={`filter on ${fieldLabel(f)}`} onClick={(e) => open(f, value, { x: e.clientX, y: e.clientY })}>{value}</button>
              </dd>
            </div>
          );
        })}
      </dl>
      <h3>Provenance</h3>
      <dl className="provenance" data-testid="provenance">
        <dt>File</dt><dd>{p.path}</dd>
        <dt>SHA-256</dt><dd className="mono">{p.sha256}</dd>
        <dt>Record</dt><dd>#{p.recordNo}, byte {number(p.byteOffset)}</dd>
        <dt>Bundle</dt><dd>{p.sourcePath}</dd>
      </dl>
      {detail.resources.length > 0 && (
        <>
          <h3>Resources</h3>
          <ul className="plain">
            {detail.resources.map((r) => <li key={`${r.role}${r.resource_uid}`}><span className="muted">{r.role}</span> {r.resource_uid}{r.boundary ? <span className="muted"> · {r.boundary}</span> : null}</li>)}
          </ul>
        </>
      )}
      <h3>Notes and tags</h3>
      <JournalNotes casePath={casePath} targetKind="event" targetId={eventUid} onChange={onMarked} />
      <h3>Raw record <span className="muted small">(click a value to filter on it)</span></h3>
      <RawRecord raw={detail.raw} onValue={open} />
      {menu && <ValueMenu target={menu} onClose={() => setMenu(null)} />}
    </aside>
  );
}
