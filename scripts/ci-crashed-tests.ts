// Which test files lost their worker process mid-test (a native crash or a signal: vitest then prints
// only "Worker exited unexpectedly", without the file). In vitest's JSON report the test that was
// running stays "pending", unlike a skipped one. Prints those files, one per line, on stdout, and
// what died on stderr; prints nothing when any test failed outright (a failure is never re-run).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface TestResult {
  status: string;
  title: string;
  ancestorTitles?: string[];
}
interface Report {
  numFailedTests: number;
  testResults?: { name: string; assertionResults?: TestResult[] }[];
}

const report = JSON.parse(readFileSync(process.argv[2] ?? 'test-results/vitest.json', 'utf8')) as Report;
if (report.numFailedTests > 0) process.exit(0);
const files = new Map<string, string[]>();
for (const file of report.testResults ?? []) {
  const unreported = (file.assertionResults ?? []).filter((t) => t.status === 'pending');
  if (unreported.length === 0) continue;
  const titles = unreported.map((t) => [...(t.ancestorTitles ?? []), t.title].join(' > '));
  files.set(relative(process.cwd(), file.name), titles);
}
for (const [name, titles] of files) {
  // Results reach vitest in batches: the tests named may include some that ended before the one running.
  console.error(`the test worker died in ${name}; tests without a result: ${titles.join('; ')}`);
  console.log(name);
}
