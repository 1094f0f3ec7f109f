/**
 * The fewest requests that can fetch a range: every query at its maximum `limit`, each page full.
 * Derived from the emulator's ground truth (record and list counts), not from what the tool did.
 */
import type { GroundTruth } from '../src/emulator/index.js';
import { eachDay, type IsoDay } from '../src/util/dates.js';

export interface MinimumInput {
  truth: GroundTruth;
  from: IsoDay;
  to: IsoDay;
  usageBucket: '1d' | '1h';
}

const pages = (items: number, perPage: number) => Math.max(1, Math.ceil(items / perPage));

export function minimumRequests({ truth, from, to, usageBucket }: MinimumInput): Record<string, number> {
  const days = eachDay(from, to);
  // cost_report 1d: at most 31 daily buckets per page. Two queries are needed for the data the tool
  // keeps (grouped lines and the API's own daily total), so the minimum counts both.
  const costPages = 2 * pages(days.length, 31);
  // usage 1d: 31 buckets per page; 1h: 168 hourly buckets (7 days) per page.
  const usagePages = 2 * (usageBucket === '1h' ? pages(days.length * 24, 168) : pages(days.length, 31));
  // claude_code answers one day per request sequence, at most 1000 records per page.
  const codePages = days.reduce((n, d) => n + pages(truth.claudeCode(d).records, 1000), 0);
  return {
    cost_report: costPages,
    'usage_report/messages': usagePages,
    'usage_report/claude_code': codePages,
    api_keys: pages(truth.apiKeys().length, 1000),
    workspaces: pages(truth.workspaces().length, 1000),
    users: pages(truth.users().length, 1000),
  };
}
