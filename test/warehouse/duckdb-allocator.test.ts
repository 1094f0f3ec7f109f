/**
 * DuckDB's jemalloc settings (src/warehouse/duckdb/allocator.ts): set from JavaScript before the
 * library loads, they must reach jemalloc, and a user's own value must win.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { boundDuckDbAllocator, DUCKDB_JE_MALLOC_CONF, DUCKDB_JE_MALLOC_CONF_SHORT_DECAY } from '../../src/warehouse/duckdb/allocator.js';

describe('DuckDB allocator settings', () => {
  it('sets immediate purging when unset, and leaves a value the user set', () => {
    const env: NodeJS.ProcessEnv = {};
    boundDuckDbAllocator(env);
    expect(env.DUCKDB_JE_MALLOC_CONF).toBe('dirty_decay_ms:0,muzzy_decay_ms:0');
    const mine: NodeJS.ProcessEnv = { DUCKDB_JE_MALLOC_CONF: 'dirty_decay_ms:250' };
    boundDuckDbAllocator(mine);
    expect(mine.DUCKDB_JE_MALLOC_CONF).toBe('dirty_decay_ms:250');
    for (const command of ['backfill', 'retry', 'dashboard', 'chargeback', undefined]) {
      const e: NodeJS.ProcessEnv = {};
      boundDuckDbAllocator(e, command);
      expect(e.DUCKDB_JE_MALLOC_CONF, command).toBe(DUCKDB_JE_MALLOC_CONF);
    }
  });

  it('the daily run keeps DuckDB\'s default decay (its closing checkpoint reuses blocks), unless the user chose a value', () => {
    const env: NodeJS.ProcessEnv = {};
    boundDuckDbAllocator(env, 'run');
    expect(env.DUCKDB_JE_MALLOC_CONF).toBeUndefined();
    const mine: NodeJS.ProcessEnv = { DUCKDB_JE_MALLOC_CONF: DUCKDB_JE_MALLOC_CONF };
    boundDuckDbAllocator(mine, 'run');
    expect(mine.DUCKDB_JE_MALLOC_CONF).toBe(DUCKDB_JE_MALLOC_CONF);
  });

  it('validate and report keep freed pages 200 ms (their scans reuse blocks), unless the user chose a value', () => {
    for (const command of ['validate', 'report']) {
      const env: NodeJS.ProcessEnv = {};
      boundDuckDbAllocator(env, command);
      expect(env.DUCKDB_JE_MALLOC_CONF, command).toBe('dirty_decay_ms:200,muzzy_decay_ms:0');
    }
    const mine: NodeJS.ProcessEnv = { DUCKDB_JE_MALLOC_CONF: DUCKDB_JE_MALLOC_CONF };
    boundDuckDbAllocator(mine, 'validate');
    expect(mine.DUCKDB_JE_MALLOC_CONF).toBe(DUCKDB_JE_MALLOC_CONF);
    // It reaches jemalloc as the immediate purge does (the last test): same variable, same syntax.
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', `process.env.DUCKDB_JE_MALLOC_CONF = ${JSON.stringify(`${DUCKDB_JE_MALLOC_CONF_SHORT_DECAY},stats_print:true`)};
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      await (await db.connect()).run('SELECT 1');`], { cwd: process.cwd(), encoding: 'utf8' });
    expect(res.status, res.stderr.slice(0, 500)).toBe(0);
    expect(res.stdout + res.stderr).toMatch(/opt\.dirty_decay_ms: 200\b/);
  });

  it('reaches jemalloc when set in process.env before DuckDB is imported', () => {
    // stats_print makes jemalloc print the options it runs with when the process exits.
    const script = `process.env.DUCKDB_JE_MALLOC_CONF = ${JSON.stringify(`${DUCKDB_JE_MALLOC_CONF},stats_print:true`)};
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      await conn.run('SELECT 1');`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(res.status, res.stderr.slice(0, 500)).toBe(0);
    const out = res.stdout + res.stderr;
    expect(out).toMatch(/opt\.dirty_decay_ms: 0\b/);
    expect(out).toMatch(/opt\.muzzy_decay_ms: 0\b/);
  });
});
