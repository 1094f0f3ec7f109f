/** What every dashboard API handler receives: its own module so the handlers and the router share it without a cycle. */
import type { ValidationReport } from '../checks/index.js';
import type { ProofBook } from '../checks/proofs.js';
import type { AlertsConfig } from '../config/schema.js';
import type { Calendar } from '../util/calendar.js';
import type { IsoDay } from '../util/dates.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { DayParts } from './day-parts.js';

export interface ApiContext {
  wh: Warehouse;
  query: URLSearchParams;
  /** UTC today (CLAUDE_INGEST_TODAY aware). */
  today: IsoDay;
  /**
   * Validation results by range and a fingerprint of the warehouse's state (the ledger, and the
   * change token where there is one): the checks scan every fact table, and their answer only
   * changes when something writes. Absent: no caching.
   */
  validationCache?: Map<string, ValidationReport>;
  /** The warehouse's change token (Warehouse.changeToken), read in the same read lock; ''/absent when unknown. */
  changeToken?: string;
  /** The alerts section of claude-ingest.yaml (--config): its budgets are shown; null/absent: none. */
  alerts?: AlertsConfig | null;
  /** The allocation rules of claude-ingest.yaml (--config): /api/allocation and team budgets; null/absent: none. */
  allocation?: AllocationRules | null;
  /**
   * Day proofs this server made, kept for its life: the dashboard only reads the warehouse, so what
   * it proves is not stored there; the proofs `validate` stored are read as well. Absent: every day is proved.
   */
  proofs?: ProofBook;
  /** The organization's calendar (issue 27); absent: UTC. The page's `tz=utc` asks for UTC days anyway. */
  calendar?: Calendar;
  /** Day-grain rows kept per month beside a DuckDB file (day-parts.ts); absent: every query over its whole range. */
  dayParts?: DayParts;
}
