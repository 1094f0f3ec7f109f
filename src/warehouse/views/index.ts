/** The views every warehouse's init creates (CREATE OR REPLACE VIEW name AS sql), in its own dialect. */
import type { SqlDialect } from '../warehouse.js';
import { FOCUS_VIEW, focusViewSql } from './focus-costs.js';

export { FOCUS_VIEW, focusViewSql };

export interface ViewDef {
  name: string;
  sql(d: SqlDialect): string;
}

export const VIEWS: ViewDef[] = [{ name: FOCUS_VIEW, sql: focusViewSql }];
