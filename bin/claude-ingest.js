#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-old-space-size=128 --max-semi-space-size=8
// The flags bound memory by design, as npx and every shell run the file (npm's Windows shims read
// `env -S` too): V8's old space at 128 MB (it otherwise lets garbage pile up to GBs), its young
// generation's semi-spaces at 8 MB instead of 16 (-40 MB peak for the Analytics API streams, CPU
// within noise), and one malloc arena (each further arena keeps tens of MB of freed memory: 291-295 MB
// peak with one against 300-330 with two, CPU within noise). Measured in docs/performance.md.
import { boundDuckDbAllocator } from '../dist/src/warehouse/duckdb/allocator.js';

// Before DuckDB is loaded: its allocator reads its settings once, at load (allocator.ts says why).
boundDuckDbAllocator(process.env);
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
