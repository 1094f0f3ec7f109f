import { expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { CliRuntime } from '../../src/cli/runtime.js';
import { runCli } from '../helpers/cli.js';

it('every command has --help with examples, and exits 0', async () => {
  const top = await runCli(['--help'], {});
  expect(top.code).toBe(0);
  const commands = (await buildProgram(new CliRuntime({ env: {}, stdout: process.stdout, stderr: process.stderr }))).commands.map((c) => c.name());
  for (const c of commands) expect(top.stdout).toContain(c);
  expect(commands).toEqual(expect.arrayContaining(['backfill', 'run', 'retry', 'status', 'emulator', 'demo']));
  for (const command of commands) {
    const help = await runCli([command, '--help'], {});
    expect(help.code, command).toBe(0);
    expect(help.stdout, command).toMatch(/Examples?:\n\s+\$ /);
  }
});

it('an unknown command or option is a usage error (exit 2)', async () => {
  const res = await runCli(['frobnicate'], {});
  expect(res.code).toBe(2);
  expect(res.stderr).toContain("unknown command 'frobnicate'");
});
