/**
 * The CLI bounds its own memory, with no flag a user has to know: run as a file (as npx, a shell or
 * npm's shims run it), its shebang caps V8's old space and malloc's arenas, and it sets DuckDB's
 * allocator to purge freed memory at once. Node's default heap limit
 * on this machine is several GB, so a limit under 300 MB can only come from the shebang.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { DUCKDB_JE_MALLOC_CONF } from '../../src/warehouse/duckdb/allocator.js';

describe('memory bounds of the bin file', () => {
  it('runs with a capped V8 heap, one malloc arena and DuckDB purging freed memory at once when executed directly', () => {
    const preload = resolve(import.meta.dirname, 'fixtures/print-heap-limit.mjs');
    const res = spawnSync(BIN, ['--version'], { env: { PATH: process.env.PATH, NODE_OPTIONS: `--import ${pathToFileURL(preload).href}` }, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const m = /HEAP_LIMIT_MB=(\d+) MALLOC_ARENA_MAX=(\S+)/.exec(res.stderr);
    expect(m, res.stderr).not.toBeNull();
    // V8 adds its young generation to the old-space flag: 128 MB of old space is a limit of ~130-200 MB.
    expect(Number(m![1])).toBeGreaterThanOrEqual(128);
    expect(Number(m![1])).toBeLessThan(300);
    expect(m![2]).toBe('1');
    // The young generation's semi-spaces are capped too (V8 reports no limit for them, so read the flags).
    expect(/EXEC_ARGV=(\S*)/.exec(res.stderr)![1]!.split(',')).toContain('--max-semi-space-size=8');
    // DuckDB's jemalloc purges freed pages at once (src/warehouse/duckdb/allocator.ts).
    expect(res.stderr).toContain(`DUCKDB_JE_MALLOC_CONF=${DUCKDB_JE_MALLOC_CONF}\n`);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
