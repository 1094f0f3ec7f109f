import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { withTableDocs } from '../../src/warehouse/table-docs.js';
import { TABLES } from '../../src/warehouse/tables.js';

it('the README documents every table and column exactly as defined in code (npm run docs:tables)', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
  expect(withTableDocs(readme)).toBe(readme);
  for (const t of Object.values(TABLES)) expect(readme).toContain(`\`${t.name}\``);
});
