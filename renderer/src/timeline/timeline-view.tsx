import { useEffect, useRef, useState } from 'react';
import type { TimelineData, TimelineStack } from '../../../shared/graph';
import { call } from '../api-client';
import type { LiveClock } from '../graph/live-clock';
import { useCase } from '../case/case-store';
import { formatTime, useZone, zoneLabel } from '../time-zone';
import { useView } from '../view-state';
import { useTimelineZoom } from '../replay-state';
import { TimelineStrip, stackColors } from './timeline-strip';

const spanSeconds = (t: TimelineData) => (t.from !== null && t.to !== null ? (Date.parse(t.to) - Date.parse(t.from)) / 1000 : 0);
const bucketLabel = (s: number) => (s >= 86400 ? `${s / 86400} d` : s >= 3600 ? `${s / 3600} h` : s >= 60 ? `${s / 60} min` : `${s} s`);

/**
 * Events over time, stacked machine/human (or by source, or category), with the findings marked.
 * Brushing sets the shared filter's window, so the graph and the events view follow it; the
 * wheel or "zoom to window" narrows what is shown, down to one-second bars.
 */
export function TimelineView({ casePath, cursor = null, live, isStandalone = false }: { casePath: string; cursor?: number | null; live?: LiveClock; isStandalone?: boolean }) {
  const { filter, setFilter, go } = useView();
  const revision = useCase((s) => s.revision);
  const zone = useZone((s) => s.zone);
  const [timeline, setTimeline] = useState<TimelineData | null>(null);
  const [zoomed, setZoomed] = useState<{ from: string; to: string } | null>(null);
  const [stackBy, setStackBy] = useState<TimelineStack>('nhi');
  const [marks, setMarks] = useState<{ at: string; label: string; severity: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  const zoomRequest = useTimelineZoom((s) => s.requested);
  useEffect(() => {
    if (!zoomRequest) return;
    setZoomed(zoomRequest);
    useTimelineZoom.getState().request(null);
  }, [zoomRequest]);

  useEffect(() => {
    const { from: _f, to: _t, ...rest } = filter;
    const ticket = ++asked.current;
    // Wheel zooming asks many times a second; only the last answer is drawn.
    const timer = setTimeout(() => {
      void call('timeline.histogram', { casePath, filter: zoomed ? { ...rest, ...zoomed } : rest, buckets: 240, stackBy }).then((r) => {
        if (ticket !== asked.current) return;
        if (!r.ok) return setError(r.error.message);
        setError(null);
        setTimeline(r.value);
      });
    }, zoomed ? 120 : 0);
    return () => clearTimeout(timer);
  }, [casePath, JSON.stringify({ ...filter, from: undefined, to: undefined }), zoomed, stackBy, revision]);

  useEffect(() => {
    void call('findings.list', { casePath }).then((r) => r.ok && setMarks(r.value.filter((f) => f.severity === 'critical' || f.severity === 'high').map((f) => ({ at: f.windowStart, label: `${f.severity}: ${f.title}`, severity: f.severity }))));
  }, [casePath, revision]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!timeline) return <p className="muted small">Loading the timeline…</p>;
  if (timeline.bins.length === 0) return <p className="muted small">No events in this filter.</p>;
  return (
    <div className="timeline-view" data-testid="timeline-view">
      <div className="toolbar small wrap-row">
        <span className="muted">Timeline ({zoneLabel(zone)} ticks; buckets of {bucketLabel(timeline.bucketSeconds)}) · brush to set the window · wheel to zoom</span>
        {filter.from && filter.to && (
          <>
            <span data-testid="window">window {formatTime(filter.from, zone)} → {formatTime(filter.to, zone)}</span>
            <button type="button" className="link" onClick={() => setZoomed({ from: filter.from!, to: filter.to! })}>zoom to window</button>
            <button type="button" className="link" onClick={() => setFilter({ from: undefined, to: undefined })}>clear window</button>
          </>
        )}
        {zoomed && <button type="button" className="link" onClick={() => setZoomed(null)}>zoom out</button>}
        {isStandalone && (
          <>
            <button type="button" onClick={() => go('events')}>Events in this window</button>
            <button type="button" onClick={() => go('graph')}>Graph and replay</button>
          </>
        )}
        <span className="spacer" />
        <label className="inline-label">stack by
          <select aria-label="stack the timeline by" value={stackBy} onChange={(e) => setStackBy(e.target.value as TimelineStack)}>
            <option value="nhi">machine / human</option>
            <option value="source">source</option>
            <option value="category">category</option>
          </select>
        </label>
        <span className="timeline-keys">
          {timeline.keys.map((k, i) => <span key={k}><span className="dot" style={{ background: stackColors(timeline)[i] }} /> {k}</span>)}
        </span>
      </div>
      <TimelineStrip
        data={timeline}
        window={{ from: filter.from, to: filter.to }}
        marks={marks}
        cursor={cursor}
        {...(live ? { live } : {})}
        onBrush={(from, to) => setFilter({ from: from ?? undefined, to: to ?? undefined })}
        onZoom={(from, to) => setZoomed({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })}
        height={isStandalone ? 240 : 110}
        // Over a day: month, day and minute; within one: the time to the second.
        // Every tick carries its date; seconds when the view is a few minutes wide or less.
        formatTick={(ms) => {
          const text = formatTime(new Date(ms).toISOString(), zone);
          return spanSeconds(timeline) > 600 ? text.slice(5, 16) : text.slice(5, 19);
        }}
      />
    </div>
  );
}
