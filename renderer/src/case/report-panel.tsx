import { useState } from 'react';
import { call, number } from '../api-client';
import { ianaOf, useZone, zoneLabel } from '../time-zone';

/**
 * The auditor's report (HTML, or PDF by extension): the incident narrative first, then the findings
 * with their evidence records and hashes. A bare name is written beside the case; in web mode the
 * browser also downloads it. An existing file is replaced only when the analyst says so.
 */
export function ReportPanel({ casePath, open = false }: { casePath: string; open?: boolean }) {
  const suggested = `${(casePath.split(/[\\/]/).pop() ?? 'case').replace(/\.duckdb$/, '')}-report.html`;
  const zone = useZone((s) => s.zone);
  const [out, setOut] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [exists, setExists] = useState(false);
  const [busy, setBusy] = useState(false);
  async function save(force = false) {
    setBusy(true);
    setExists(false);
    const r = await call('report.save', { casePath, out: out || suggested, force, zone: ianaOf(zone) });
    setBusy(false);
    if (!r.ok) {
      setExists(r.error.code === 'file_exists');
      return setStatus(r.error.message);
    }
    setStatus(`wrote ${r.value.path} (${number(r.value.bytes)} bytes, SHA-256 ${r.value.sha256.slice(0, 16)}…), recorded in the journal`);
    if (r.value.download) {
      const a = document.createElement('a');
      a.href = `/download/${r.value.download}`;
      a.download = r.value.path.split(/[\\/]/).pop() ?? 'report.html';
      document.body.append(a);
      a.click();
      a.remove();
    }
  }
  return (
    <details className="report-panel" open={open}>
      <summary>Report for auditors…</summary>
      <p className="muted small">
        One self-contained file: what happened (each incident's story with the record behind each step), then the findings with their evidence records and hashes, identities, timeline, flows, notes, manifest and the journal's head hash. Times in {zoneLabel(zone)}. A bare name is written beside the case; end it in .pdf for a PDF.
      </p>
      <div className="toolbar">
        <input aria-label="report path" value={out} onChange={(e) => setOut(e.target.value)} placeholder={suggested} size={70} spellCheck={false} />
        <button type="button" onClick={() => void save()} disabled={busy}>{busy ? 'Writing…' : 'Save report'}</button>
        {exists && <button type="button" onClick={() => void save(true)} disabled={busy}>Replace it</button>}
      </div>
      {status && <p className="muted small" data-testid="report-status" role="status">{status}</p>}
    </details>
  );
}
