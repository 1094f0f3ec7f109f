/**
 * `claude-ingest … | head` closes stdout before the CLI is done writing: the CLI must end quietly
 * (no stack trace, exit 0 for a command that succeeded), as a C tool does on SIGPIPE.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';

describe('stdout closed by the reader', () => {
  it('ends quietly when the reader has closed the pipe', async () => {
    const child = spawn(process.execPath, [BIN, 'emulator', '--help'], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the CLI writes anything, so its first write fails with EPIPE every time.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*\(/);
    expect(code).toBe(0);
  });
});
