import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { describe, expect, it } from 'vitest';

/**
 * The installers' configuration, checked the way electron-builder reads it (its own loader and
 * schema): a typo in a key fails here, not on a user's machine. Building the installers needs
 * Electron's binary, which CI cannot download; `npm run dist` does that on a developer's machine.
 */
const ROOT = resolve(__dirname, '../..');

describe('desktop packaging', () => {
  it('is a valid electron-builder configuration for AppImage, deb, NSIS and dmg, with no auto-update', async () => {
    const config = await getConfig(ROOT, null, null);
    const logged: string[] = [];
    await validateConfiguration(config, { isEnabled: true, add: (k: string, v: unknown) => logged.push(`${k}=${String(v)}`) } as never);
    const targets = (t: unknown) => (Array.isArray(t) ? t.map(String) : []);
    expect(targets(config.linux?.target)).toEqual(['AppImage', 'deb']);
    expect(targets(config.win?.target)).toEqual(['nsis']);
    expect(targets(config.mac?.target)).toEqual(['dmg']);
    expect(config.publish).toBeNull();
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
    // The schema check is real: a misspelt key is refused.
    await expect(validateConfiguration({ ...config, linxu: {} } as never, { isEnabled: false, add: () => undefined } as never)).rejects.toThrow(/linxu/);
  });

  it('ships what the app runs (the build output) and unpacks DuckDB native binding from the archive', async () => {
    const config = await getConfig(ROOT, null, null);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.main.startsWith('out/')).toBe(true);
    expect(JSON.stringify(config.files)).toContain('"out/**"');
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node']));
    expect(pkg.dependencies['@duckdb/node-api']).toBeDefined();
    expect(pkg.scripts.dist).toMatch(/electron-vite build && electron-builder/);
    // One square icon of at least 512 px: electron-builder derives .ico and .icns from it.
    const icon = readFileSync(join(ROOT, 'build/icon.png'));
    expect(icon.subarray(1, 4).toString()).toBe('PNG');
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([512, 512]);
    expect(existsSync(join(ROOT, 'build/icon.svg'))).toBe(true);
  });
});
