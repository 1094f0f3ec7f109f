/**
 * The page is native ES modules: every import of every module the server serves must resolve, as the
 * browser resolves it, to another served module with a JavaScript type (a missing one is a blank
 * page); index.html preloads exactly that graph; each module opts into type checking.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSET_FILES, loadAsset, STATIC_DIR } from '../../src/dashboard/assets.js';

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm;

function importsOf(path: string): string[] {
  const text = loadAsset(path)!.body.toString('utf8');
  return [...text.matchAll(IMPORT)].map((m) => new URL(m[1]!, `http://page${path}`).pathname);
}

/** Every module reachable from the entry, as the browser would fetch them. */
function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const next of importsOf(path)) walk(next);
  };
  walk(entry);
  return seen;
}

describe('the page modules', () => {
  it('every import resolves to a served JavaScript module', () => {
    const modules = graph('/app.js');
    expect([...modules].sort()).toEqual(
      ['/allocation.js', '/analytics.js', '/app.js', '/banners.js', '/bridge.js', '/budgets.js', '/charts.js', '/format.js', '/http.js', '/sections.js', '/state.js', '/tables.js', '/util/format-usd.js'].sort(),
    );
    for (const path of modules) {
      expect(ASSET_FILES[path], path).toBeDefined();
      expect(loadAsset(path)!.type, path).toBe('text/javascript; charset=utf-8');
    }
  });

  it('index.html loads app.js as a module, ECharts after it, and preloads the rest of the graph', () => {
    const html = readFileSync(join(STATIC_DIR, 'index.html'), 'utf8');
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    const modules = [...graph('/app.js')].filter((p) => p !== '/app.js');
    expect([...preloaded].sort()).toEqual(modules.sort());
    const entry = html.indexOf('<script type="module" src="/app.js"></script>');
    expect(entry).toBeGreaterThan(0);
    expect(html.indexOf('<script src="/vendor/echarts.common.min.js" defer></script>')).toBeGreaterThan(entry);
  });

  it('each module is type-checked (// @ts-check) and nothing outside the page is served', () => {
    for (const path of graph('/app.js')) expect(loadAsset(path)!.body.toString('utf8').startsWith('// @ts-check\n'), path).toBe(true);
    expect(loadAsset('/globals.d.ts')).toBeUndefined();
    expect(loadAsset('/util/money.ts')).toBeUndefined();
    expect(loadAsset('/../package.json')).toBeUndefined();
  });
});
