/** Settings from the environment and global options, resolved once per command. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../source/errors.js';
import { parseDay, todayUtc, type IsoDay } from '../util/dates.js';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_WAREHOUSE = 'duckdb:./claude-usage.duckdb';

export type Env = Record<string, string | undefined>;

/**
 * The admin key from ANTHROPIC_ADMIN_KEY, ANTHROPIC_ADMIN_API_KEY or a mounted secret file named by
 * ANTHROPIC_ADMIN_KEY_FILE. Returns undefined when none is set; checkAdminKey() words the error.
 */
export function resolveApiKey(env: Env): string | undefined {
  const direct = env.ANTHROPIC_ADMIN_KEY?.trim() || env.ANTHROPIC_ADMIN_API_KEY?.trim();
  if (direct) return direct;
  const file = env.ANTHROPIC_ADMIN_KEY_FILE?.trim();
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`ANTHROPIC_ADMIN_KEY_FILE ${file} cannot be read (${code}): point it at the file holding the admin key`);
  }
}

export function resolveBaseUrl(env: Env): string {
  return env.ANTHROPIC_BASE_URL?.trim() || DEFAULT_BASE_URL;
}

export function resolveWarehouseUrl(option: string | undefined, env: Env): string {
  return option?.trim() || env.CLAUDE_INGEST_WAREHOUSE?.trim() || DEFAULT_WAREHOUSE;
}

/** Today in UTC; CLAUDE_INGEST_TODAY pins it (for reproducible tests and replaying a past schedule). */
export function resolveToday(env: Env): IsoDay {
  const pinned = env.CLAUDE_INGEST_TODAY?.trim();
  return pinned ? parseDay(pinned, 'CLAUDE_INGEST_TODAY') : todayUtc();
}
