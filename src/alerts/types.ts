/** What a rule produces: one event, rendered the same way for every channel. */

export type RuleId = 'budget' | 'budget_forecast' | 'spend_limit' | 'rate_limit_headroom' | 'daily_spend' | 'new_spender' | 'cache_hit_rate_drop' | 'data_health';

export type Severity = 'info' | 'warning' | 'critical';

/** Figures as sent: dollars and ratios as exact decimal text, days as YYYY-MM-DD. */
export type Figures = Record<string, string | number | boolean | null | string[] | Array<Record<string, string>>>;

export interface AlertEvent {
  /** rule|subject|period|level: sent at most once per channel. */
  key: string;
  rule: RuleId;
  subject: string;
  period: string;
  level: string;
  /**
   * Events of one group (rule|subject|period) escalate: a sent event of a higher rank makes a lower
   * one pointless (80 % after 100 % was already said).
   */
  group: string;
  rank: number;
  severity: Severity;
  title: string;
  /** The main sentence with the figures. */
  text: string;
  /** Further lines: top contributors, failing checks. */
  details: string[];
  figures: Figures;
}

export function eventKey(rule: RuleId, subject: string, period: string, level: string): string {
  return [rule, subject, period, level].join('|');
}

export function makeEvent(e: Omit<AlertEvent, 'key' | 'group'> & { group?: string }): AlertEvent {
  return { ...e, key: eventKey(e.rule, e.subject, e.period, e.level), group: e.group ?? [e.rule, e.subject, e.period].join('|') };
}
