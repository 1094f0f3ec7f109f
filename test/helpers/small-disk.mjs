/* global process, URL */
// Runs the built CLI as if the disk filled up: the test starts it under `ulimit -f`, and with
// SIGXFSZ ignored a write past the limit fails with EFBIG ("File too large") instead of killing the
// process, as a write to a full disk fails with ENOSPC.
process.on('SIGXFSZ', () => {});
const bin = new URL('../../bin/claude-ingest.js', import.meta.url).pathname;
process.argv.splice(1, 1, bin);
// A computed specifier: the type check must not follow it into dist/.
await import(bin);
