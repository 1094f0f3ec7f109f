/** The validation table and summary people read. */
import { formatTable } from '../util/table-format.js';
import { eachDay } from '../util/dates.js';
import { formatUsd } from '../util/money.js';
import { thousands } from '../util/thousands.js';
import { organizationLabel, type WarehouseOrganization } from '../reports/organizations.js';
import type { ValidationReport } from './index.js';

/** The organization column: its name, else its id. */
function shortName(o: WarehouseOrganization): string {
  return o.id === null ? '(no organization)' : (o.name ?? o.id);
}

/** One line per organization proven: its verdict and total, so a failing one is named up front. */
function organizationLines(v: ValidationReport): string[] {
  if (!v.organizations || v.organizations.length === 0) return [];
  return [
    ...v.organizations.map((o) => `${o.status.padEnd(4)}  ${organizationLabel(o)}: ${formatUsd(o.totalUsd)}`),
    '',
  ];
}

export function renderValidation(v: ValidationReport): string {
  const s = v.summary;
  const span = eachDay(s.range.from, s.range.to).length;
  const several = (v.organizations?.length ?? 0) > 0;
  const lines = [
    `Validation ${s.range.from}..${s.range.to} (${span} days, ${s.days} with costs)`,
    `Total cost: ${formatUsd(s.totalUsd)} (exact: ${s.totalUsd} USD)`,
    `Rows: ${Object.entries(s.rows).map(([t, n]) => `${t} ${thousands(n)}`).join(', ')}`,
    ...(s.proofs ? [`Proofs: ${thousands(s.proofs.proved)} day-checks proved now, ${thousands(s.proofs.reused)} kept from an earlier validate (their rows are unchanged; --full proves all again)`] : []),
    '',
    ...organizationLines(v),
    formatTable(
      [...(several ? ['organization'] : []), 'check', 'status', 'figure', 'what it means / what to do'],
      v.results.map((r) => [
        ...(several ? [r.organization ? shortName(r.organization) : '(all)'] : []),
        r.id,
        r.status,
        r.figure,
        r.action ? `${r.detail} → ${r.action}` : r.detail,
      ]),
    ),
    '',
    v.status === 'PASS'
      ? 'All checks passed.'
      : `${v.results.filter((r) => r.status === 'FAIL').length} failed, ${v.results.filter((r) => r.status === 'WARN').length} warning(s).`,
  ];
  return lines.join('\n');
}
