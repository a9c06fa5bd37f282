// generate_compliance_report: a scan's compliance report (score, breakdowns, violation rankings,
// recommendations) rendered as json, markdown, csv or html.
import { z } from 'zod';
import { percent, renderReport, REPORT_FORMATS } from '../../core/report/index.js';
import { defineTool } from '../context.js';
import { dataQualitySchema, runningScan, scanStateShape, dataQualityWarning } from '../scans/state-views.js';
import { resolveScan } from '../scans/resolve.js';
import { scopeOf, scopeParams, waitParams } from '../scans/params.js';
import { consistencySchema } from '../scans/cross-cloud.js';
import { scanReport } from '../scans/scan-report.js';
import { writeReportPdf } from '../exports/report-pdf.js';

/** pdf: the html page printed by a headless Chromium and written to the export directory. */
const TOOL_FORMATS = [...REPORT_FORMATS, 'pdf'] as const;

const violationSchema = z.object({
  tag: z.string().describe('Tag key as the policy spells it'),
  kind: z.string().describe('missing_required_tag, invalid_value, invalid_format, empty_value, wrong_key_case or key_case_mismatch'),
  severity: z.string(),
  resources: z.number().int().describe('Resources with this finding'),
  non_compliant_resources: z.number().int(),
  monthly_cost: z.number().nullable().describe('Known monthly cost (USD) of the non-compliant ones; null when unknown'),
});

const summarySchema = z.object({
  compliance_score: z.number().nullable().describe('compliant / total, 0..1, rounded to 4 decimals; null when the scan saw no resources'),
  total_resources: z.number().int(),
  compliant: z.number().int(),
  non_compliant: z.number().int(),
  never_tagged: z.number().int().describe('Resources with no tags at all'),
  missing_required_tags: z.number().int().describe('Resources missing at least one required tag'),
  findings: z.number().int().describe('Findings of every kind, warnings included'),
  resources_with_cost: z.number().int(),
  total_monthly_cost: z.number().nullable().describe('USD, over resources with a known cost; null when none is known'),
  non_compliant_monthly_cost: z.number().nullable(),
});

const TOP_VIOLATIONS = 10;

