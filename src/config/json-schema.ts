/**
 * docs/config.schema.json, generated from the zod schema so it can never drift from what the loader
 * accepts (test/config/json-schema.test.ts compares). Regenerate: npx tsx src/config/json-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): string {
  // 'input': what a user writes (defaults optional), not what the loader returns.
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'claude-ingest.yaml' }, null, 2)}\n`;
}

export const CONFIG_SCHEMA_PATH = resolve(fileURLToPath(new URL('../../docs/config.schema.json', import.meta.url)));

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(CONFIG_SCHEMA_PATH, configJsonSchema());
  process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH}\n`);
}
