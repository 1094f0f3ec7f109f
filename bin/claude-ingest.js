#!/usr/bin/env node
// The commands that ingest run with bounded memory however the file is started (npx, a shell,
// `node bin/claude-ingest.js …`, the container): for backfill, run and retry the bin runs itself
// once more with V8's old space at 128 MB, semi-spaces at 8 MB and one malloc arena
// (src/cli/memory-flags.ts says why; measured in docs/performance.md). Other commands keep node's
// defaults and start at once.
import module from 'node:module';
import { commandOf, dieWithParent, needsMemoryFlags, rerunWithMemoryFlags } from '../dist/src/cli/memory-flags.js';
import { boundDuckDbAllocator } from '../dist/src/warehouse/duckdb/allocator.js';

// Node 22 and later keep V8's compiled code of every module on disk (os.tmpdir()), so a later start
// skips compiling them again; Node 20 has no such cache and starts as before.
module.enableCompileCache?.();

const args = process.argv.slice(2);
// Before DuckDB is loaded: its allocator reads its settings once, at load (allocator.ts says why).
boundDuckDbAllocator(process.env, commandOf(args));
if (needsMemoryFlags(args, process.env, process.execArgv)) {
  process.exitCode = await rerunWithMemoryFlags(process.argv[1], args, process.env);
} else {
  dieWithParent();
  const { main } = await import('../dist/src/cli/main.js');

  // A reader that stops early (`claude-ingest report … | head`) closes the pipe: the rest of the output
  // is not wanted, which is not a crash. Exit as a C tool does on SIGPIPE, instead of a stack trace.
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });

  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
