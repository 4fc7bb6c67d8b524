import { awsCloudTrail } from './aws-cloudtrail';
import type { SourceParser } from './source-parser';

/** Every parser, in detection order: the first whose predicate matches a record owns it. */
export const PARSERS: readonly SourceParser[] = [awsCloudTrail];

/** All probe paths of all parsers, deduplicated: one JSON parse per record reads them all. */
export const PROBE_PATHS: readonly string[] = [...new Set(PARSERS.flatMap((p) => p.probePaths))];

/** SQL for the probed string at `path`, from the `probe` list column of the staging table. */
export function probeColumn(path: string): string {
  const index = PROBE_PATHS.indexOf(path);
  if (index < 0) throw new Error(`probe path ${path} is not declared by any parser`);
  return `probe[${index + 1}]`;
}

export function parserById(id: string): SourceParser | undefined {
  return PARSERS.find((p) => p.id === id);
}
