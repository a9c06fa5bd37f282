// export_violations_csv: a scan's findings as CSV (one row per finding), streamed from the store;
// small exports inline, large ones as a file in the configured export directory.
import { z } from 'zod';
import {
  DEFAULT_EXPORT_COLUMNS, EXPORT_COLUMN_HELP, EXPORT_COLUMNS, severityOfFilter,
} from '../../core/remediation/csv-export.js';
import type { ScanRecord } from '../../store/index.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { exportViolationsCsv } from '../exports/violations-csv.js';
import { scanIdParam, scopeOf, scopeParams, waitParams } from '../scans/params.js';
import { resolveScan } from '../scans/resolve.js';
import { dataQualityOf, dataQualitySchema, runningScan, scanStateShape, dataQualityWarning } from '../scans/state-views.js';
import { severityParam } from '../scans/violation-pages.js';

const columnSchema = z.enum(EXPORT_COLUMNS, {
  error: (issue) => `unknown column ${JSON.stringify(issue.input)}; columns are: ${EXPORT_COLUMNS.join(', ')}`,
});

export const exportViolationsCsvTool = defineTool({
  name: 'export_violations_csv',
  title: 'Export violations as CSV',
  description:
    'Exports the findings of a compliance scan as CSV, one row per finding (a resource with three missing tags gives ' +
    'three rows), ordered by resource id. Which scan: scan_id (see list_scans), else the stored scan of the given ' +
    'scope (resource_types, accounts, regions, cloud_provider), started if none is recent, waiting up to wait_seconds. ' +
    `columns picks and orders the columns (default: ${DEFAULT_EXPORT_COLUMNS.join(', ')}); available: ` +
    `${EXPORT_COLUMNS.map((c) => `${c} (${EXPORT_COLUMN_HELP[c]})`).join('; ')}. severity: all, errors_only or ` +
    'warnings_only. Cells that a spreadsheet would run as a formula are prefixed with a quote. Small exports come back ' +
    'in `csv`; larger ones are written to a file in the server\'s export directory and `path` says where, with `rows`.',
  inputSchema: z.object({
    resource_types: scopeParams.resource_types.optional()
      .describe('Only findings on these types (service:kind, service:*); without scan_id also the scope to scan. Default all'),
    severity: severityParam,
    columns: z.array(columnSchema).min(1).max(EXPORT_COLUMNS.length).optional().describe('Columns in order; default the common ones'),
    scan_id: scanIdParam.optional().describe('Export this scan instead of the latest of the scope'),
    filters: scopeParams.filters,
    accounts: scopeParams.accounts,
    regions: scopeParams.regions,
    cloud_provider: scopeParams.cloud_provider,
    ...waitParams,
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    delivery: z.enum(['inline', 'file']).optional().describe('inline: the CSV is in csv; file: it was written to path'),
    rows: z.number().int().optional().describe('Data rows (findings), header excluded'),
    columns: z.array(z.string()).optional(),
    csv: z.string().optional().describe('The CSV (header row first, CRLF line ends) when delivery is inline'),
    path: z.string().optional().describe('Absolute path of the CSV file on the server when delivery is file'),
    file_name: z.string().optional(),
    bytes: z.number().int().optional(),
    data_quality: dataQualitySchema.optional(),
  }),
  annotations: { title: 'Export violations as CSV', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(ctx, input) {
    const columns = input.columns ?? [...DEFAULT_EXPORT_COLUMNS];
    if (new Set(columns).size !== columns.length) throw new ToolError('columns lists a column twice');
    const scope = scopeOf({ ...input, resource_types: input.resource_types ?? ['all'] });

    let scan: ScanRecord;
    if (input.scan_id) {
      const found = await ctx.store.scanByWorkflowId(input.scan_id);
      if (!found) throw new ToolError(`no scan with id ${input.scan_id}; check the id with list_scans`);
      if (found.status !== 'completed') throw new ToolError(`scan ${input.scan_id} is ${found.status}; only a completed scan can be exported`);
      scan = (await ctx.store.getScan(found.id))!;
    } else {
      const outcome = await resolveScan(ctx, { scope, waitSeconds: input.wait_seconds });
      if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
      scan = outcome.scan;
    }

    const accounts = [...(input.accounts ?? []), ...(input.filters?.account_id ? [input.filters.account_id] : [])];
    const regions = [...(input.regions ?? []), ...(input.filters?.region ? [input.filters.region] : [])];
    const outcome = await exportViolationsCsv(ctx.store, {
      scanId: scan.id, scanLabel: scan.workflowId, columns, resourceTypes: input.resource_types,
      accounts, regions, severity: severityOfFilter(input.severity),
    }, ctx.config.exports);
    const dataQuality = dataQualityOf(scan);

    const text = [
      outcome.delivery === 'inline'
        ? `${outcome.rows} finding(s) of scan ${scan.workflowId} as CSV in the csv field.`
        : `${outcome.rows} finding(s) of scan ${scan.workflowId} written to ${outcome.path} (${outcome.bytes} bytes).`,
      dataQualityWarning(dataQuality, 'the export may be incomplete'),
    ].filter(Boolean).join(' ');
    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        delivery: outcome.delivery,
        rows: outcome.rows,
        columns,
        ...(outcome.delivery === 'inline' ? { csv: outcome.csv } : { path: outcome.path, file_name: outcome.fileName, bytes: outcome.bytes }),
        data_quality: dataQuality,
      },
      text,
    };
  },
});
