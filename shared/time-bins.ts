/**
 * The timeline's bins start at whole multiples of their size from this Monday (the origin the
 * histogram's SQL `time_bucket` uses), so a bin of a minute or more starts on a whole minute.
 */
export const BIN_ORIGIN_MS = Date.UTC(2000, 0, 3);

/**
 * A brushed window widened to the bins it touches: what the analyst sees selected is whole
 * bars, and a window of whole minutes is answered from the per-minute rollup.
 */
export function snapToBins(fromMs: number, toMs: number, bucketSeconds: number): [number, number] {
  if (!(bucketSeconds > 0) || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) return [fromMs, toMs];
  const size = bucketSeconds * 1000;
  const from = BIN_ORIGIN_MS + Math.floor((fromMs - BIN_ORIGIN_MS) / size) * size;
  const to = BIN_ORIGIN_MS + Math.ceil((toMs - BIN_ORIGIN_MS) / size) * size;
  return [from, Math.max(to, from + size)];
}
