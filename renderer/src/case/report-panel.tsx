import { useState } from 'react';
import { call, number } from '../api-client';

/** Save the auditor's report (HTML, or PDF by extension) next to the case or wherever the user names. */
export function ReportPanel({ casePath }: { casePath: string }) {
  const suggested = `${casePath.replace(/\.duckdb$/, '')}-report.html`;
  const [out, setOut] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function save(force = false) {
    setBusy(true);
    const r = await call('report.save', { casePath, out: out || suggested, force });
    setBusy(false);
    setStatus(r.ok ? `wrote ${r.value.path} (${number(r.value.bytes)} bytes, SHA-256 ${r.value.sha256.slice(0, 16)}…), recorded in the journal` : r.error.message);
  }
  return (
    <details className="report-panel">
      <summary>Report for auditors…</summary>
      <p className="muted small">One self-contained file: summary, findings with their evidence records and hashes, identities, timeline, flows, notes, manifest, the journal's head hash. End the name in .pdf for a PDF.</p>
      <div className="toolbar">
        <input aria-label="report path" value={out} onChange={(e) => setOut(e.target.value)} placeholder={suggested} size={70} spellCheck={false} />
        <button type="button" onClick={() => void save()} disabled={busy}>{busy ? 'Writing…' : 'Save report'}</button>
      </div>
      {status && <p className="muted small" data-testid="report-status">{status}</p>}
    </details>
  );
}
