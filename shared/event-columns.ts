/**
 * The columns of the events grid: what each one shows, whether it sorts and whether its values can
 * be counted and filtered on exactly. The server splices these names into SQL only after the API
 * schema has checked them against these lists.
 */

/** Normalized fields an analyst can filter on by exact value (and count values of). */
export const VALUE_FIELDS = [
  'actor_uid', 'operation', 'resource_uid', 'src_ip', 'status', 'source', 'boundary', 'region',
  'user_agent', 'credential_uid', 'session_uid', 'error_code', 'service', 'category',
] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

/** Sorting: every value field, the time and the byte counts. */
export const EVENT_SORT_COLUMNS = ['time', ...VALUE_FIELDS, 'bytes_out', 'bytes_in'] as const;
export type SortColumn = (typeof EVENT_SORT_COLUMNS)[number];

/** A field of the raw record by JSON pointer (RFC 6901), as `raw:/requestParameters/bucketName`. */
export const RAW_FIELD = /^raw:(\/[^\u0000-\u001f]{0,255}){1,16}$/u;

/** What the grid's page carries per event (`tags`: its current tags, space-separated). */
export const EVENT_PAGE_COLUMNS = [
  'event_uid', 'time', 'source', 'actor_uid', 'actor_display', 'is_nhi', 'operation', 'resource_uid', 'src_ip', 'status', 'bytes_out', 'bytes_in',
  'boundary', 'region', 'user_agent', 'credential_uid', 'session_uid', 'error_code', 'service', 'tags', 'bookmarked',
] as const;

export type GridColumnKey = 'marks' | 'time' | 'actor_uid' | 'is_nhi' | 'operation' | 'resource_uid' | 'src_ip' | 'status' | 'bytes_out' | 'bytes_in'
  | 'source' | 'boundary' | 'region' | 'user_agent' | 'credential_uid' | 'session_uid' | 'error_code' | 'service';

export interface GridColumn {
  key: GridColumnKey;
  label: string;
  title?: string;
  /** Starting width in pixels. */
  width: number;
  /** Shown before the analyst chooses. */
  visible: boolean;
  /** Where a long value is cut: identifiers keep both ends (the account and the object). */
  shorten?: 'middle';
}

export const GRID_COLUMNS: readonly GridColumn[] = [
  { key: 'marks', label: '★', title: 'bookmarks and tags', width: 44, visible: true },
  { key: 'time', label: 'Time', width: 176, visible: true },
  { key: 'actor_uid', label: 'Actor', width: 190, visible: true, shorten: 'middle' },
  { key: 'is_nhi', label: 'Kind', width: 60, visible: true },
  { key: 'operation', label: 'Operation', width: 140, visible: true },
  { key: 'resource_uid', label: 'Resource', width: 360, visible: true, shorten: 'middle' },
  { key: 'src_ip', label: 'Source IP', width: 110, visible: true },
  { key: 'status', label: 'Status', width: 64, visible: true },
  { key: 'bytes_out', label: 'Read', title: 'bytes read out of the resource (a download, GetObject)', width: 72, visible: true },
  { key: 'bytes_in', label: 'Written', title: 'bytes written into the resource (an upload, PutObject, the target of a copy)', width: 72, visible: true },
  { key: 'source', label: 'Source', title: 'the log the event came from', width: 110, visible: false },
  { key: 'boundary', label: 'Account / project', title: 'the account, project, subscription or cluster the event happened in', width: 120, visible: false },
  { key: 'region', label: 'Region', width: 96, visible: false },
  { key: 'user_agent', label: 'User agent', width: 220, visible: false, shorten: 'middle' },
  { key: 'credential_uid', label: 'Credential', width: 170, visible: false, shorten: 'middle' },
  { key: 'session_uid', label: 'Session', width: 170, visible: false, shorten: 'middle' },
  { key: 'error_code', label: 'Error', width: 130, visible: false },
  { key: 'service', label: 'Service', width: 96, visible: false },
];

/**
 * Cuts a long value in the middle, keeping both ends. A path-like value (an object ARN, a URL)
 * keeps its first segment (the bucket) and its last (the object's name) whole when they fit:
 * `arn:aws:s3:::some-bucket/…/part-0001.parquet`.
 */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max || max < 5) return text;
  const firstSlash = text.indexOf('/');
  const lastSlash = text.lastIndexOf('/');
  if (firstSlash > 0 && lastSlash > firstSlash) {
    const head = firstSlash + 1;
    const tail = text.length - lastSlash;
    const spare = max - 1 - head - tail;
    if (spare >= 0) {
      const more = Math.floor(spare / 2);
      return `${text.slice(0, head + more)}…${text.slice(text.length - tail - (spare - more))}`;
    }
    // The container first: the bucket tells objects apart more than the end of a long name.
    if (head + 9 <= max) return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
  }
  const tail = Math.ceil((max - 1) * 0.6);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}
