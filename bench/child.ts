/**
 * Runs one benchmark step as a child process and measures it from outside: wall time, CPU time and
 * peak RSS. Peak RSS comes from GNU time (`/usr/bin/time -f`, getrusage of the child: exact) when it
 * is installed, else from polling /proc/<pid>/status VmHWM (the kernel's own high-water mark; the
 * poll can only miss growth in the last interval before exit).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** User + system CPU seconds of the child (GNU time only; null when polled). */
  cpuS: number | null;
  peakRssMb: number | null;
  rssSource: 'gnu-time' | 'proc-vmhwm';
}

const GNU_TIME = '/usr/bin/time';

export function runMeasured(args: string[], env: Record<string, string>, tmpDir: string, viaNode = false): Promise<ChildResult> {
  const timeFile = join(tmpDir, `time-${process.pid}-${Date.now()}.txt`);
  const useTime = existsSync(GNU_TIME);
  // The CLI runs as npx runs it, the bin file itself, unless viaNode (`node bin/claude-ingest.js …`).
  // Either way an ingest command re-runs itself with its memory flags; GNU time's peak is the
  // largest process it waited for, the worker.
  const direct = args[0]?.endsWith('bin/claude-ingest.js') === true && !viaNode;
  const command = direct ? [args[0]!, ...args.slice(1)] : [process.execPath, ...args];
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, ...command]] : [command[0]!, command.slice(1)];
  const started = performance.now();
  const child = spawn(cmd, argv, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let hwmKb = 0;
  const poll = useTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {
          // exited between polls
        }
      }, 100);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (poll) clearInterval(poll);
      let peakRssMb: number | null = hwmKb ? hwmKb / 1024 : null;
      let cpuS: number | null = null;
      if (useTime) {
        try {
          // GNU time prints "Command exited with non-zero status N" before the format line.
          const line = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
          const [kb, user, sys] = line.split(' ').map(Number);
          peakRssMb = kb! / 1024;
          cpuS = user! + sys!;
        } catch {
          peakRssMb = null;
        }
        rmSync(timeFile, { force: true });
      }
      resolve({ code: code ?? -1, stdout, stderr, wallMs, cpuS, peakRssMb, rssSource: useTime ? 'gnu-time' : 'proc-vmhwm' });
    });
  });
}
