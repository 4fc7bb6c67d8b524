import { existsSync, writeFileSync } from 'node:fs';
import { suggestMapping, suggestionYaml } from '../ingest/suggest-mapping';
import { EXIT } from './exit-codes';
import { type ParsedArgs, UsageError } from './args';

export async function runSuggestMapping(args: ParsedArgs): Promise<number> {
  const [path, ...extra] = args.positionals;
  if (!path || extra.length > 0) throw new UsageError('suggest-mapping takes one log file');
  if (!existsSync(path)) {
    process.stderr.write(`nhi: cannot find ${JSON.stringify(path)}\n`);
    return EXIT.inputError;
  }
  let suggestion;
  try {
    suggestion = await suggestMapping(path, typeof args.values.name === 'string' ? args.values.name : undefined);
  } catch (err) {
    process.stderr.write(`nhi: ${(err as Error).message}\n`);
    return EXIT.inputError;
  }
  const text = args.values.json === true ? `${JSON.stringify(suggestion.mapping, null, 2)}\n` : suggestionYaml(suggestion, path);
  if (typeof args.values.out === 'string') {
    if (existsSync(args.values.out)) {
      process.stderr.write(`nhi: ${args.values.out} exists: not overwriting it (name another --out)\n`);
      return EXIT.usage;
    }
    writeFileSync(args.values.out, text, { flag: 'wx' });
    process.stderr.write(`nhi: wrote ${args.values.out}: check it, then import with --mapping ${args.values.out}\n`);
  } else {
    process.stdout.write(text);
  }
  return EXIT.ok;
}
