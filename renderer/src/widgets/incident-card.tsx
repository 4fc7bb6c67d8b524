import type { Incident } from '../../../shared/findings';
import { formatBytes } from '../../../shared/format';
import { snapToBins } from '../../../shared/time-bins';
import { useReplay, useTimelineZoom } from '../replay-state';
import { useTimeFormat } from '../time-zone';
import { useView } from '../view-state';
import { EntityChip } from './entity-chip';

/** How much room the investigation gets around an incident: enough to see what led to it. */
const PAD_MS = 15 * 60_000;

/**
 * One incident as the analyst first meets it: severity, score and its story in one line, the
 * chain drawn as steps (origin → credentials → identities → resources → bytes → outside boundary),
 * each step a chip that opens it, and Investigate: the events, graph and timeline on its window
 * with the replay cued just before its first event.
 */
export function IncidentCard({ incident, compact = false }: { incident: Incident; compact?: boolean }) {
  const time = useTimeFormat();
  const { go, setFilter } = useView();
  const inc = incident;
  const start = Date.parse(inc.windowStart);
  const end = Date.parse(inc.windowEnd);
  function investigate() {
    // Whole minutes: the graph and timeline answer those from the per-minute rollup.
    const [from, to] = snapToBins(start - PAD_MS, end + PAD_MS, 60);
    setFilter({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), finding: undefined, actor: undefined, resource: undefined, text: undefined });
    useReplay.getState().request(start - 60_000);
    // The timeline shows the hours around it, not five weeks with a sliver.
    useTimelineZoom.getState().request({ from: new Date(start - 4 * PAD_MS).toISOString(), to: new Date(end + 4 * PAD_MS).toISOString() });
    go('graph', { identity: inc.origin });
  }
  const others = inc.identities.filter((i) => i !== inc.origin);
  return (
    <article className={`incident ${inc.severity}`} data-testid="incident" aria-label={`incident ${inc.title}`}>
      <h3>
        <span className={`sev ${inc.severity}`}>{inc.severity}</span> <span className="score" title="score on the findings' 0-100 scale">{inc.score.toFixed(0)}</span> {inc.title}
      </h3>
      <p className="muted small">
        {time(inc.windowStart)} → {time(inc.windowEnd)} · {inc.stages.join(' → ')}
      </p>
      <ol className="chain-steps" aria-label="chain">
        {inc.origin && (
          <li><span className="step-label">origin</span><EntityChip kind="identity" value={inc.origin} /></li>
        )}
        {inc.credentials.length > 0 && (
          <li><span className="step-label">credential</span>{inc.credentials.map((c) => <EntityChip key={c} kind="credential" value={c} />)}</li>
        )}
        {others.length > 0 && (
          <li><span className="step-label">as</span>{others.map((i) => <EntityChip key={i} kind="identity" value={i} />)}</li>
        )}
        {inc.networks.length > 0 && (
          <li><span className="step-label">from</span>{inc.networks.map((n) => <EntityChip key={n} kind="network" value={n} />)}</li>
        )}
        {inc.resources.length > 0 && (
          <li><span className="step-label">on</span>{inc.resources.slice(0, compact ? 3 : 5).map((r) => <EntityChip key={r} kind="resource" value={r} />)}</li>
        )}
        {inc.bytes > 0 && (
          <li><span className="step-label">moved</span><span className="chip bytes">{formatBytes(inc.bytes)}</span></li>
        )}
        {inc.outside.length > 0 && (
          <li><span className="step-label">to outside</span>{inc.outside.map((b) => <EntityChip key={b} kind="boundary" value={b} tone="danger" />)}</li>
        )}
      </ol>
      {!compact && (
        <ol className="story small">
          {inc.story.map((step) => (
            <li key={step.findingId}>
              <span className="muted">{step.stage}</span> {time(step.at)} <span className={`sev ${step.severity}`}>{step.severity}</span> {step.title}{' '}
              <span className="muted">({step.identity})</span>
            </li>
          ))}
        </ol>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={investigate}>Investigate</button>
        <button type="button" onClick={() => { setFilter({ from: undefined, to: undefined }); go('findings'); }}>Its findings</button>
      </div>
    </article>
  );
}
