import { type BrushBehavior, brushX } from 'd3-brush';
import { snapToBins } from '../../../shared/time-bins';
import { scaleLinear, scaleOrdinal, scaleUtc } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { select } from 'd3-selection';
import { memo, useEffect, useRef } from 'react';
import type { TimelineData } from '../../../shared/graph';
import { COLOR } from '../graph/graph-style';
import type { LiveClock } from '../graph/live-clock';

const WIDTH = 1200;
const DEFAULT_HEIGHT = 110;
const PAD = { left: 40, right: 10, top: 8, bottom: 20 };

export interface TimelineProps {
  data: TimelineData;
  /** The selected window (the shared filter's from/to). */
  window: { from?: string | undefined; to?: string | undefined };
  marks: { at: string; label: string; severity: string }[];
  cursor: number | null;
  /** The running replay clock: the cursor follows it every frame without a re-render. */
  live?: LiveClock;
  onBrush(from: string | null, to: string | null): void;
  /** Wheel over the bars: the range to show next, zoomed around the pointer. */
  onZoom?(from: number, to: number): void;
  formatTick(ms: number): string;
  /** In viewBox units (the width is 1200). */
  height?: number;
}

/** Events over time, machine and human stacked; brush a window to filter every view. */
export function TimelineStrip({ data, window: win, marks, cursor, live, onBrush, onZoom, formatTick, height: HEIGHT = DEFAULT_HEIGHT }: TimelineProps) {
  const cursorLine = useRef<HTMLDivElement>(null);
  const brushLayer = useRef<SVGGElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const zoomTo = useRef(onZoom);
  zoomTo.current = onZoom;
  const brush = useRef<BrushBehavior<unknown> | null>(null);
  const from = data.from ? Date.parse(data.from) : 0;
  const to = data.to ? Date.parse(data.to) + data.bucketSeconds * 1000 : 1;
  const x = scaleUtc().domain([new Date(from), new Date(to)]).range([PAD.left, WIDTH - PAD.right]);
  const max = Math.max(1, ...data.bins.map((b) => b.stacks.reduce((sum, n) => sum + n, 0)));
  const y = scaleLinear().domain([0, max]).nice().range([HEIGHT - PAD.bottom, PAD.top]);
  const barWidth = Math.max(1, x(new Date(from + data.bucketSeconds * 1000)) - x(new Date(from)) - 0.5);

  useEffect(() => {
    const behaviour = brushX<unknown>()
      .extent([[PAD.left, PAD.top], [WIDTH - PAD.right, HEIGHT - PAD.bottom]])
      .on('end', (event: { selection: [number, number] | null; sourceEvent?: unknown }) => {
        if (!event.sourceEvent) return; // moved by us, not the user
        if (!event.selection) return onBrush(null, null);
        const [a, b] = snapToBins(x.invert(event.selection[0]).getTime(), x.invert(event.selection[1]).getTime(), data.bucketSeconds);
        onBrush(new Date(a).toISOString(), new Date(b).toISOString());
      });
    brush.current = behaviour;
    select(brushLayer.current!).call(behaviour);
  }, [data, HEIGHT]);

  // Show the current window as the brush selection.
  useEffect(() => {
    if (!brush.current || !brushLayer.current) return;
    const layer = select(brushLayer.current);
    if (win.from && win.to) {
      const a = Math.max(PAD.left, x(new Date(win.from)));
      const b = Math.min(WIDTH - PAD.right, x(new Date(win.to)));
      if (b > a) brush.current.move(layer, [a, b]);
    } else brush.current.move(layer, null);
  }, [win.from, win.to, data]);

  // Wheel zoom, from the whole case down to seconds; React's onWheel is passive and cannot keep
  // the page from scrolling, so the listener is registered by hand.
  // The window the wheel last asked for: notches add up, also across histograms that arrive
  // between them (with the rollup one can land between two notches).
  const wheelWindow = useRef<[number, number] | null>(null);
  useEffect(() => {
    const element = svg.current;
    if (!element || !zoomTo.current) return;
    const asked = wheelWindow.current;
    // Anything else changed the axis (zoom out, a new filter): the next notch starts from it.
    if (asked && (asked[0] !== from || asked[1] !== (data.to ? Date.parse(data.to) : to))) wheelWindow.current = null;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      let [a, b] = wheelWindow.current ?? [from, to];
      const rect = element.getBoundingClientRect();
      const px = ((e.clientX - rect.left) / rect.width) * WIDTH;
      const share = Math.max(0, Math.min(1, (px - PAD.left) / (WIDTH - PAD.left - PAD.right)));
      const at = a + share * (b - a);
      const span = Math.max(10_000, (b - a) * (e.deltaY < 0 ? 0.6 : 1 / 0.6));
      // Whole milliseconds: the window comes back as ISO text and is compared with this.
      a = Math.round(at - share * span);
      b = Math.round(a + span);
      wheelWindow.current = [a, b];
      zoomTo.current?.(a, b);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [data]);

  // The replay cursor moves every frame: it is a composited overlay, so the bars underneath are
  // not repainted each time (in software rendering that repaint cost more than a frame).
  const shift = (at: number) => `translateX(calc(${((x(new Date(at)) / WIDTH) * 100).toFixed(3)}cqw - 1px))`;
  const latestShift = useRef(shift);
  latestShift.current = shift;
  useEffect(
    () =>
      live?.subscribe((at) => {
        if (at !== null && cursorLine.current) cursorLine.current.style.transform = latestShift.current(at);
      }),
    [live],
  );
  return (
    <div className="timeline-wrap" style={{ position: 'relative', containerType: 'inline-size' }}>
    {cursor !== null && (
      <div
        ref={cursorLine}
        data-testid="replay-cursor"
        style={{ position: 'absolute', left: 0, top: `${((PAD.top - 4) / HEIGHT) * 100}%`, height: `${((HEIGHT - PAD.bottom - PAD.top + 6) / HEIGHT) * 100}%`, width: 2, background: '#fff', pointerEvents: 'none', willChange: 'transform', transform: shift(live?.get() ?? cursor), zIndex: 1 }}
      />
    )}
    <svg ref={svg} className="timeline" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label="events over time, machine and human" data-testid="timeline">
      {y.ticks(3).map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} stroke="#1d222c" />
          <text x={PAD.left - 4} y={y(t) + 3} textAnchor="end" className="axis">{t}</text>
        </g>
      ))}
      <Bars data={data} x={x} y={y} barWidth={barWidth} height={HEIGHT} />
      {x.ticks(8).map((t) => (
        <text key={t.getTime()} x={x(t)} y={HEIGHT - 5} textAnchor="middle" className="axis">{formatTick(t.getTime())}</text>
      ))}
      {marks.map((m) => (
        <g key={`${m.at}${m.label}`} data-testid="finding-mark" data-at={m.at}>
          <line x1={x(new Date(m.at))} x2={x(new Date(m.at))} y1={PAD.top} y2={HEIGHT - PAD.bottom} stroke={m.severity === 'critical' ? COLOR.external : '#f0a030'} strokeWidth={1.5}>
            <title>{m.label}</title>
          </line>
        </g>
      ))}
      <g ref={brushLayer} className="brush" />
    </svg>
    </div>
  );
}

