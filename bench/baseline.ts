/**
 * The strategy claude-ingest replaces, kept as a yardstick: one day at a time, sequentially, three
 * calls per day (cost_report, usage_report/messages, usage_report/claude_code for that day, the
 * latter paged at 1000 records), no shared backoff: on a 429 or 5xx it sleeps a fixed short time and
 * retries a few times, then gives the day up (a lost day). It parses every response and counts the
 * rows it would write but writes no warehouse, so its figures are an upper bound on its speed.
 *
 * Run as a child process: node dist/bench/baseline.js '<json BaselineConfig>'; prints JSON on stdout.
 */
import { addDays, dayStartRfc3339, eachDay, type IsoDay } from '../src/util/dates.js';

export interface BaselineConfig {
  baseUrl: string;
  apiKey: string;
  from: IsoDay;
  to: IsoDay;
  /** Fixed sleep after a 429 or a server error. */
  sleepMs: number;
  /** Attempts per call before the day is given up. */
  attempts: number;
}

export interface BaselineResult {
  days: number;
  lostDays: number;
  requests: number;
  rateLimited: number;
  retries: number;
  rows: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runBaseline(cfg: BaselineConfig): Promise<BaselineResult> {
  const res: BaselineResult = { days: 0, lostDays: 0, requests: 0, rateLimited: 0, retries: 0, rows: 0 };
  const headers = { 'x-api-key': cfg.apiKey, 'anthropic-version': '2023-06-01' };

  /** One call with the old retry rule; null when it gave up. */
  async function call(path: string, query: string): Promise<{ data: unknown[]; has_more: boolean; next_page: string | null } | null> {
    for (let attempt = 1; attempt <= cfg.attempts; attempt++) {
      res.requests++;
      let status: number;
      let text = '';
      try {
        const r = await fetch(`${cfg.baseUrl}${path}?${query}`, { headers });
        status = r.status;
        text = await r.text();
      } catch {
        status = 0;
      }
      if (status === 200) {
        try {
          return JSON.parse(text) as { data: unknown[]; has_more: boolean; next_page: string | null };
        } catch {
          // truncated body: retried like a server error
        }
      }
      if (status === 429) res.rateLimited++;
      if (status !== 0 && status !== 200 && status !== 429 && status < 500) return null;
      if (attempt < cfg.attempts) {
        res.retries++;
        await sleep(cfg.sleepMs);
      }
    }
    return null;
  }

  const countResults = (data: unknown[]) => data.reduce<number>((n, b) => n + ((b as { results?: unknown[] }).results?.length ?? 0), 0);

  for (const day of eachDay(cfg.from, cfg.to)) {
    res.days++;
    const span = `starting_at=${encodeURIComponent(dayStartRfc3339(day))}&ending_at=${encodeURIComponent(dayStartRfc3339(addDays(day, 1)))}&bucket_width=1d&limit=1`;
    let ok = true;
    const cost = await call('/v1/organizations/cost_report', `${span}&group_by[]=workspace_id&group_by[]=description`);
    if (cost) res.rows += countResults(cost.data);
    else ok = false;
    const usage = ok
      ? await call('/v1/organizations/usage_report/messages', `${span}&group_by[]=api_key_id&group_by[]=workspace_id&group_by[]=model&group_by[]=service_tier&group_by[]=context_window`)
      : null;
    if (usage) res.rows += countResults(usage.data);
    else ok = false;
    let page: string | null = null;
    while (ok) {
      const cc = await call('/v1/organizations/usage_report/claude_code', `starting_at=${day}&limit=1000${page ? `&page=${encodeURIComponent(page)}` : ''}`);
      if (!cc) {
        ok = false;
        break;
      }
      res.rows += cc.data.length;
      if (!cc.has_more) break;
      page = cc.next_page;
    }
    if (!ok) res.lostDays++;
  }
  return res;
}

if (process.argv[1]?.endsWith('baseline.js') && process.argv[2]) {
  const cfg = JSON.parse(process.argv[2]) as BaselineConfig;
  process.stdout.write(`${JSON.stringify(await runBaseline(cfg))}\n`);
}
