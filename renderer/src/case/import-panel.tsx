import { useEffect, useRef, useState } from 'react';
import type { ImportJob, QuarantinedRecord } from '../../../shared/api';
import { bytes, call, number } from '../api-client';
import { useCase } from './case-store';

interface Upload {
  name: string;
  size: number;
  sent: number;
  error: string | null;
}

const POLL_MS = 250;

/**
 * Import evidence into the open case: drop files on the page, pick them, or name paths on this
 * machine. The desktop app imports dropped files in place; web mode first copies them next to
 * the case (a browser cannot tell the server where a file lives). Progress per file, records/s,
 * cancel, then what was imported, what was a duplicate and what was quarantined, and why.
 */
export function ImportPanel({ casePath, openPicker }: { casePath: string; openPicker: number }) {
  const refresh = useCase((s) => s.refresh);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paths, setPaths] = useState('');
  const [dragging, setDragging] = useState(false);
  const [quarantine, setQuarantine] = useState<QuarantinedRecord[]>([]);
  const picker = useRef<HTMLInputElement>(null);
  const running = job?.state === 'running' || uploads.some((u) => u.sent < u.size && !u.error);

  // The menu's Import Evidence… and its shortcut open the picker.
  useEffect(() => {
    if (openPicker > 0) void pickNative();
  }, [openPicker]);

  useEffect(() => {
    if (!job || job.state !== 'running') return;
    const timer = window.setInterval(() => {
      void call('import.status', { jobId: job.jobId }).then((r) => {
        if (!r.ok) return setError(r.error.message);
        setJob(r.value);
        if (r.value.state !== 'running') {
          void refresh();
          void call('quarantine.list', { casePath, limit: 200 }).then((q) => q.ok && setQuarantine(q.value));
        }
      });
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [job?.jobId, job?.state]);

  async function start(inputs: string[]) {
    setError(null);
    const r = await call('import.start', { casePath, inputs });
    if (r.ok) setJob(r.value);
    else setError(r.error.message);
  }

  async function pickNative() {
    if (typeof window.nhi?.onMenu === 'function') {
      const r = await call('dialog.pickEvidence', {});
      if (r.ok && r.value.length > 0) await start(r.value);
      else if (!r.ok) setError(r.error.message);
    } else {
      picker.current?.click();
    }
  }

  async function importFiles(files: File[]) {
    if (files.length === 0 || running) return;
    const bridge = window.nhi;
    if (!bridge) return;
    const direct = bridge.pathForFile ? files.map((f) => bridge.pathForFile!(f)).filter((p) => p) : [];
    if (direct.length === files.length) return start(direct);
    if (!bridge.upload) return setError('This app cannot read dropped files: name their paths instead.');
    const list: Upload[] = files.map((f) => ({ name: f.name, size: f.size, sent: 0, error: null }));
    setUploads(list);
    const copied: string[] = [];
    for (const [i, file] of files.entries()) {
      const r = await bridge.upload(casePath, file, (sent) => setUploads((old) => old.map((u, j) => (j === i ? { ...u, sent } : u))));
      if (r.ok) {
        copied.push(r.value.path);
        setUploads((old) => old.map((u, j) => (j === i ? { ...u, sent: u.size } : u)));
      } else {
        setUploads((old) => old.map((u, j) => (j === i ? { ...u, error: r.error.message } : u)));
      }
    }
    if (copied.length > 0) await start(copied);
  }

  const fraction = job && job.bytesTotal > 0 ? Math.min(1, job.bytesRead / job.bytesTotal) : 0;
  return (
    <section
      aria-label="import evidence"
      className={`import${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void importFiles([...e.dataTransfer.files]);
      }}
    >
      <h3>Import evidence</h3>
      <p className="muted">Drop log bundles here (zip, tar.gz, gz, JSON, JSON lines, CSV, Parquet; archives inside archives too), or:</p>
      <div className="toolbar">
        <button type="button" onClick={() => void pickNative()} disabled={running}>Choose files…</button>
        <input ref={picker} type="file" multiple hidden aria-label="evidence files" onChange={(e) => void importFiles([...(e.target.files ?? [])])} />
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const list = paths.split(/\n|;/).map((p) => p.trim()).filter(Boolean);
            if (list.length > 0) void start(list);
          }}
        >
          <input aria-label="evidence paths" value={paths} onChange={(e) => setPaths(e.target.value)} placeholder="or paths on this machine, separated by ;" size={48} spellCheck={false} />
          <button type="submit" disabled={running || !paths.trim()}>Import</button>
        </form>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {uploads.length > 0 && !job && (
        <ul className="files">
          {uploads.map((u) => (
            <li key={u.name}>
              <span>{u.name}</span>
              <progress max={u.size || 1} value={u.sent} aria-label={`copying ${u.name}`} />
              <span className="muted">{u.error ?? `copying ${bytes(u.sent)} of ${bytes(u.size)}`}</span>
            </li>
          ))}
        </ul>
      )}
      {job && (
        <div className="job" data-testid="import-job" data-state={job.state}>
          <div className="toolbar">
            <progress max={1} value={job.state === 'running' ? fraction : 1} aria-label="import progress" />
            <span data-testid="import-state">
              {job.state === 'running' ? `Importing… ${Math.round(fraction * 100)}%` : job.state === 'complete' ? 'Import complete' : job.state === 'cancelled' ? 'Import cancelled' : 'Import failed'}
            </span>
            <span className="muted">
              {number(job.eventsImported)} events · {number(job.recordsPerSecond)} records/s · {(job.elapsedMs / 1000).toFixed(1)} s
            </span>
            {job.state === 'running' && (
              <button type="button" className="danger" onClick={() => void call('import.cancel', { jobId: job.jobId }).then((r) => r.ok && setJob(r.value))}>Cancel</button>
            )}
          </div>
          {job.state === 'running' && job.currentFile && <p className="muted">Reading {job.currentFile}</p>}
          {job.error && <p className="error" role="alert">{job.error}</p>}
          <table className="files" aria-label="import report">
            <thead><tr><th>Input</th><th>State</th><th>Progress</th><th>Events</th><th>Duplicates</th><th>Quarantined</th></tr></thead>
            <tbody>
              {job.inputs.map((input) => (
                <tr key={input.path}>
                  <td title={input.path}>{input.path.split(/[\\/]/).pop()}</td>
                  <td>{input.state}{input.message ? `: ${input.message}` : ''}</td>
                  <td><progress max={input.sizeBytes || 1} value={input.state === 'complete' ? input.sizeBytes || 1 : input.bytesRead} aria-label={`progress ${input.path}`} /></td>
                  <td>{number(input.eventsImported)}</td>
                  <td>{number(input.duplicates)}</td>
                  <td>{number(input.quarantined)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {job.inputs.some((i) => i.problems.length > 0) && (
            <>
              <h4>Problems</h4>
              <ul>
                {job.inputs.flatMap((i) => i.problems).map((p, n) => (
                  <li key={n}><code>{p.code}</code> {p.path}: {p.message}</li>
                ))}
              </ul>
            </>
          )}
          {job.state !== 'running' && quarantine.length > 0 && <QuarantineTable rows={quarantine} />}
        </div>
      )}
    </section>
  );
}

/** What was set aside and why, record by record: nothing is dropped silently. */
export function QuarantineTable({ rows }: { rows: QuarantinedRecord[] }) {
  return (
    <>
      <h4>Quarantined records</h4>
      <table aria-label="quarantine">
        <thead><tr><th>File</th><th>Record</th><th>Reason</th><th>Message</th><th>Raw (start)</th></tr></thead>
        <tbody>
          {rows.map((q) => (
            <tr key={q.quarantineId}>
              <td className="wrap">{q.file}</td>
              <td>{q.recordNo ?? ''}{q.line ? ` (line ${q.line})` : ''}</td>
              <td><code>{q.reason}</code></td>
              <td className="wrap">{q.message}</td>
              <td className="wrap mono">{q.rawPreview ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
