/** The limit endpoints' `{data, next_page}` pages against the emulator: one page by default, every item once across pages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ENDPOINTS, SPEND_LIMIT_BETA } from '../../src/source/endpoints.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import { rateLimitItemSchema, spendLimitItemSchema } from '../../src/source/limit-schemas.js';
import { paginateNextPage } from '../../src/source/pagination.js';
import { newRequestStats } from '../../src/source/types.js';

let emu: Emulator;
let client: AdminApiClient;
beforeAll(async () => {
  emu = await startEmulator({ today: '2026-03-01', org: 'medium', spendLimits: [{ amountCents: '1000' }, { amountCents: '2000', period: 'daily' }] });
  client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, maxConcurrency: 1, retryBaseMs: 1, retryMaxDelayMs: 5 });
});
afterAll(async () => {
  await emu?.close();
});

async function all<T>(gen: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of gen) out.push(...batch);
  return out;
}

describe('next_page lists', () => {
  it('reads everything in one request without a limit, and the same items page by page with one', async () => {
    const stats = newRequestStats();
    const whole = await all(paginateNextPage(client, ENDPOINTS.rateLimits, {}, rateLimitItemSchema, stats));
    expect(stats.requests).toBe(1);
    expect(whole.length).toBeGreaterThan(3);
    const paged = newRequestStats();
    const pages = await all(paginateNextPage(client, ENDPOINTS.rateLimits, { limit: 2 }, rateLimitItemSchema, paged));
    expect(paged.requests).toBe(Math.ceil(whole.length / 2));
    expect(pages.map((r) => r.id)).toEqual(whole.map((r) => r.id));
  });

  it('spend limits need their beta header; with it, every scope and the integer-cents amounts come through', async () => {
    await expect(all(paginateNextPage(client, ENDPOINTS.spendLimits, {}, spendLimitItemSchema))).rejects.toThrow(/spend-limit-reads/);
    const beta = { getJson: (path: string, query: Record<string, string | number | boolean | string[] | undefined>) => client.getJson(path, query, undefined, { betas: [SPEND_LIMIT_BETA] }) };
    const items = await all(paginateNextPage(beta, ENDPOINTS.spendLimits, {}, spendLimitItemSchema));
    expect(items.map((s) => [s.scope.type, s.amount, s.period])).toEqual([
      ['usage_tier', '500000', 'monthly'],
      ['organization', '1000', 'monthly'],
      ['organization', '2000', 'daily'],
    ]);
  });
});
