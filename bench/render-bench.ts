/**
 * `npm run bench:render [-- --nodes 2000,10000]`
 *
 * The graph renderer question of issue 15: past a few thousand nodes, is WebGL (sigma.js and
 * graphology, as BloodHound CE uses) better than our Canvas 2D drawing? Both draw the same
 * synthetic graph (a fifth identities, ~2.4 edges a node, grouped by boundary) in the same
 * Chromium, through the same zoom in and out; the figures are frame times (median, p95, max,
 * frames over 33 ms) and the time to the first picture. The canvas figures are the baseline.
 * These machines have no GPU: WebGL runs on SwiftShader (software), which is the worst case for
 * sigma; the note says so next to the figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '2000,10000' } } });
const sizes = values.nodes.split(',').map(Number);
const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.bench', 'render');
mkdirSync(dir, { recursive: true });
await build({ entryPoints: [join(root, 'bench/render-harness.ts')], bundle: true, format: 'iife', outfile: join(dir, 'harness.js'), logLevel: 'warning' });
writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body style="margin:0;background:#0f1115"><script src="harness.js"></script></body></html>');

const flags = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/**
 * Two browsers: the one every other bench and test uses (--disable-gpu: software compositing, no
 * WebGL), where the canvas runs as it does here; and one with WebGL on SwiftShader, as a machine
 * without a GPU would run sigma. GPU compositing on SwiftShader slows every frame of any page,
 * so the canvas is measured there too, for reference.
 */
const software = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...flags, '--disable-gpu'] });
const webgl = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...flags, '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
const open = async (browser: typeof software) => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
  await page.goto(`file://${join(dir, 'index.html')}`);
  return page;
};
const [plain, gl] = [await open(software), await open(webgl)];
console.log(`bench:render — WebGL renderer: ${await gl.evaluate('window.webglRenderer')}\n`);
type Result = { firstFrameMs: number; frames: number; medianMs: number; p95Ms: number; maxMs: number; over33: number; drawMs: number | null };
const line = (name: string, r: Result | string) =>
  typeof r === 'string' ? `  ${name.padEnd(30)} ${r}` :
  `  ${name.padEnd(30)} first picture ${r.firstFrameMs.toFixed(0).padStart(6)} ms · zoom: ${r.frames} frames, median ${r.medianMs.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms, over 33 ms: ${r.over33}${r.drawMs !== null ? `, draw ${r.drawMs.toFixed(1)} ms/frame` : ''}`;
const run = async (page: typeof plain, call: string): Promise<Result | string> => {
  try {
    return (await Promise.race([page.evaluate(call), new Promise((_, reject) => setTimeout(() => reject(new Error('over 5 minutes')), 300_000))])) as Result;
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  }
};
for (const n of sizes) {
  const canvas = await run(plain, `window.runCanvas(${n})`);
  const sigma = await run(gl, `window.runSigma(${n})`);
  // For reference only, and only on the smallest graph: a minute of frames per size past it.
  const canvasOnGl = n === sizes[0] ? await run(gl, `window.runCanvas(${n})`) : 'not run (slow; see the first size)';
  console.log(`${n.toLocaleString('en-US')} nodes:`);
  console.log(line('canvas 2D (software, as here)', canvas));
  console.log(line('sigma, WebGL on SwiftShader', sigma));
  console.log(line('canvas 2D on SwiftShader', canvasOnGl));
  if (typeof canvas !== 'string' && typeof sigma !== 'string') {
    console.log(`  ratio sigma / canvas: median frame ${(sigma.medianMs / canvas.medianMs).toFixed(2)}×, p95 ${(sigma.p95Ms / canvas.p95Ms).toFixed(2)}×, first picture ${(sigma.firstFrameMs / canvas.firstFrameMs).toFixed(2)}×`);
  }
  console.log('');
}
await software.close();
await webgl.close();
