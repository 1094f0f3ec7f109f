/**
 * --from/--to for the commands that read a range. Its own module so a command that needs only this
 * (validate) does not load report-command's imports: the limit report brings in the whole ingest
 * (jobs, streams, the API's schemas), some 0.1 s of CPU at every start.
 */
import { dataSpan } from '../reports/queries.js';
import { parseDay, type DayRange } from '../util/dates.js';
import { InputError } from '../util/errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** --from/--to, each defaulting to the edge of the data the warehouse holds. */
export async function resolveCliRange(wh: Warehouse, o: { from?: string; to?: string }): Promise<DayRange> {
  const from = o.from === undefined ? undefined : parseDay(o.from, '--from');
  const to = o.to === undefined ? undefined : parseDay(o.to, '--to');
  const span = from && to ? null : await dataSpan(wh);
  const range = { from: from ?? span?.from, to: to ?? span?.to };
  if (!range.from || !range.to) throw new InputError(`the warehouse ${wh.location} holds no data yet: run claude-ingest backfill first, or pass --from and --to`);
  if (range.from > range.to) throw new InputError(`the range ${range.from}..${range.to} is reversed: --from must not be after --to`);
  return { from: range.from, to: range.to };
}
