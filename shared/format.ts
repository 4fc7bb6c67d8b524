/** Sizes as people read them (decimal units, like disks and cloud bills): `13.9 GB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A finding's data: what moved (a copy counts once), and what was read and written when both happened. */
export function formatMoved(f: { bytes: number | null; bytesRead: number | null; bytesWritten: number | null }): string {
  if (!f.bytes) return '';
  const read = f.bytesRead ?? 0;
  const written = f.bytesWritten ?? 0;
  if (read > 0 && written > 0) return `${formatBytes(f.bytes)} moved (${formatBytes(read)} read, ${formatBytes(written)} written)`;
  return `${formatBytes(f.bytes)} ${written > 0 ? 'written' : 'read'}`;
}
