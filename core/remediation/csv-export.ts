// The columns of a violations CSV export (one row per finding) and the CSV dialect: RFC 4180
// quoting with CRLF rows, and formula-safe cells (a leading =, +, -, @, tab or CR gets a quote),
// as OWASP advises for files opened in a spreadsheet.
import type { Options as CsvOptions } from 'csv-stringify';

export const EXPORT_COLUMNS = [
  'scan_id', 'resource_id', 'resource_type', 'cloud', 'account', 'region', 'name', 'state', 'compliant',
  'tag', 'kind', 'severity', 'message', 'value', 'found_key', 'allowed_values', 'suggestion', 'monthly_cost', 'tags',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

export const DEFAULT_EXPORT_COLUMNS: readonly ExportColumn[] = [
  'resource_id', 'resource_type', 'account', 'region', 'name', 'tag', 'kind', 'severity', 'value', 'allowed_values',
  'suggestion', 'monthly_cost', 'message',
];

/** What each column holds, for the tool description. */
export const EXPORT_COLUMN_HELP: Record<ExportColumn, string> = {
  scan_id: 'the scan the row comes from',
  resource_id: 'ARN or cloud resource id',
  resource_type: 'service:kind',
  cloud: 'aws, azure or gcp',
  account: 'account, subscription or project',
  region: 'region',
  name: 'resource name',
  state: 'resource state',
  compliant: 'true when the resource has no error finding',
  tag: 'the policy tag the finding is about',
  kind: 'missing_required_tag, invalid_value, invalid_format, ...',
  severity: 'error or warning',
  message: 'the finding in words',
  value: 'the value found',
  found_key: 'the key as found (case findings)',
  allowed_values: 'allowed values, separated by |',
  suggestion: 'a suggested value',
  monthly_cost: 'estimated USD per month',
  tags: 'every tag of the resource, as JSON',
};

export type ExportSeverity = 'all' | 'errors_only' | 'warnings_only';

/** The finding severity a filter keeps; null keeps every one. */
export function severityOfFilter(severity: ExportSeverity): 'error' | 'warning' | null {
  return severity === 'errors_only' ? 'error' : severity === 'warnings_only' ? 'warning' : null;
}

export function csvExportOptions(columns: readonly ExportColumn[]): CsvOptions {
  return {
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    escape_formulas: true,
    // Values arrive as text (SQL casts them); booleans and numbers keep their plain rendering.
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  };
}
