import Table from 'cli-table3';

export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: false,
  });
  for (const row of rows) t.push(row.map((cell) => (typeof cell === 'number' ? cell.toLocaleString('en-US') : cell)));
  return t.toString();
}

export { formatBytes as bytes } from '../../shared/format';

/** Keeps the end of a long path, where the file name is. */
export function tail(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}
