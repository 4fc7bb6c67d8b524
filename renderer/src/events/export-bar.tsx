import { useState } from 'react';
import type { EventFilter } from '../../../shared/api';
import { call, number } from '../api-client';

type Format = 'csv' | 'jsonl' | 'parquet' | 'timesketch';
const EXTENSION: Record<Format, string> = { csv: 'csv', jsonl: 'jsonl', parquet: 'parquet', timesketch: 'timesketch.csv' };

/**
 * Export what the events view shows (its filter) to a file on this machine, through DuckDB; the
 * export is journaled with its SHA-256. The path is one the user names here.
 */
export function ExportBar({ casePath, filter }: { casePath: string; filter: EventFilter }) {
  const [format, setFormat] = useState<Format>('csv');
  const [out, setOut] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const suggested = `${casePath.replace(/\.duckdb$/, '')}-events.${EXTENSION[format]}`;

  async function run() {
    setBusy(true);
    setStatus(null);
    const r = await call('events.export', { casePath, filter, format, out: out || suggested });
    setBusy(false);
    setStatus(r.ok ? `wrote ${number(r.value.rows)} events to ${r.value.path} (SHA-256 ${r.value.sha256.slice(0, 16)}…)` : r.error.message);
  }

  return (
    <details className="export-bar">
      <summary>Export these events…</summary>
      <div className="toolbar">
        <select aria-label="export format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
          <option value="csv">CSV</option>
          <option value="jsonl">JSON lines</option>
          <option value="parquet">Parquet</option>
          <option value="timesketch">Timesketch timeline</option>
        </select>
        <input aria-label="export path" value={out} onChange={(e) => setOut(e.target.value)} placeholder={suggested} size={60} spellCheck={false} />
        <button type="button" onClick={() => void run()} disabled={busy}>{busy ? 'Exporting…' : 'Export'}</button>
      </div>
      {status && <p className="muted small" data-testid="export-status">{status}</p>}
    </details>
  );
}
