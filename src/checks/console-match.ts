/** Console match (optional): the range's total against the figure the Console shows, within a tolerance. */
import { totalSpend } from '../reports/queries.js';
import { absDecimal, compareDecimal, formatUsd, subtractDecimal } from '../util/money.js';
import type { Check } from './check.js';

export const consoleMatchCheck: Check = {
  id: 'console-match',
  title: 'Total matches the Console',
  async run(ctx) {
    const expected = ctx.options.expectTotalUsd ?? '0';
    const org = ctx.organization?.id;
    const total = await totalSpend(ctx.wh, { from: ctx.range.from, to: ctx.range.to, ...(org ? { organizationIds: [org] } : {}) });
    const diff = subtractDecimal(total.usd, expected);
    const figure = `${formatUsd(total.usd)} vs ${formatUsd(expected)}`;
    const within = compareDecimal(absDecimal(diff), ctx.options.toleranceUsd) <= 0;
    return {
      id: this.id,
      status: within ? 'PASS' : 'FAIL',
      figure,
      detail: `Warehouse total ${ctx.range.from}..${ctx.range.to} is ${total.usd} USD, expected ${expected} (difference ${diff}, tolerance ${ctx.options.toleranceUsd}).`,
      ...(within ? {} : { action: 'Check the Console uses the same UTC days; then run validate without --expect-total-usd to find the days that differ' }),
    };
  },
};
