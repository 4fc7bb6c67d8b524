import { scaleLinear, scaleTime } from 'd3-scale';
import { esc } from './escape';

/** Inline SVG charts for the offline report, drawn as strings (no script, no external request). */

export interface DayCount {
  day: string;
  machine: number;
  human: number;
}

export function timelineSvg(days: DayCount[], marks: { at: string; label: string }[], width = 900, height = 180): string {
  if (days.length === 0) return '<p>No events.</p>';
  const pad = { left: 48, right: 12, top: 12, bottom: 28 };
  const times = days.map((d) => new Date(`${d.day}T00:00:00Z`));
  const x = scaleTime().domain([times[0]!, new Date(times[times.length - 1]!.getTime() + 86_400_000)]).range([pad.left, width - pad.right]);
  const max = Math.max(1, ...days.map((d) => d.machine + d.human));
  const y = scaleLinear().domain([0, max]).nice().range([height - pad.bottom, pad.top]);
  const barWidth = Math.max(1, (width - pad.left - pad.right) / days.length - 1);
  const bars = days
    .map((d, i) => {
      const x0 = x(times[i]!);
      const machineTop = y(d.machine);
      const humanTop = y(d.machine + d.human);
      return `<rect x="${x0.toFixed(1)}" y="${machineTop.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(0) - machineTop).toFixed(1)}" fill="#7b61c9"><title>${esc(d.day)}: ${d.machine} machine events</title></rect>` +
        `<rect x="${x0.toFixed(1)}" y="${humanTop.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(machineTop - humanTop).toFixed(1)}" fill="#3fa672"><title>${esc(d.day)}: ${d.human} human events</title></rect>`;
    })
    .join('');
  const ticks = y.ticks(4).map((t) => `<text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end" class="axis">${t}</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(t)}" y2="${y(t)}" class="grid"/>`).join('');
  const xTicks = x.ticks(8).map((t) => `<text x="${x(t)}" y="${height - 8}" text-anchor="middle" class="axis">${t.toISOString().slice(5, 10)}</text>`).join('');
  // Labels right-aligned to the left of their line, one per row, so close marks stay readable.
  const markSvg = marks
    .map((m, i) => {
      const at = x(new Date(m.at));
      return `<line x1="${at}" x2="${at}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#d33" stroke-width="1.5"/><text x="${at - 4}" y="${pad.top + 10 + i * 11}" text-anchor="end" class="mark">${esc(m.label)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="events per day, machine and human">${ticks}${bars}${xTicks}${markSvg}</svg>`;
}

export interface Flow {
  identity: string;
  isNhi: boolean | null;
  resource: string;
  external: boolean;
  events: number;
  bytes: number;
}

/** Identities on the left, resources on the right, edges as wide as their bytes (or calls); outside-boundary edges in red. */
export function flowsSvg(flows: Flow[], width = 900): string {
  if (flows.length === 0) return '<p>No flows.</p>';
  const identities = [...new Set(flows.map((f) => f.identity))];
  const resources = [...new Set(flows.map((f) => f.resource))];
  const rowHeight = 22;
  const height = Math.max(identities.length, resources.length) * rowHeight + 24;
  const yId = (i: number) => 16 + i * ((height - 24) / Math.max(1, identities.length)) + rowHeight / 2;
  const yRes = (i: number) => 16 + i * ((height - 24) / Math.max(1, resources.length)) + rowHeight / 2;
  const left = 300;
  const right = width - 300;
  const maxWeight = Math.max(1, ...flows.map((f) => f.bytes || f.events));
  const stroke = scaleLinear().domain([0, maxWeight]).range([1, 12]);
  const edges = flows
    .map((f) => {
      const y1 = yId(identities.indexOf(f.identity));
      const y2 = yRes(resources.indexOf(f.resource));
      const mid = (left + right) / 2;
      return `<path d="M${left},${y1} C${mid},${y1} ${mid},${y2} ${right},${y2}" fill="none" stroke="${f.external ? '#d33' : '#8892a6'}" stroke-opacity="${f.external ? 0.95 : 0.55}" stroke-width="${stroke(f.bytes || f.events).toFixed(1)}"><title>${esc(f.identity)} → ${esc(f.resource)}: ${f.events} calls, ${f.bytes} bytes${f.external ? ' (outside boundary)' : ''}</title></path>`;
    })
    .join('');
  const short = (s: string) => (s.length > 44 ? `…${s.slice(-43)}` : s);
  const idNodes = identities
    .map((id, i) => {
      const nhi = flows.find((f) => f.identity === id)?.isNhi;
      return `<rect x="${left - 10}" y="${yId(i) - 5}" width="10" height="10" fill="${nhi ? '#7b61c9' : nhi === false ? '#3fa672' : '#999'}"/><text x="${left - 16}" y="${yId(i) + 4}" text-anchor="end" class="label">${esc(short(id))}</text>`;
    })
    .join('');
  const resNodes = resources
    .map((r, i) => {
      const external = flows.some((f) => f.resource === r && f.external);
      return `<circle cx="${right + 5}" cy="${yRes(i)}" r="5" fill="${external ? '#d33' : '#5b8def'}"/><text x="${right + 16}" y="${yRes(i) + 4}" class="label">${esc(short(r))}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="top identity to resource flows">${edges}${idNodes}${resNodes}</svg>`;
}
