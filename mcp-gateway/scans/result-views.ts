// A completed scan's headline: score, counts, breakdowns and data quality, as scan tools return it.
import { z } from 'zod';
import { scanScore } from '../../core/compliance/index.js';
import { percent } from '../../core/report/format.js';
import type { Breakdown, ScanTotals } from '../../core/scan.js';
import type { ScanRecord } from '../../store/index.js';
import { dataQualityOf, dataQualitySchema, scanStateShape } from './state-views.js';
import { consistencySchema, inheritableSchema } from './cross-cloud.js';
import { violationSchema } from './violation-pages.js';

const breakdown = z.record(z.string(), z.object({ total: z.number(), compliant: z.number() }));

export const scanSummarySchema = z.object({
  scan_id: z.string(),
  status: z.enum(['completed', 'cancelled', 'failed', 'running', 'awaiting_approval']),
  cached: z.boolean().optional().describe('true: served from a stored scan of the same scope within the cache TTL'),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  compliance_score: z.number().nullable().describe('compliant resources / resources in scope, 0..1, rounded to 4 decimals; null when the scan saw no resources'),
  total_resources: z.number(),
  compliant_resources: z.number(),
  non_compliant_resources: z.number(),
  by_resource_type: breakdown,
  by_account: breakdown,
  by_region: breakdown,
  by_cloud: breakdown.describe('By cloud (aws, azure, gcp): compare each cloud\'s compliant / total'),
  data_quality: dataQualitySchema,
});

export function summaryView(scan: ScanRecord, cached?: boolean): z.infer<typeof scanSummarySchema> {
  // Partial: rows written by older versions may lack fields.
  const totals: Partial<ScanTotals> = scan.totals ?? {};
  return {
    scan_id: scan.workflowId,
    status: scan.status,
    ...(cached === undefined ? {} : { cached }),
    started_at: scan.startedAt,
    finished_at: scan.finishedAt,
    // No resources, no score (a cancelled scan that read nothing is not 100% compliant).
    compliance_score: !totals.total ? null : typeof totals.score === 'number' ? totals.score : scanScore(totals.compliant ?? 0, totals.total),
    total_resources: totals.total ?? 0,
    compliant_resources: totals.compliant ?? 0,
    non_compliant_resources: totals.nonCompliant ?? 0,
    by_resource_type: totals.byResourceType ?? {},
    by_account: totals.byAccount ?? {},
    by_region: totals.byRegion ?? {},
    by_cloud: totals.byCloud ?? singleCloudBreakdown(scan, totals),
    data_quality: dataQualityOf(scan),
  };
}

/** Rows stored before totals were split by cloud: a one-cloud scope's totals are that cloud's. */
function singleCloudBreakdown(scan: ScanRecord, totals: Partial<ScanTotals>): Record<string, Breakdown> {
  const clouds = (scan.scope as { clouds?: unknown }).clouds;
  // Scopes from before clouds existed were AWS only; an inventory scan's scope names no cloud.
  const only = Array.isArray(clouds) ? (clouds.length === 1 ? String(clouds[0]) : undefined) : 'source' in scan.scope ? undefined : 'aws';
  return only && totals.total ? { [only]: { total: totals.total, compliant: totals.compliant ?? 0 } } : {};
}

/** `aws 92.5% (37/40), azure 60% (6/10)`: per-cloud scores, for a scan over several clouds. */
export function perCloudText(byCloud: Record<string, Breakdown>): string {
  return Object.entries(byCloud).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cloud, b]) => `${cloud} ${b.total ? percent(scanScore(b.compliant, b.total)) : 'no score'} (${b.compliant}/${b.total})`)
    .join(', ');
}

export function summaryText(scan: ScanRecord, cached?: boolean): string {
  const v = summaryView(scan, cached);
  const score = v.compliance_score === null ? `no score (${v.total_resources} resources)` : `Compliance ${percent(v.compliance_score)}`;
  // A partial result says so before any figure, and a cached one says how to get a whole one.
  const partial = v.data_quality.status === 'partial'
    ? `PARTIAL DATA: ${v.data_quality.missing_total} target(s) could not be read; see data_quality` +
      `${cached ? '; this is a cached partial result, call again with force_refresh: true for a new scan' : ''}. `
    : '';
  return `${partial}${score}: ${v.compliant_resources} of ${v.total_resources} resources compliant, ` +
    `${v.non_compliant_resources} non-compliant (scan ${v.scan_id}, ${v.status}${cached ? ', cached' : ''}).` +
    (Object.keys(v.by_cloud).length > 1 ? ` By cloud: ${perCloudText(v.by_cloud)}.` : '');
}

/** What check_tag_compliance and get_scan_status return: a running handle, or the result with a page of violations. */
export const scanResultSchema = z.object({
  ...scanStateShape,
  status: z.enum(['completed', 'cancelled', 'failed', 'running', 'awaiting_approval']),
  scan: scanSummarySchema.optional(),
  violations: z.array(violationSchema.extend({
    hint: z.string().optional().describe('How to fix it at scale, e.g. "inheritable from resource group" on Azure'),
    inheritable_from_resource_group: inheritableSchema.optional()
      .describe('Azure: the resource group carries the missing tag; Azure Policy\'s inherit-tag effect can copy it'),
  })).optional(),
  next_cursor: z.string().nullable().optional(),
  consistency: consistencySchema.optional().describe('Scans of several clouds: the same logical tag spelled or valued differently across clouds'),
});
