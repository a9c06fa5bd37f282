// The report as one CSV table (RFC 4180: quoted fields, doubled quotes, CRLF rows), safe to open
// in a spreadsheet: text cells that start like a formula are prefixed with a quote.
import type { BreakdownRow, ComplianceReport, ViolationRow } from './model.js';

export type CsvValue = string | number | null;

/** Characters that make a spreadsheet evaluate a cell (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: CsvValue[][]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export const CSV_COLUMNS = [
  'section', 'group', 'key', 'severity', 'total', 'compliant', 'non_compliant', 'compliance_score', 'monthly_cost', 'detail',
] as const;

function breakdownRows(group: string, rows: BreakdownRow[]): CsvValue[][] {
  return rows.map((r) => ['breakdown', group, r.key, null, r.total, r.compliant, r.non_compliant, r.compliance_score,
    r.non_compliant_monthly_cost, null]);
}

function violationRows(section: string, rows: ViolationRow[]): CsvValue[][] {
  return rows.map((r) => [section, r.kind, r.tag, r.severity, r.resources, null, r.non_compliant_resources, null,
    r.monthly_cost, null]);
}

/**
 * Rows: one `summary` row (key = scan id, monthly_cost = non-compliant cost, detail = data
 * quality), `breakdown` rows per cloud / resource_type / account / region, `violation_by_count` and
 * `violation_by_cost` rows (group = finding kind, key = tag, total = resources with it), `consistency`
 * rows (group = key_spelling or value_spelling, key = tag, total = resources carrying it, detail =
 * spellings with counts per cloud), and
 * `recommendation` rows (group = category, key = priority, detail = text).
 */
export function renderCsv(report: ComplianceReport): string {
  const s = report.summary;
  const dq = report.data_quality;
  return toCsv([
    [...CSV_COLUMNS],
    ['summary', 'scan', report.scan.id, null, s.total_resources, s.compliant, s.non_compliant, s.compliance_score,
      s.non_compliant_monthly_cost, `data_quality=${dq.status}; missing_targets=${dq.missing_total}; never_tagged=${s.never_tagged}; ` +
      `missing_required_tags=${s.missing_required_tags}; total_monthly_cost=${s.total_monthly_cost ?? 'unknown'}`],
    ...breakdownRows('cloud', report.by_cloud ?? []),
    ...breakdownRows('resource_type', report.by_resource_type),
    ...breakdownRows('account', report.by_account),
    ...breakdownRows('region', report.by_region),
    ...violationRows('violation_by_count', report.top_violations_by_count),
    ...violationRows('violation_by_cost', report.top_violations_by_cost),
    ...(report.consistency?.issues ?? []).map((i): CsvValue[] => ['consistency', i.kind, i.tag, null,
      Object.values(i.counts).reduce((a, n) => a + n, 0), null, null, null, null,
      i.variants.map((v) => `${v.spelling}${v.declared ? '' : ' (undeclared)'}: ${Object.entries(v.counts).sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([c, n]) => `${c}=${n}`).join(' ')}`).join('; ')]),
    ...report.recommendations.map((r): CsvValue[] => ['recommendation', r.category, r.priority, null, null, null, null, null, null, r.message]),
  ]);
}
