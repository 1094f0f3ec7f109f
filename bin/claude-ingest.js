#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-old-space-size=128
// The flags bound memory by design, as npx and every shell run the file (npm's Windows shims read
// `env -S` too): V8's old space at 128 MB (it otherwise lets garbage pile up to GBs) and two malloc
// arenas (DuckDB's threads otherwise fragment memory). Measured in `npm run bench`, docs/performance.md.
import { main } from '../dist/src/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
