import type { ReactNode } from 'react';

/**
 * The verbatim record, pretty-printed, every scalar a button that offers to filter on it (by its
 * JSON pointer). Text is rendered as text: a record cannot inject markup. A record that is not
 * JSON (a CSV row) is shown as it is.
 */
export function RawRecord({ raw, onValue }: { raw: string; onValue: (field: string, value: string | null, at: { x: number; y: number }) => void }) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return <pre data-testid="raw">{raw}</pre>;
  }
  if (parsed === null || typeof parsed !== 'object') return <pre data-testid="raw">{raw}</pre>;
  const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');
  const leaf = (value: unknown, pointer: string): ReactNode => {
    // json_extract_string reads a string as itself, other scalars as their JSON text, null as no value.
    const text = value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);
    return (
      <button
        type="button"
        className={`json-leaf ${value === null ? 'null' : typeof value}`}
        data-pointer={pointer}
        title={`filter on ${pointer.slice(1).replaceAll('/', '.')}`}
        onClick={(e) => onValue(`raw:${pointer}`, text, { x: e.clientX, y: e.clientY })}
      >
        {JSON.stringify(value)}
      </button>
    );
  };
  const node = (value: unknown, pointer: string, depth: number): ReactNode => {
    const pad = '  '.repeat(depth + 1);
    const close = '  '.repeat(depth);
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      return (
        <>
          {'[\n'}
          {value.map((v, i) => <span key={i}>{pad}{node(v, `${pointer}/${i}`, depth + 1)}{i < value.length - 1 ? ',' : ''}{'\n'}</span>)}
          {close}]
        </>
      );
    }
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.length === 0) return '{}';
      return (
        <>
          {'{\n'}
          {entries.map(([k, v], i) => (
            <span key={k}>{pad}<span className="json-key">{JSON.stringify(k)}</span>: {node(v, `${pointer}/${escape(k)}`, depth + 1)}{i < entries.length - 1 ? ',' : ''}{'\n'}</span>
          ))}
          {close}{'}'}
        </>
      );
    }
    return leaf(value, pointer);
  };
  return <pre data-testid="raw" className="raw-tree">{node(parsed, '', 0)}</pre>;
}
