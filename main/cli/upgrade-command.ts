import { upgradeCase } from '../case-store/upgrade';
import { EXIT } from './exit-codes';
import { type ParsedArgs, requireCase } from './args';

/** `nhi upgrade --case FILE`: the only way a case from an older build is migrated. */
export async function runUpgrade(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const result = await upgradeCase(casePath);
  if (args.values.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.from === result.to) process.stdout.write(`${casePath} is already at schema v${result.to}: nothing to do.\n`);
  else process.stdout.write(`Upgraded ${casePath} from schema v${result.from} to v${result.to}; the original is kept as ${result.backup} (SHA-256 ${result.backupSha256}); journaled.\n`);
  return EXIT.ok;
}
