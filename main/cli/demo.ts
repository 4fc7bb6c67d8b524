/**
 * `npm run demo`: the app's main job on the bundled fixture. Imports the 02:14 incident and its
 * accounts' IAM snapshots into cases/incident-0214.duckdb (a second run adds nothing), prints the
 * case summary, runs the detections (built-in and the SigmaHQ rules in fixtures/sigma) so the
 * Findings view is filled, prints the leaked key's blast radius, builds the
 * app and opens it on that case: in Electron when its binary is installed, otherwise in web
 * mode on 127.0.0.1 with the URL printed (and the default browser opened when there is a display).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startWebServer } from '../web/server';
import { main } from './main';

const root = resolve(import.meta.dirname, '../..');
const casePath = resolve(root, 'cases/incident-0214.duckdb');
const fixture = resolve(root, 'fixtures/incident-0214/bundle.zip');
const snapshots = resolve(root, 'fixtures/incident-0214/iam');

// The demo's own case, made by an earlier build: brought to this build's schema (a backup is kept).
if (existsSync(casePath)) {
  const upgraded = await main(['upgrade', '--case', casePath]);
  if (upgraded !== 0) process.exit(upgraded);
}
const imported = await main(['import', fixture, '--case', casePath, '--progress', 'none']);
if (imported !== 0) process.exit(imported);
// What the accounts' IAM granted, beside what the logs show was done.
const granted = await main(['import', snapshots, '--case', casePath, '--progress', 'none']);
if (granted !== 0) process.exit(granted);
await main(['info', '--case', casePath]);
process.stdout.write('\n');
await main(['detect', '--case', casePath, '--rules', resolve(root, 'fixtures/sigma')]);
process.stdout.write('\nThe leaked key: what it could reach beside what it did (nhi access)\n');
await main(['access', '--case', casePath, 'AKIAQ3EGRH6QLEGACY01']);

const build = spawn(process.execPath, [resolve(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
const built = await new Promise<number>((done) => build.on('exit', (code) => done(code ?? 1)));
if (built !== 0) process.exit(built);

/**
 * The Electron binary's path, when its install script has downloaded it. Read from the files the
 * script leaves, not by loading the package, which would try to download it now.
 */
function electronBinary(): string | null {
  const dir = resolve(root, 'node_modules/electron');
  const pointer = resolve(dir, 'path.txt');
  if (!existsSync(pointer)) return null;
  const binary = resolve(dir, 'dist', readFileSync(pointer, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const electron = electronBinary();
if (electron) {
  console.log(`\nOpening the app in Electron on ${casePath} …`);
  spawn(electron, [root, casePath], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
} else {
  const server = await startWebServer({ rendererDir: resolve(root, 'out/renderer'), context: { allowedCases: new Set([casePath]) } });
  const url = `${server.url}&case=${encodeURIComponent(casePath)}`;
  console.log(`\nElectron's binary is not installed here, so the app runs in web mode on 127.0.0.1 only. Open:\n\n  ${url}\n\n(Ctrl-C stops it.)`);
  if (process.env.DISPLAY || process.platform === 'darwin' || process.platform === 'win32') {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  }
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
}
