/**
 * BigQuery's change token against the local BigQuery stand-in (it does not run SQL; the test answers
 * the query): one read-only query over both ledger tables, and a token that follows what the ledger
 * says, so a new window, a window turning ok or a later finish gives another token.
 */
import { describe, expect, it } from 'vitest';
import { useStandIn } from '../warehouse-bigquery/harness.js';

const h = useStandIn();

const FIELDS = [
  { name: 'windows', type: 'INTEGER' },
  { name: 'windows_ok', type: 'INTEGER' },
  { name: 'windows_latest', type: 'TIMESTAMP' },
  { name: 'runs', type: 'INTEGER' },
  { name: 'runs_latest', type: 'TIMESTAMP' },
];

describe('BigQuery change token', () => {
  it('is one SELECT over the two ledger tables, and changes whenever the ledger does', async () => {
    const wh = await h.open({ readOnly: true });
    let ledger: (string | null)[] = ['12', '11', '1740787200123456', '3', '1740787200123456'];
    h.standIn.answer = (sql) => (/ingest_windows/.test(sql) ? { fields: FIELDS, rows: [ledger] } : undefined);
    const before = await wh.changeToken();
    const sql = h.standIn.queries.at(-1)!.sql;
    expect(sql).toMatch(/^SELECT /);
    expect(sql).toContain('`test-project.claude_usage.ingest_windows`');
    expect(sql).toContain('`test-project.claude_usage.ingest_runs`');
    expect(sql).not.toMatch(/\b(INSERT|UPDATE|DELETE|MERGE|CREATE)\b/i);
    expect(await wh.changeToken()).toBe(before);

    const seen = new Set([before]);
    for (const next of [
      ['13', '11', '1740787200123456', '3', '1740787200123456'], // a window started
      ['13', '12', '1740787200123456', '3', '1740787200123456'], // it turned ok
      ['13', '12', '1740787300000000', '3', '1740787200123456'], // a later finish
      ['13', '12', '1740787300000000', '4', '1740787300000001'], // a new run
    ]) {
      ledger = next;
      const token = await wh.changeToken();
      expect(seen.has(token), JSON.stringify(next)).toBe(false);
      seen.add(token);
    }
    // An empty ledger (a warehouse just created) is a token too.
    ledger = ['0', '0', null, '0', null];
    expect(seen.has(await wh.changeToken())).toBe(false);
    await wh.close();
    // Still answers after close(), as the interface promises.
    expect(await wh.changeToken()).toBe(await wh.changeToken());
  });
});
