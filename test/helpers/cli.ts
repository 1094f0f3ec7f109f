/** Runs the real CLI, in-process (fast) or as a child process (for kills and exit codes). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'claude-ingest-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'claude-ingest', ...args], {
    env,
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
  });
  return { code, stdout, stderr };
}

export const BIN = resolve(import.meta.dirname, '../../bin/claude-ingest.js');

/**
 * The built CLI (npm test builds first), as a user runs it, in one process: an ingest command does
 * not re-run itself with the memory flags (bin/claude-ingest.js), so a test's SIGKILL lands on the
 * process that writes (test/cli/memory-flags.test.ts covers the re-run).
 */
export function spawnCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, CLAUDE_INGEST_MEMORY_FLAGS: '1', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCliProcess(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveResult({ code: code ?? -1, stdout, stderr }));
  });
}

/** The messages of the ERROR records a CLI run logged (stderr is JSON lines when it is not a terminal). */
export function errorLines(stderr: string): string[] {
  return stderr
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { severity: string; message: string })
    .filter((l) => l.severity === 'ERROR')
    .map((l) => l.message);
}
