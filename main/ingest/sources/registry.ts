import { awsCloudTrail } from './aws-cloudtrail';
import { type SourceParser, mergeStructures, sqlString } from './source-parser';

/** Every parser, in detection order: the first whose predicate matches a record owns it. */
export const PARSERS: readonly SourceParser[] = [awsCloudTrail];

/** All parsers' fields as one json_transform structure literal: one parse per record. */
export const MERGED_STRUCTURE = sqlString(JSON.stringify(mergeStructures(PARSERS.map((p) => p.structure))));

export function parserById(id: string): SourceParser | undefined {
  return PARSERS.find((p) => p.id === id);
}
