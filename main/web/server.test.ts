import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { SCHEMA_VERSION } from '../case-store/migrations';
import { type WebServer, startWebServer } from './server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests can send any Host, Origin, cookie or token. */
function send(server: WebServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${server.port}`, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('web mode server', () => {
  let server: WebServer;
  let casePath: string;
  let other: string;

  beforeAll(async () => {
    // The app folder sits next to a secret, so a path that climbs out would find it.
    const parent = tempDir();
    const renderer = join(parent, 'renderer');
    mkdirSync(join(renderer, 'assets'), { recursive: true });
    writeFileSync(join(parent, 'secret.txt'), 'not for you');
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>nhi</title>');
    writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    casePath = join(tempDir(), 'allowed.duckdb');
    other = join(tempDir(), 'other.duckdb');
    for (const p of [casePath, other]) (await CaseStore.open(p, { create: true })).close();
    server = await startWebServer({ rendererDir: renderer, context: { allowedCases: new Set([casePath]) } });
  });
  afterAll(() => server.close());

  const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    send(server, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-NHI-Token': server.token, ...headers }, body: JSON.stringify(body) });

  it('listens on the loopback interface with a long random token in its URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('serves the app only with the token, then by an HttpOnly SameSite cookie, with the CSP', async () => {
    expect((await send(server, '/')).status).toBe(401);
    expect((await send(server, '/?token=00')).status).toBe(401);
    const page = await send(server, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/nhi_token=[0-9a-f]{48}; HttpOnly; SameSite=Strict; Path=\//);
    const asset = await send(server, '/assets/app.js', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(asset).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect((await send(server, '/assets/app.js')).status).toBe(401);
  });

  it('refuses paths that climb out of the app folder', async () => {
    const cookie = `nhi_token=${server.token}`;
    for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const reply = await send(server, path, { headers: { Cookie: cookie } });
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('not for you');
    }
  });

  it('answers API calls only with the token header, the right Host and Origin', async () => {
    expect(await api('app.version', {}).then((r) => r.status)).toBe(200);
    expect((await api('app.version', {}, { 'X-NHI-Token': 'nope' })).status).toBe(401);
    expect((await send(server, '/api/app.version', { method: 'POST', headers: { Cookie: `nhi_token=${server.token}` }, body: '{}' })).status).toBe(401);
    expect((await api('app.version', {}, { Host: 'evil.example' })).status).toBe(403);
    expect((await api('app.version', {}, { Host: `attacker.example:${server.port}` })).status).toBe(403);
    expect((await api('app.version', {}, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await api('app.version', {}, { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await send(server, '/api/app.version', { headers: { 'X-NHI-Token': server.token } })).status).toBe(405);
  });

  it('validates requests and opens only the cases the user named', async () => {
    const info = await api('case.info', { casePath });
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { events: 0, schemaVersion: SCHEMA_VERSION } });
    expect(JSON.parse((await api('case.info', { casePath: other })).body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await api('case.info', { casePath: 7 })).status).toBe(400);
    expect((await api('no.such.method', {})).status).toBe(400);
    const garbled = await send(server, '/api/case.info', { method: 'POST', headers: { 'X-NHI-Token': server.token }, body: '{not json' });
    expect(garbled.status).toBe(400);
    expect(JSON.parse(garbled.body).error.message).toMatch(/not JSON/);
  });

  it('refuses an upload over the size limit, declared or streamed, and keeps nothing of it', async () => {
    const small = await startWebServer({ rendererDir: join(tempDir(), 'none'), context: { allowedCases: new Set([casePath]) }, maxUploadBytes: 1000 });
    try {
      const path = `/upload?case=${encodeURIComponent(casePath)}&name=big.json`;
      const over = await send(small, path, { method: 'POST', headers: { 'X-NHI-Token': small.token, 'Content-Length': '5000' }, body: 'x'.repeat(5000) });
      expect(over.status).toBe(413);
      expect(over.body).toContain('upload limit');
      const folder = `${casePath.replace(/\.duckdb$/, '')}.evidence`;
      const before = existsSync(folder) ? readdirSync(folder).length : 0;
      // Sent in chunks with no Content-Length: stopped while it streams.
      const chunked = await new Promise<number>((done, fail) => {
        const req = request(
          { host: '127.0.0.1', port: small.port, path, method: 'POST', headers: { Host: `127.0.0.1:${small.port}`, 'X-NHI-Token': small.token, 'Transfer-Encoding': 'chunked' } },
          (res) => {
            res.resume();
            res.on('end', () => done(res.statusCode ?? 0));
          },
        );
        req.on('error', fail);
        for (let i = 0; i < 10; i++) req.write('y'.repeat(500));
        req.end();
      });
      expect(chunked).toBe(413);
      expect(existsSync(folder) ? readdirSync(folder).length : 0).toBe(before);
    } finally {
      await small.close();
    }
  });

  it('copies an upload next to an open case, never elsewhere, and only with the token', async () => {
    const body = '{"Records":[]}\n';
    const upload = (query: string, headers: Record<string, string> = { 'X-NHI-Token': server.token }) => send(server, `/upload?${query}`, { method: 'POST', headers, body });
    expect((await upload(`case=${encodeURIComponent(casePath)}&name=a.json`, {})).status).toBe(401);
    expect((await upload(`case=${encodeURIComponent(other)}&name=a.json`)).status).toBe(403);
    expect((await upload(`case=${encodeURIComponent(casePath)}&name=`)).status).toBe(400);
    const ok = await upload(`case=${encodeURIComponent(casePath)}&name=${encodeURIComponent('../../etc/evil name.json')}`);
    expect(ok.status).toBe(200);
    const path = (JSON.parse(ok.body) as { value: { path: string } }).value.path;
    const folder = casePath.replace(/\.duckdb$/, '.evidence');
    // The name keeps only its last part, made safe; the copy holds exactly the bytes sent.
    expect(path.startsWith(`${folder}/`)).toBe(true);
    expect(path).toMatch(/-evil_name\.json$/);
    expect(readFileSync(path, 'utf8')).toBe(body);
    expect(readdirSync(folder)).toHaveLength(1);
    expect(existsSync(join(folder, '..', 'etc'))).toBe(false);
  });
});
