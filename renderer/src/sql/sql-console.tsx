import { tableFromIPC } from 'apache-arrow';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState } from 'react';
import type { SqlResult } from '../../../shared/api';
import { csvText } from '../../../shared/csv-cells';

interface Grid {
  columns: string[];
  rows: unknown[][];
  result: SqlResult;
}

const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Cells that a spreadsheet would run as a formula are written as text (shared/csv-cells.ts). */
const csv = (grid: Grid): string => csvText(grid.columns, grid.rows);

/** Read-only SQL over the case (the main side refuses anything else); results arrive as Arrow. */
export function SqlConsole({ casePath }: { casePath: string }) {
  const [sql, setSql] = useState(`SELECT actor_uid, count(*) AS events, sum(bytes_out) AS bytes_out\nFROM events GROUP BY ALL ORDER BY events DESC LIMIT 20`);
  const [grid, setGrid] = useState<Grid | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  async function run() {
    if (!window.nhi) return;
    setRunning(true);
    setError(null);
    const r = await window.nhi.call('sql.query', { casePath, sql });
    setRunning(false);
    if (!r.ok) {
      setGrid(null);
      setError(r.error.message);
      return;
    }
    const columns = r.value.columns.map((c) => c.name);
    const rows = r.value.arrow ? [...tableFromIPC(Uint8Array.from(atob(r.value.arrow), (c) => c.charCodeAt(0)))].map((row) => columns.map((c) => (row as unknown as Record<string, unknown>)[c])) : [];
    setGrid({ columns, rows, result: r.value });
  }

  function download() {
    if (!grid) return;
    const url = URL.createObjectURL(new Blob([csv(grid)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'query.csv';
    a.click();
    URL.revokeObjectURL(url);
  }

  return (
    <section aria-label="sql console">
      <h2>SQL (read-only)</h2>
      <textarea
        aria-label="SQL query"
        data-find
        value={sql}
        rows={4}
        spellCheck={false}
        onChange={(e) => setSql(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run();
        }}
      />
      <div className="toolbar">
        <button type="button" onClick={() => void run()} disabled={running}>{running ? 'Running…' : 'Run (Ctrl+Enter)'}</button>
        <button type="button" onClick={download} disabled={!grid}>Export CSV</button>
        {grid && <span className="muted" data-testid="sql-status">{grid.result.rowCount.toLocaleString('en-US')} rows{grid.result.truncatedBy === 'bytes' ? ' (first rows only: the result passed 64 MB)' : grid.result.truncated ? ' (first rows only)' : ''} in {Math.round(grid.result.elapsedMs)} ms</span>}
      </div>
      {error && <p className="error" role="alert" data-testid="sql-error">{error}</p>}
      {grid && <ResultGrid grid={grid} />}
    </section>
  );
}

const RESULT_ROW = 26;

/** Up to 10,000 result rows, only those in view in the page (spacer rows keep the scroll height). */
function ResultGrid({ grid }: { grid: Grid }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: grid.rows.length, getScrollElement: () => scroller.current, estimateSize: () => RESULT_ROW, overscan: 30 });
  const items = virtual.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtual.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  return (
    <div ref={scroller} className="sql-grid">
      <table data-testid="sql-result">
        <thead><tr>{grid.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
        <tbody>
          {top > 0 && <tr className="spacer" aria-hidden="true" style={{ height: top }} />}
          {items.map((item) => (
            <tr key={item.key} style={{ height: RESULT_ROW }}>{grid.rows[item.index]!.map((v, j) => <td key={j}>{cell(v)}</td>)}</tr>
          ))}
          {bottom > 0 && <tr className="spacer" aria-hidden="true" style={{ height: bottom }} />}
        </tbody>
      </table>
    </div>
  );
}
