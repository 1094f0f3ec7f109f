/** Failed windows: none may be left unfinished in the ledger (failed, or running from a dead process). */
import { unfinishedWindows } from '../ledger/queries.js';
import { plural, type Check } from './check.js';

export const failedWindowsCheck: Check = {
  id: 'failed-windows',
  title: 'No unfinished windows',
  async run(ctx) {
    const open = unfinishedWindows(ctx.ledger);
    if (open.length === 0) {
      return { id: this.id, status: 'PASS', figure: '0 unfinished', detail: 'Every window in the ledger finished ok (or a later window replaced it).' };
    }
    const shown = open.slice(0, 4).map((w) => `${w.stream} ${w.windowStart}..${w.windowEnd} ${w.status}${w.error ? `: ${w.error}` : ''}`);
    return {
      id: this.id,
      status: 'FAIL',
      figure: plural(open.length, 'unfinished window'),
      detail: `${shown.join('; ')}${open.length > shown.length ? `; and ${open.length - shown.length} more` : ''}. Their days may be missing or stale.`,
      action: 'claude-ingest retry',
      days: [...new Set(open.flatMap((w) => [w.windowStart, w.windowEnd]))].sort(),
    };
  },
};
