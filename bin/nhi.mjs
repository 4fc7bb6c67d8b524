#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx, so `npm run nhi` and the package bin need no build step.
import { register } from 'tsx/esm/api';

// `nhi verify | head`: once the reader goes away, the rest of the output is dropped quietly and
// the command still ends with its own exit code, instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')) return;
    throw err;
  });
}

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