/** The colour of each stacked series: machine and human keep theirs, sources and categories take a palette. */
export function stackColors(data: TimelineData): string[] {
  if (data.stackBy === 'nhi') return [COLOR.machine, COLOR.human];
  const palette = scaleOrdinal<string, string>(schemeTableau10).domain(data.keys);
  return data.keys.map((k) => palette(k));
}

/** The bars, drawn once per histogram: the replay cursor moves every frame, they do not. */
const Bars = memo(function Bars({ data, x, y, barWidth }: { data: TimelineData; x: (d: Date) => number; y: (n: number) => number; barWidth: number; height: number }) {
  const colors = stackColors(data);
  return (
    <g>
      {data.bins.map((b) => {
        const x0 = x(new Date(b.start));
        let below = 0;
        return (
          <g key={b.start}>
            {b.stacks.map((n, i) => {
              if (n === 0) return null;
              const top = below + n;
              const rect = <rect key={i} x={x0} y={y(top)} width={barWidth} height={y(below) - y(top)} fill={colors[i]}><title>{`${b.start.slice(0, 19).replace('T', ' ')} UTC, ${data.bucketSeconds} s bucket · ${data.keys[i]}: ${n}`}</title></rect>;
              below = top;
              return rect;
            })}
          </g>
        );
      })}
    </g>
  );
}, (a, b) => a.data === b.data && a.barWidth === b.barWidth && a.height === b.height);
