import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Replay, type LoadReplayOptions } from './replay.js';

/** The package root: one level above both `src/` (tests) and `dist/` (published). */
const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);

/** Folders the page's files come from, by URL prefix; nothing else on disk is reachable. */
function staticRoots(): Record<string, string> {
  return {
    '/client/': path.join(PACKAGE_DIR, 'dist', 'client'),
    // three's package.json maps "require" to build/three.cjs; its ES modules sit beside it
    '/vendor/three/': path.dirname(require.resolve('three')),
    '/vendor/mujoco-js/': path.dirname(require.resolve('mujoco-js')),
    '/': path.join(PACKAGE_DIR, 'static'),
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
};

export interface ViewerOptions extends LoadReplayOptions {
  /** TCP port; 0 picks a free one (default 8765). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: the page is for this machine). */
  host?: string;
}

export interface Viewer {
  url: string;
  port: number;
  replay: Replay;
  close(): Promise<void>;
}

/**
 * Serves the replay page for `input` (a demos .npz, an expert folder or a run folder): the page,
 * three.js and the MuJoCo WASM module from node_modules, and the episodes as JSON. Everything is
 * local; the page needs no network.
 */
export async function startViewer(input: string | Replay, opts: ViewerOptions = {}): Promise<Viewer> {
  const replay = typeof input === 'string' ? await Replay.load(input, opts) : input;
  const roots = staticRoots();
  if (!fs.existsSync(path.join(roots['/client/'], 'main.js'))) {
    throw new Error(`the viewer's page scripts are not built (${roots['/client/']}); run the build first`);
  }
  const allowed = new Set<string>();
  const server = http.createServer((req, res) => {
    // DNS rebinding: a hostile page's own name resolved to 127.0.0.1 reaches this server with its Host
    if (!allowed.has((req.headers.host ?? '').toLowerCase())) return send(res, 403, 'text/plain', `forbidden host ${JSON.stringify(req.headers.host ?? '')}: open the viewer at its own address`);
    handle(req, res, replay, roots).catch((e: unknown) => send(res, 500, 'application/json', JSON.stringify({ error: (e as Error).message })));
  });
  const port = opts.port ?? 8765;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} is in use; pass another --port (0 picks a free one)` : `cannot listen on ${host}:${port}: ${e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  for (const h of allowedHosts(host, actual)) allowed.add(h);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
    port: actual,
    replay,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The Host headers the viewer answers: the loopback names and the bound host, with the port. */
export function allowedHosts(host: string, port: number): string[] {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const bound = host.toLowerCase();
  // 0.0.0.0 / :: listen everywhere, but no Host of a page names them: the loopback names stay the only ones
  if (bound !== '0.0.0.0' && bound !== '::' && bound !== '') names.add(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  return [...names].map((n) => `${n}:${port}`);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, replay: Replay, roots: Record<string, string>): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET');
  const url = new URL(req.url ?? '/', 'http://localhost');
  let p: string;
  try {
    p = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, 'text/plain', `bad request: malformed %-escape in ${url.pathname}`);
  }
  if (p === '/api/replay') return sendJson(res, replay.info);
  // browsers ask for it unprompted; an empty answer keeps their console clean
  if (p === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
  const ep = /^\/api\/episode\/(\d+)$/.exec(p);
  if (ep) {
    try {
      return sendJson(res, await replay.episode(Number(ep[1])));
    } catch (e) {
      return send(res, 404, 'application/json', JSON.stringify({ error: (e as Error).message }));
    }
  }
  if (p === '/api/model.xml') {
    if (replay.info.kind !== 'mujoco') return send(res, 404, 'text/plain', `${replay.info.envId} has no MuJoCo model`);
    return send(res, 200, TYPES['.xml'], await replay.modelXml());
  }
  const file = staticFile(p === '/' ? '/index.html' : p, roots);
  if (!file) return send(res, 404, 'text/plain', `not found: ${p}`);
  const body = await fs.promises.readFile(file);
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Maps a URL path to a file under one of the roots; only plain names, so no `..` escapes. */
function staticFile(p: string, roots: Record<string, string>): string | null {
  for (const [prefix, dir] of Object.entries(roots)) {
    if (!p.startsWith(prefix)) continue;
    const name = p.slice(prefix.length);
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.') || !(path.extname(name) in TYPES)) return null;
    const file = path.join(dir, name);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
  }
  return null;
}

function sendJson(res: http.ServerResponse, value: unknown): void {
  send(res, 200, TYPES['.json'], JSON.stringify(value));
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
  res.end(body);
}
