/**
 * Conditions joined by AND or OR, those that read only columns before those that parse the raw
 * record. DuckDB evaluates a scan's filters in the order they are written, and a rule such as
 * `eventSource = s3 AND eventName IN (…)` read and parsed every raw record before looking at the
 * operation column: 580 ms against 5 ms on 1,000,000 events. AND and OR are commutative, also
 * with NULLs, so the order changes only the cost.
 */
export function joinParts(parts: readonly string[], op: 'AND' | 'OR'): string {
  const ordered = [...parts.filter((p) => !p.includes('e.raw')), ...parts.filter((p) => p.includes('e.raw'))];
  return ordered.length === 1 ? ordered[0]! : `(${ordered.join(` ${op} `)})`;
}
