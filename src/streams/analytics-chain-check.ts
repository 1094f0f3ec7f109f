/**
 * Before an analytics_cost window commits, each grouped table's daily sums must equal the ungrouped
 * total the same window read (the check `validate` runs afterwards, moved before the commit): a row
 * the API sent twice, or a page lost, then fails the window instead of landing silently. Only days
 * that had ended when the window began are judged: a day still under way may gain spend between
 * the grouped and the ungrouped query.
 */
import { SourceError } from '../source/errors.js';
import { DecimalSum } from '../util/money.js';

type Cents = string | null | undefined;

export class ChainTotalsError extends SourceError {
  override name = 'ChainTotalsError';
  // A second read may well agree: the window is left for retry, the run goes on.
  readonly retryable = true;
  readonly fatal = false;
}

/** Per-day sums of one grouped table's billed and list cents. */
export class DaySums {
  private readonly days = new Map<string, { amount: DecimalSum; list: DecimalSum }>();

  constructor(readonly label: string) {}

  add(row: { activity_date: string; amount_cents: Cents; list_amount_cents?: Cents }): void {
    let d = this.days.get(row.activity_date);
    if (!d) this.days.set(row.activity_date, (d = { amount: new DecimalSum(), list: new DecimalSum() }));
    if (row.amount_cents) d.amount.add(row.amount_cents);
    if (row.list_amount_cents) d.list.add(row.list_amount_cents);
  }

  /** Throws ChainTotalsError at the first settled day whose sums differ from the totals' rows. */
  checkAgainst(totals: readonly { activity_date: string; amount_cents: Cents; list_amount_cents: Cents }[], settledBefore: string): void {
    const expected = new DaySums('total');
    for (const t of totals) expected.add(t);
    const days = [...new Set([...this.days.keys(), ...expected.days.keys()])].filter((d) => d < settledBefore).sort();
    const zero = { amount: new DecimalSum(), list: new DecimalSum() };
    for (const day of days) {
      const got = this.days.get(day) ?? zero;
      const want = expected.days.get(day) ?? zero;
      for (const [what, g, w] of [
        ['amount', got.amount, want.amount],
        ['list_amount', got.list, want.list],
      ] as const) {
        const gotText = g.toString();
        const wantText = w.toString();
        if (gotText !== wantText) {
          throw new ChainTotalsError(
            `analytics/cost ${this.label} adds up to ${gotText} cents of ${what} on ${day}, but the ungrouped total the API sent is ${wantText}: a row came twice or went missing while paging, so nothing of this window was written; run claude-ingest retry`,
          );
        }
      }
    }
  }
}
