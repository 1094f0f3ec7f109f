import { paginateClaudeCode } from '../source/pagination.js';
import { claudeCodeRows } from '../transform/claude-code-rows.js';
import { eachDay } from '../util/dates.js';
import type { RowOf } from '../warehouse/tables.js';
import type { StreamDef } from './stream.js';

export const claudeCodeStream: StreamDef = {
  name: 'claude_code',
  summary: 'usage_report/claude_code per day → claude_code_productivity (no cost) and claude_code_model_usage (estimates)',
  writeMode: 'replace-days',
  // The endpoint answers one day per request sequence; a window bundles a week of them so the
  // per-window cost (staging tables, one commit) is paid 52 times a year instead of 365, while an
  // interrupted backfill still resumes within a week.
  windowDays: () => 7,
  fetchesDayByDay: true,
  tables: ['claude_code_productivity', 'claude_code_model_usage'],
  async *fetchWindow(window, ctx) {
    const tenant = ctx.organization?.id ?? null;
    for (const day of eachDay(window.from, window.to)) {
      for await (const records of paginateClaudeCode(ctx.client, day, ctx.stats, 1000)) {
        if (records.length === 0) continue;
        const productivity: RowOf<'claude_code_productivity'>[] = [];
        const models: RowOf<'claude_code_model_usage'>[] = [];
        for (const record of records) {
          const shaped = claudeCodeRows(record, ctx.tally, tenant);
          productivity.push(shaped.productivity);
          models.push(...shaped.models);
        }
        yield { table: 'claude_code_productivity', rows: productivity };
        if (models.length > 0) yield { table: 'claude_code_model_usage', rows: models };
      }
    }
  },
};
