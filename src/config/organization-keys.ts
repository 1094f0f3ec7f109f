/**
 * Which organizations an ingest command reads: the `organizations:` list of claude-ingest.yaml, or
 * with no list the one key in ANTHROPIC_ADMIN_KEY (as before several organizations existed).
 * Every key is checked before anything is opened or sent, and registered as a secret to redact.
 */
import { readFileSync } from 'node:fs';
import { resolveApiKey, type Env } from './env.js';
import { ConfigFileError, loadConfig } from './load.js';
import { checkAdminKey } from '../source/base-url.js';

export interface OrganizationKey {
  /** The config's `name`, or null (the API's name is shown once read). */
  name: string | null;
  apiKey: string;
  /** Where the key came from, for messages (never the key itself). */
  source: string;
}

function keyFromFile(file: string, where: string): string {
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return key;
  } catch (err) {
    throw new ConfigFileError([`${where}: admin_key_file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): point it at the file holding the admin key`]);
  }
  throw new ConfigFileError([`${where}: admin_key_file ${file} is empty: put the admin key in it`]);
}

export function resolveOrganizationKeys(env: Env, configOption: string | undefined): OrganizationKey[] {
  const loaded = loadConfig(configOption, env);
  const list = loaded.config.organizations;
  if (!list || list.length === 0) {
    return [{ name: null, apiKey: checkAdminKey(resolveApiKey(env)), source: 'ANTHROPIC_ADMIN_KEY' }];
  }
  const keys = list.map((o, i): OrganizationKey => {
    const where = `${loaded.path}: organizations[${i}]${o.name ? ` (${o.name})` : ''}`;
    const raw = o.admin_key ?? keyFromFile(o.admin_key_file!, where);
    try {
      return { name: o.name ?? null, apiKey: checkAdminKey(raw), source: where };
    } catch (err) {
      throw new ConfigFileError([`${where}: ${err instanceof Error ? err.message : String(err)}`]);
    }
  });
  const seen = new Map<string, string>();
  for (const k of keys) {
    const before = seen.get(k.apiKey);
    if (before) throw new ConfigFileError([`${k.source}: the same admin key as ${before}: each organization needs its own key`]);
    seen.set(k.apiKey, k.source);
  }
  return keys;
}
