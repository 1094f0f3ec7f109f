/**
 * Every command pays for what the CLI loads at start: exceljs, nodemailer, OpenTelemetry and
 * prom-client took about 0.6 s of a 1 s start, so they are loaded only by the command that uses them
 * (xlsx chargeback, an email alert, `metrics push`, a scrape). This keeps them out of the start: the
 * built CLI is imported with a resolve hook that records every package it imports as ESM.
 * DuckDB's packages are CommonJS and are loaded with `require` (src/warehouse/duckdb/driver.ts):
 * imported as ESM, Node lexes every file @duckdb/node-api re-exports first, 0.25 s of CPU per start.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const MAIN = pathToFileURL(resolve(import.meta.dirname, '../../dist/src/cli/main.js')).href;
const LOADED_ON_DEMAND = ['exceljs', 'nodemailer', 'prom-client', '@opentelemetry/sdk-metrics', '@opentelemetry/exporter-metrics-otlp-http', '@google-cloud/bigquery'];

describe('what the CLI loads at start', () => {
  it('loads no package that only one command needs', () => {
    const dir = tempDir();
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url);
  if (m) process.stderr.write('PACKAGE ' + m[1] + '\\n');
  return r;
}\n`);
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', `await import(${JSON.stringify(MAIN)});`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const loaded = new Set([...r.stderr.matchAll(/^PACKAGE (.+)$/gm)].map((m) => m[1]!));
    // The hook sees the packages every command needs, so an empty list would mean it saw nothing.
    expect(loaded).toContain('@commander-js/extra-typings');
    // The config schema (zod) is loaded when a config file is read, not at start (src/config/load.ts).
    expect(loaded).not.toContain('zod');
    for (const p of LOADED_ON_DEMAND) expect(loaded, p).not.toContain(p);
    // Only `import type` may name DuckDB's packages; a value import would bring the lexing back.
    expect(loaded).not.toContain('@duckdb/node-api');
    expect(loaded).not.toContain('@duckdb/node-bindings');
  });

  it('validate loads neither the ingest nor the allocation engine (it reads the warehouse only)', () => {
    const dir = tempDir();
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  const m = /\\/dist\\/src\\/(.+\\.js)$/.exec(r.url);
  if (m) process.stderr.write('MODULE ' + m[1] + '\\n');
  return r;
}\n`);
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    const validate = pathToFileURL(resolve(import.meta.dirname, '../../dist/src/cli/validate-command.js')).href;
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', `await import(${JSON.stringify(validate)});`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const loaded = new Set([...r.stderr.matchAll(/^MODULE (.+)$/gm)].map((m) => m[1]!));
    expect(loaded).toContain('checks/index.js');
    expect(loaded).toContain('checks/proofs.js');
    for (const m of ['jobs/ingest-run.js', 'streams/index.js', 'source/http-client.js', 'cli/report-command.js', 'reports/allocation/engine.js']) expect(loaded, m).not.toContain(m);
    // Nor the config schema (zod, ~0.15 s of CPU): validate without a config file never parses one.
    expect(loaded).not.toContain('config/schema.js');
    // Nor the API client (cli/api-runtime.ts): validate never calls the API.
    expect(loaded).not.toContain('source/http-client.js');
  });

  it('report loads neither the ingest (the limit reports), the allocation engine nor the config schema until asked', () => {
    const dir = tempDir();
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  const m = /\\/dist\\/src\\/(.+\\.js)$/.exec(r.url) ?? /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url);
  if (m) process.stderr.write('MODULE ' + m[1] + '\\n');
  return r;
}\n`);
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    const report = pathToFileURL(resolve(import.meta.dirname, '../../dist/src/cli/report-command.js')).href;
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', `await import(${JSON.stringify(report)});`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const loaded = new Set([...r.stderr.matchAll(/^MODULE (.+)$/gm)].map((m) => m[1]!));
    expect(loaded).toContain('reports/calendar-report.js');
    for (const m of ['cli/limit-report.js', 'jobs/backfill.js', 'streams/index.js', 'cli/allocation-report.js', 'reports/allocation/engine.js', 'config/schema.js', 'zod']) expect(loaded, m).not.toContain(m);
  });
});
