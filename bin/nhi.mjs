#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx, so `npm run nhi` and the package bin need no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
