/**
 * The page's files: src/dashboard/static/ (found from the package root, so the same code works from
 * src/ under vitest and from dist/src/ when built), the shared money formatter from util/, and
 * ECharts from node_modules.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'claude-ingest') return dir;
      } catch {
        // keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the claude-ingest package root (package.json) to serve the dashboard page from');
    dir = parent;
  }
}

export const STATIC_DIR = join(packageRoot(), 'src', 'dashboard', 'static');

/**
 * ECharts' prebuilt "common" bundle (bar, line, pie, scatter and the usual components: all the page
 * uses), from the installed package; its `exports` hide dist/, so go via the main file. It is 0.64 x
 * the full bundle, which the browser parses on every load.
 */
export function echartsPath(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('echarts'));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'echarts') {
      return join(dir, 'dist', 'echarts.common.min.js');
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the echarts package: run npm install');
    dir = parent;
  }
}

export interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  /** Strong validator of the body: the browser revalidates (304) instead of downloading again. */
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The money formatter the page shares with the CLI: next to this module's util/ sibling, which is
 * src/util/format-usd.js under vitest and tsc's copy in dist/src/util/ when built.
 */
const FORMAT_USD = fileURLToPath(new URL('../util/format-usd.js', import.meta.url));

/** The page's ES modules (app.js and what it imports), each at /<name>. */
const PAGE_MODULES = readdirSync(STATIC_DIR).filter((f) => f.endsWith('.js'));

/** URL path → file. Nothing else is served: no directory listing, no path from the request reaches the file system. */
export const ASSET_FILES: Record<string, () => string> = {
  '/': () => join(STATIC_DIR, 'index.html'),
  '/index.html': () => join(STATIC_DIR, 'index.html'),
  ...Object.fromEntries(PAGE_MODULES.map((f) => [`/${f}`, () => join(STATIC_DIR, f)])),
  '/util/format-usd.js': () => FORMAT_USD,
  '/style.css': () => join(STATIC_DIR, 'style.css'),
  '/vendor/echarts.common.min.js': echartsPath,
};

const cache = new Map<string, Asset>();

/** Our files are read on each request (cheap, and edits show on reload); the 0.7 MB vendor bundle once, gzipped. */
export function loadAsset(path: string): Asset | undefined {
  const locate = ASSET_FILES[path];
  if (!locate) return undefined;
  const cached = cache.get(path);
  if (cached) return cached;
  const file = locate();
  const ext = file.slice(file.lastIndexOf('.'));
  const body = readFileSync(file);
  const asset: Asset = { body, type: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  if (path.startsWith('/vendor/')) {
    asset.gzip = gzipSync(body);
    cache.set(path, asset);
  }
  return asset;
}
