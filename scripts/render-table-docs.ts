import { readFileSync, writeFileSync } from 'node:fs';
import { withTableDocs } from '../src/warehouse/table-docs.js';

writeFileSync('README.md', withTableDocs(readFileSync('README.md', 'utf8')));
