import { resolve } from 'node:path';
import { API_REQUESTS, type EventFilter } from '../../shared/api';
import { EXPORT_FORMATS, type ExportFormat, exportEvents } from '../export/export-events';
import { EXIT } from './exit-codes';
import { type ParsedArgs, UsageError, requireCase, withCase } from './args';

export const EXPORT_OPTIONS = {
  case: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean', default: false },
  'raw-cells': { type: 'boolean', default: false },
  from: { type: 'string' },
  to: { type: 'string' },
  source: { type: 'string' },
  actor: { type: 'string' },
  nhi: { type: 'boolean' },
  human: { type: 'boolean' },
  operation: { type: 'string' },
  resource: { type: 'string' },
  status: { type: 'string' },
  text: { type: 'string' },
  finding: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** `nhi export --case FILE --format csv|jsonl|parquet|timesketch --out PATH [filters] [--force]`. */
export async function runExport(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const format = args.values.format;
  if (typeof format !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format takes one of ${EXPORT_FORMATS.join(', ')}`);
  if (typeof args.values.out !== 'string') throw new UsageError('--out PATH is required');
  if (args.values.nhi === true && args.values.human === true) throw new UsageError('--nhi and --human exclude each other');
  const raw: Record<string, unknown> = {};
  for (const key of ['from', 'to', 'source', 'actor', 'operation', 'resource', 'status', 'text', 'finding'] as const) if (typeof args.values[key] === 'string') raw[key] = args.values[key];
  if (args.values.nhi === true) raw.nhi = true;
  if (args.values.human === true) raw.nhi = false;
  // The same validation as the app's events filter: what the CLI exports, the view can show.
  const parsed = API_REQUESTS['events.query'].shape.filter.safeParse(raw);
  if (!parsed.success) throw new UsageError(`bad filter: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const filter: EventFilter = parsed.data;
  const result = await withCase(casePath, {}, (store) =>
    exportEvents(store, { filter, format: format as ExportFormat, out: resolve(args.values.out as string), force: args.values.force === true, rawCells: args.values['raw-cells'] === true }),
  );
  if (args.values.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`wrote ${result.rows.toLocaleString('en-US')} events to ${result.path} (${result.format}, SHA-256 ${result.sha256}); recorded in the journal\n`);
  return EXIT.ok;
}
