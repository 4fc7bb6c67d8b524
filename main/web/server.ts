import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { type ServiceContext, handleApiCall } from '../api/services';
import { CONTENT_SECURITY_POLICY } from '../electron/security';

/**
 * Web mode: the built renderer and the same API the Electron shell serves, over HTTP on the
 * loopback interface only, for machines without Electron's binary and for browser tests.
 *
 * Every request needs the session's random token: the first page load carries it in the URL
 * (`?token=`), which sets an HttpOnly, SameSite=Strict cookie for the page's own assets; API
 * calls must send it in the `X-NHI-Token` header, which another site cannot make a browser send.
 * A Host or Origin other than this server's is refused, against DNS rebinding.
 */

export interface WebServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export interface WebOptions {
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  /** What the API may open: case files the user named. */
  context: ServiceContext;
  port?: number;
  /** Largest upload accepted (default 16 GiB); a bigger one is refused before or while it is written. */
  maxUploadBytes?: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 16 * 1024 ** 3;
/** Uploads never leave less than this free on the case's disk: a full disk would break the case's own writes. */
const FREE_SPACE_RESERVE = 1024 ** 3;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const MAX_BODY = 1024 * 1024;

export async function startWebServer(options: WebOptions): Promise<WebServer> {
  const token = randomBytes(24).toString('hex');
  // Files the API offered for download (reports): the browser fetches them by id, nothing else.
  options.context.downloads ??= new Map();
  const downloads = options.context.downloads;
  const root = resolve(options.rendererDir);
  let port = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }));
  });

  const sameToken = (value: string | undefined) => {
    if (!value) return false;
    const a = Buffer.from(value);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, failure('forbidden', 'wrong Host header'));
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return send(res, 403, failure('forbidden', 'requests from other origins are refused'));
    }
    const url = new URL(req.url ?? '/', `http://${host}`);

    if (url.pathname === '/upload') {
      if (req.method !== 'POST') return send(res, 405, failure('bad_request', 'uploads are POST'));
      const header = req.headers['x-nhi-token'];
      if (!sameToken(Array.isArray(header) ? header[0] : header)) return send(res, 401, failure('forbidden', 'missing or wrong token'));
      return upload(req, res, url, options.context, options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
    }

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, failure('bad_request', 'API calls are POST'));
      const header = req.headers['x-nhi-token'];
      if (!sameToken(Array.isArray(header) ? header[0] : header)) return send(res, 401, failure('forbidden', 'missing or wrong token'));
      let request: unknown;
      try {
        request = JSON.parse((await readBody(req)) || '{}');
      } catch (err) {
        return send(res, 400, failure('bad_request', `the request body is not JSON: ${(err as Error).message}`));
      }
      const result = await handleApiCall(decodeURIComponent(url.pathname.slice('/api/'.length)), request, options.context);
      const status = result.ok ? 200 : result.error.code === 'bad_request' || result.error.code === 'unknown_method' || result.error.code === 'sql_error' ? 400 : result.error.code === 'forbidden' ? 403 : result.error.code === 'case_not_found' ? 404 : 500;
      return send(res, status, result);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, failure('bad_request', 'only GET here'));
    const fromQuery = url.searchParams.get('token') ?? undefined;
    const fromCookie = /(?:^|;\s*)nhi_token=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (!sameToken(fromQuery) && !sameToken(fromCookie)) {
      return send(res, 401, failure('forbidden', 'open the URL nhi printed: it carries the session token'), true);
    }
    const offered = /^\/download\/([0-9a-f]{24})$/.exec(url.pathname);
    if (offered) {
      const file = downloads.get(offered[1]!);
      if (!file || !existsSync(file)) return send(res, 404, failure('bad_request', 'no such download (offered files are kept for this session only)'), true);
      res.writeHead(200, {
        // Never rendered on the app's origin: an HTML report holds log content.
        'Content-Type': extname(file) === '.pdf' ? 'application/pdf' : 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${basename(file).replace(/[^\w.-]/g, '_')}"`,
        'Content-Length': statSync(file).size,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
      return;
    }
    const path = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, failure('bad_request', 'not found'), true);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      ...(sameToken(fromQuery) ? { 'Set-Cookie': `nhi_token=${token}; HttpOnly; SameSite=Strict; Path=/` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/**
 * A browser cannot hand the server a file's path, so web mode copies a picked or dropped file
 * next to the case (`<case>.evidence/<time>-<name>`), never overwriting anything, and answers
 * the copy's path for import.start. The importer hashes the copy like any other evidence file.
 */
async function upload(req: IncomingMessage, res: ServerResponse, url: URL, context: ServiceContext, maxBytes: number): Promise<void> {
  const casePath = resolve(url.searchParams.get('case') ?? '');
  if (!context.allowedCases?.has(casePath)) return send(res, 403, failure('forbidden', 'open or create the case before importing into it'));
  const name = basename(url.searchParams.get('name') ?? '').replace(/[^\w.\-]+/g, '_').slice(-200);
  if (!name || name === '.' || name === '..') return send(res, 400, failure('bad_request', 'the upload needs a file name'));
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return send(res, 413, failure('bad_request', `the file is ${declared} bytes, over the ${maxBytes}-byte upload limit (npm run web -- --max-upload-bytes N); import it by path instead`));
  }
  const folder = `${casePath.replace(/\.duckdb$/, '')}.evidence`;
  mkdirSync(folder, { recursive: true });
  if (Number.isFinite(declared)) {
    const fs = await statfs(folder);
    const free = fs.bavail * fs.bsize;
    if (declared > free - FREE_SPACE_RESERVE) {
      req.resume();
      return send(res, 413, failure('bad_request', `not enough free space beside the case for ${declared} bytes (${free} free, ${FREE_SPACE_RESERVE} kept for the case itself)`));
    }
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const target = join(folder, `${stamp}-${name}`);
  if (dirname(target) !== folder) return send(res, 400, failure('bad_request', 'bad file name'));
  let received = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > maxBytes) done(new UploadTooLarge(`the upload passed the ${maxBytes}-byte limit and was stopped; nothing was kept`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(req, capped, createWriteStream(target, { flags: 'wx' }));
  } catch (err) {
    if (err instanceof UploadTooLarge) {
      rmSync(target, { force: true });
      return send(res, 413, failure('bad_request', err.message));
    }
    try {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') unlinkSync(target);
    } catch {
      // nothing was written
    }
    return send(res, 400, failure('bad_request', `the upload failed: ${(err as Error).message}`));
  }
  return send(res, 200, { ok: true, value: { path: target } });
}

class UploadTooLarge extends Error {}

function failure(code: 'forbidden' | 'bad_request', message: string) {
  return { ok: false, error: { code, message } } as const;
}

function send(res: ServerResponse, status: number, body: unknown, plain = false): void {
  if (res.headersSent) return void res.end();
  const text = plain && typeof body === 'object' && body && 'error' in body ? (body as { error: { message: string } }).error.message : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': plain ? 'text/plain; charset=utf-8' : 'application/json',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        fail(new Error(`larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}
