/**
 * Query results shared between the dashboard's answers under one change token: the default view
 * asks some of the same questions (the spend per workspace three times, the data's span eight
 * times), and while the token is the same their rows are too, as with kept answers (server.ts). Each
 * caller gets its own copy of the rows. A new token drops everything kept.
 */
import type { QueryRow, Warehouse } from '../warehouse/warehouse.js';

/** Kept queries at most (then all are dropped): the default view asks about 125. */
const SIZE = 512;

export class SharedQueries {
  private token = '';
  private readonly kept = new Map<string, Promise<QueryRow[]>>();

  /** The warehouse with query() shared under `token` (read while the handle holds the read lock). */
  wrap(wh: Warehouse, token: string): Warehouse {
    if (token !== this.token || this.kept.size >= SIZE) {
      this.kept.clear();
      this.token = token;
    }
    const kept = this.kept;
    const query = async (sql: string, params: unknown[] = []): Promise<QueryRow[]> => {
      const k = JSON.stringify([sql, params]);
      let rows = kept.get(k);
      if (!rows) {
        rows = wh.query(sql, params);
        kept.set(k, rows);
        rows.catch(() => kept.delete(k));
      }
      return (await rows).map((r) => ({ ...r }));
    };
    return new Proxy(wh, {
      get(target, prop) {
        if (prop === 'query') return query;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}
