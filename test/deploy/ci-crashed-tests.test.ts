/**
 * .ci/run names the test a dead worker was running (vitest prints only "Worker exited unexpectedly")
 * and runs those files once more; a test that fails outright is never re-run. Real vitest runs of
 * fixture files, read by scripts/ci-crashed-tests.ts.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const SCRIPT = join(ROOT, 'scripts/ci-crashed-tests.ts');

function crashedAfter(fixtures: string[]): { stdout: string; stderr: string; vitestCode: number | null } {
  const report = join(tempDir(), 'vitest.json');
  const run = spawnSync(process.execPath, [VITEST, 'run', '--config', 'test/fixtures/worker-crash/vitest.config.ts', '--reporter=json', `--outputFile.json=${report}`, ...fixtures], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const read = spawnSync(process.execPath, [TSX, SCRIPT, report], { cwd: ROOT, encoding: 'utf8' });
  expect(read.status, read.stderr).toBe(0);
  return { stdout: read.stdout, stderr: read.stderr, vitestCode: run.status };
}

it('names the file and test a dead worker was running, and not the skipped test', () => {
  const res = crashedAfter(['crash.fixture.ts']);
  expect(res.vitestCode).not.toBe(0);
  expect(res.stdout.trim().split('\n')).toEqual(['test/fixtures/worker-crash/crash.fixture.ts']);
  expect(res.stderr).toMatch(/^the test worker died in test\/fixtures\/worker-crash\/crash\.fixture\.ts; tests without a result: .*dies mid-test/);
  expect(res.stderr).not.toContain('is skipped');
}, 60_000);

it('names nothing when a test failed outright, so nothing is re-run', () => {
  const res = crashedAfter(['crash.fixture.ts', 'fails.fixture.ts']);
  expect(res.vitestCode).not.toBe(0);
  expect(res.stdout).toBe('');
}, 60_000);