export const generateComplianceReport = defineTool({
  name: 'generate_compliance_report',
  title: 'Generate compliance report',
  description:
    'Builds a compliance report from the scan of the given scope: the compliance score (compliant / total), counts, ' +
    'breakdowns by cloud, resource type, account and region, the top violations by count (tag + kind) and by the monthly ' +
    'cost of the non-compliant resources (when costs are known), and prioritised recommendations. format picks the ' +
    'rendering returned in `report`: json (default), markdown, csv (one table; formula-safe) or html (standalone ' +
    'printable page with inline SVG charts); pdf prints that page with the server\'s headless Chromium into a file in ' +
    'the export directory (report_file says where; an error says so when no Chromium is installed). The structured fields (summary, top_violations, recommendations, data_quality) are the same for every ' +
    'format. A recent stored scan of the same scope answers at once; otherwise a scan starts and the call waits up to ' +
    'wait_seconds, returning status "running" with a scan_id to poll with get_scan_status if it is not done. ' +
    'For a scope of several clouds (cloud_provider all) `consistency` lists tags spelled or valued differently across ' +
    'clouds, with counts per cloud. If data_quality.status is "partial", some accounts or regions could not be read: say so with the figures.',
  inputSchema: z.object({
    ...scopeParams,
    ...waitParams,
    format: z.enum(TOOL_FORMATS).default('json').describe('Rendering of `report`: json, markdown, csv or html; pdf: a file (report_file)'),
    include_recommendations: z.boolean().default(true).describe('Add prioritised recommendations'),
    force_refresh: z.boolean().default(false).describe('Run a new scan even when a recent result of this scope is stored'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    format: z.enum(TOOL_FORMATS).optional(),
    report: z.string().optional().describe('The rendered report in the requested format (absent for pdf)'),
    report_file: z.object({
      path: z.string().describe('Absolute path on the server, in its export directory'),
      file_name: z.string(),
      bytes: z.number().int(),
      media_type: z.literal('application/pdf'),
    }).optional().describe('format pdf: where the PDF was written'),
    cached: z.boolean().optional().describe('True when a stored scan answered without a new scan'),
    scan_finished_at: z.string().nullable().optional(),
    summary: summarySchema.optional(),
    top_violations: z.array(violationSchema).optional().describe(`Up to ${TOP_VIOLATIONS}, most resources first`),
    top_violations_by_cost: z.array(violationSchema).optional().describe('Costliest first; empty when costs are unknown'),
    recommendations: z.array(z.object({
      priority: z.enum(['high', 'medium', 'low']),
      category: z.string(),
      message: z.string(),
    })).optional(),
    data_quality: dataQualitySchema.optional(),
    by_cloud: z.array(z.object({
      key: z.string().describe('aws, azure or gcp'),
      total: z.number().int(),
      compliant: z.number().int(),
      non_compliant: z.number().int(),
      compliance_score: z.number(),
      non_compliant_monthly_cost: z.number().nullable(),
    })).optional().describe('Per-cloud counts and scores, one row per cloud the scan read'),
    consistency: consistencySchema.optional(),
  }),
  annotations: { title: 'Generate compliance report', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const scope = scopeOf(input);
    const outcome = await resolveScan(ctx, { scope, forceRefresh: input.force_refresh, waitSeconds: input.wait_seconds });
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const { scan, cached } = outcome;
    const report = await scanReport(ctx, scan, scope, { includeRecommendations: input.include_recommendations, topN: TOP_VIOLATIONS });
    const consistency = report.consistency;

    const s = report.summary;
    const top = report.top_violations_by_count[0];
    const text = [
      `${s.compliance_score === null ? 'No score' : `Compliance ${percent(s.compliance_score)}`}: ${s.compliant} of ${s.total_resources} resources compliant in scan ${scan.workflowId}` +
        `${cached ? ' (stored result)' : ''}; ${s.never_tagged} with no tags at all.`,
      top ? `Top violation: ${top.kind} "${top.tag}" on ${top.resources} resource(s).` : 'No violations.',
      report.by_cloud.length > 1 ? `By cloud: ${report.by_cloud.map((c) => `${c.key} ${percent(c.compliance_score)} (${c.compliant}/${c.total})`).join(', ')}.` : '',
      consistency?.issues_total ? `${consistency.issues_total} cross-cloud consistency issue(s).` : '',
      report.recommendations.length ? `${report.recommendations.length} recommendation(s).` : '',
      dataQualityWarning(report.data_quality, 'figures may undercount'),
    ].filter(Boolean);
    const html = input.format === 'pdf' ? renderReport(report, 'html') : undefined;
    const pdf = html === undefined ? undefined
      : await writeReportPdf(html, { chromiumPath: ctx.config.reports.chromiumPath, directory: ctx.config.exports.directory });
    text.push(pdf ? `The PDF report was written to ${pdf.path} (${pdf.bytes} bytes).` : `The ${input.format} report is in the report field.`);
    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        format: input.format,
        ...(pdf ? {
          report_file: { path: pdf.path, file_name: pdf.fileName, bytes: pdf.bytes, media_type: 'application/pdf' as const },
        } : { report: renderReport(report, input.format as (typeof REPORT_FORMATS)[number]) }),
        cached,
        scan_finished_at: scan.finishedAt,
        summary: s,
        top_violations: report.top_violations_by_count,
        top_violations_by_cost: report.top_violations_by_cost,
        recommendations: report.recommendations,
        data_quality: report.data_quality,
        by_cloud: report.by_cloud,
        ...(report.consistency ? { consistency: report.consistency } : {}),
      },
      text: text.join(' '),
    };
  },
});
