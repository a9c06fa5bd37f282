// get_cost_attribution_gap: what the spend of a scope is, how much of it compliant resources
// carry, and the gap between the two, from Cost Explorer and the latest scan of the scope.
import { z } from 'zod';
import {
  BASIS_MEANINGS, checkPeriod, computeGap, explainZero, GAP_GROUPINGS, lastFullMonth, PeriodError, type CostPeriod,
} from '../../core/cost/index.js';
import { money } from '../../core/report/index.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { loadCost } from '../cost/cost-source.js';
import { dataQualityOf, dataQualitySchema, runningScan, scanStateShape, dataQualityWarning } from '../scans/state-views.js';
import { resolveScan } from '../scans/resolve.js';
import { scopeOf, scopeParams, waitParams } from '../scans/params.js';
import { dryRunOf, dryRunParams } from '../scans/dry-run.js';
import { dryRunShape } from '../scans/approval-views.js';
import { plannedCostExplorerRequests } from '../cost/cost-plan.js';
import { scanWorkflowIdFor } from '../../client/scans.js';

const MAX_SERVICES_LISTED = 100;
const cents = (v: number) => Math.round(v * 100) / 100;
const pct = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

const figuresSchema = z.object({
  actual: z.number().int(), service_average: z.number().int(), estimated: z.number().int(),
  unknown: z.number().int().describe('Resources with no cost source (Azure and GCP, or a type Cost Explorer does not map)'),
}).describe('How many resources got each kind of figure');

const rowSchema = z.object({
  key: z.string().describe('The resource type, region, account or cloud; "unallocated…" for spend no scanned resource carries'),
  attributable_spend: z.number().nullable(),
  compliant_spend: z.number().nullable(),
  gap: z.number().nullable(),
  gap_percent: z.number().nullable(),
  resources: z.number().int(),
  compliant_resources: z.number().int(),
  figures: figuresSchema,
  note: z.string().optional().describe('"no cost source" where no figure exists'),
});

export const getCostAttributionGap = defineTool({
  name: 'get_cost_attribution_gap',
  title: 'Get cost attribution gap',
  description:
    'The money behind tag violations: spend for the period (default the last full month, UTC; or time_period ' +
    '{Start, End}, End exclusive) from AWS Cost Explorer, the part carried by compliant resources, and the gap = ' +
    'attributable spend - compliant spend, in USD and percent, broken down by group_by (resource_type, region, account ' +
    'or cloud). Works from the latest compliance scan of the scope (a stored one within the cache TTL answers at once; ' +
    'otherwise a scan starts and the call waits up to wait_seconds, returning status "running" and a scan_id to poll ' +
    'with get_scan_status). Each resource\'s figure is labelled: actual (its own resource-level spend, EC2 and RDS), ' +
    'service_average (its service\'s spend in its account shared by the running resources there) or estimated ($0 ' +
    'for a stopped instance). Spend no tag can attribute (tax, support, fees, API usage, data transfer) is excluded ' +
    'and listed in excluded_spend. explanations says why a figure is $0. Azure and GCP have no cost source yet. ' +
    'Cost Explorer requests are billed; cached answers are reused (cost_explorer_calls says how many were made and saved).',
  inputSchema: z.object({
    ...scopeParams,
    ...waitParams,
    time_period: z.object({
      Start: z.string().describe('First day, YYYY-MM-DD'),
      End: z.string().describe('Day after the last, YYYY-MM-DD (exclusive, as in Cost Explorer)'),
    }).strict().optional().describe('Default: the last full calendar month (UTC)'),
    group_by: z.enum(GAP_GROUPINGS).default('resource_type').describe('Breakdown: resource_type, region, account or cloud'),
    include_tag_spend: z.boolean().default(true)
      .describe('Also ask Cost Explorer for spend by each required tag key (one billed request per key, cached)'),
    force_refresh: z.boolean().default(false).describe('Run a new scan even when a recent result of this scope is stored'),
    dry_run: dryRunParams.dry_run.describe('true: send no Cost Explorer request and scan nothing; return the plan of the scan, ' +
      'the Cost Explorer requests this reply would send and their charge ($0.01 each; the cache may answer some)'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    status: z.enum([...scanStateShape.status.options, 'dry_run']),
    ...z.object(dryRunShape).partial().shape,
    cached: z.boolean().optional().describe('True when a stored scan answered without a new scan'),
    scan_finished_at: z.string().nullable().optional(),
    time_period: z.object({ Start: z.string(), End: z.string() }).optional(),
    currency: z.literal('USD').optional(),
    attributable_spend: z.number().optional().describe('Spend of the scope\'s services that tags can attribute (USD)'),
    compliant_spend: z.number().optional().describe('Of it, spend of compliant resources'),
    attribution_gap: z.number().optional().describe('attributable_spend - compliant_spend'),
    attribution_gap_percent: z.number().nullable().optional().describe('attribution_gap / attributable_spend x 100; null when nothing is attributable'),
    non_compliant_spend: z.number().optional().describe('Of the gap: spend of non-compliant resources'),
    unallocated_spend: z.number().optional().describe('Of the gap: spend no scanned resource carries (e.g. resources gone since the period)'),
    total_spend: z.number().optional().describe('Everything Cost Explorer reported for the accounts and regions of the scope'),
    excluded_spend: z.object({
      total: z.number(),
      services: z.array(z.object({ service: z.string(), category: z.string(), amount: z.number() })),
    }).optional().describe('Spend no tag can attribute, left out of the gap'),
    out_of_scope_spend: z.number().optional().describe('Spend of services none of the requested resource types maps to'),
    group_by: z.enum(GAP_GROUPINGS).optional(),
    breakdown: z.array(rowSchema).optional().describe('Largest gap first'),
    figures: figuresSchema.optional(),
    basis: z.record(z.string(), z.string()).optional().describe('What actual, service_average and estimated mean'),
    services: z.array(z.object({
      account: z.string(), service: z.string(), spend: z.number(), resources: z.number().int(), actual_resources: z.number().int(),
      actual_spend: z.number(), average_per_resource: z.number().nullable(), unallocated: z.number(),
    })).optional().describe(`How each account's service spend was spread (up to ${MAX_SERVICES_LISTED}, largest first)`),
    spend_by_tag: z.array(z.object({
      key: z.string(), tagged_spend: z.number(), untagged_spend: z.number().describe('Cost Explorer\'s empty value: spend without the tag'),
      activated: z.boolean().nullable().describe('false: CE saw spend but never this tag (not activated as a cost allocation tag)'),
      top_values: z.array(z.object({ value: z.string(), amount: z.number() })),
    })).optional().describe('Cost Explorer\'s spend by each required tag key (cost allocation tags)'),
    resource_level: z.object({
      status: z.enum(['used', 'disabled', 'unavailable', 'not_needed']),
      window: z.object({ Start: z.string(), End: z.string() }), note: z.string().optional(),
    }).optional(),
    explanations: z.array(z.object({ reason: z.string(), message: z.string() })).optional()
      .describe('Why a figure is $0: no_resources, free_tier, all_stopped, only_unattributable, all_compliant, tags_not_activated'),
    cost_explorer_account: z.string().nullable().optional(),
    cost_explorer_calls: z.object({
      made: z.number().int().describe('Billed Cost Explorer requests this reply sent'),
      saved_by_cache: z.number().int().describe('Requests answered from the cache instead'),
    }).optional(),
    data_quality: dataQualitySchema.optional(),
  }),
  annotations: { title: 'Get cost attribution gap', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const now = new Date();
    let period: CostPeriod;
    try {
      period = input.time_period ? checkPeriod({ start: input.time_period.Start, end: input.time_period.End }, now) : lastFullMonth(now);
    } catch (err) {
      if (err instanceof PeriodError) throw new ToolError(`invalid time_period: ${err.message}`);
      throw err;
    }
    const scope = scopeOf(input);
    if (input.dry_run) {
      const dry = await dryRunOf(ctx, scope, await plannedCostExplorerRequests(ctx, scope, input.include_tag_spend));
      return { ...dry, structured: { ...dry.structured, status: 'dry_run' as const, scan_id: scanWorkflowIdFor(scope, { now }) } };
    }
    const outcome = await resolveScan(ctx, { scope, forceRefresh: input.force_refresh, waitSeconds: input.wait_seconds });
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const { scan, cached } = outcome;
    const loaded = await loadCost(ctx, scan, scope, { period, tagSpend: input.include_tag_spend, now });
    const { model } = loaded;
    const gap = computeGap(model, loaded.groups, loaded.keyed, input.group_by, scope.clouds);
    const explanations = explainZero(model, gap, loaded.tagSpend);
    const excludedTotal = model.excluded.reduce((s, e) => s + e.amount, 0);
    const dataQuality = dataQualityOf(scan);

    const text = [
      `${period.start}..${period.end}: attributable spend ${money(cents(gap.attributableSpend))}, compliant ${money(cents(gap.compliantSpend))}, ` +
        `gap ${money(cents(gap.gap))}${gap.gapPercent === null ? '' : ` (${pct(gap.gapPercent)}%)`} over ${gap.resources} resource(s) of scan ${scan.workflowId}` +
        `${cached ? ' (stored result)' : ''}.`,
      excludedTotal > 0 ? `${money(cents(excludedTotal))} excluded as unattributable (${model.excluded.map((e) => e.service).join(', ')}).` : '',
      gap.idleInstances ? `${gap.idleInstances} stopped instance(s) counted at $0 compute.` : '',
      ...explanations.map((e) => e.message),
      `Cost Explorer requests: ${loaded.calls.made} made, ${loaded.calls.saved_by_cache} saved by the cache.`,
      dataQualityWarning(dataQuality, 'resource counts may be incomplete'),
    ].filter(Boolean).join(' ');

    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        cached,
        scan_finished_at: scan.finishedAt,
        time_period: { Start: period.start, End: period.end },
        currency: 'USD' as const,
        attributable_spend: cents(gap.attributableSpend),
        compliant_spend: cents(gap.compliantSpend),
        attribution_gap: cents(gap.gap),
        attribution_gap_percent: pct(gap.gapPercent),
        non_compliant_spend: cents(gap.nonCompliantSpend),
        unallocated_spend: cents(gap.unallocatedSpend),
        total_spend: cents(model.totalSpend),
        excluded_spend: { total: cents(excludedTotal), services: model.excluded.map((e) => ({ ...e, amount: cents(e.amount) })) },
        out_of_scope_spend: cents(model.outOfScope),
        group_by: input.group_by,
        breakdown: gap.rows.map((r) => ({
          key: r.key,
          attributable_spend: r.attributableSpend === null ? null : cents(r.attributableSpend),
          compliant_spend: r.compliantSpend === null ? null : cents(r.compliantSpend),
          gap: r.gap === null ? null : cents(r.gap),
          gap_percent: pct(r.gapPercent),
          resources: r.resources, compliant_resources: r.compliantResources, figures: r.figures,
          ...(r.note ? { note: r.note } : {}),
        })),
        figures: gap.figures,
        basis: BASIS_MEANINGS,
        services: [...model.allocations].sort((a, b) => b.spend - a.spend).slice(0, MAX_SERVICES_LISTED).map((a) => ({
          account: a.account, service: a.service, spend: cents(a.spend), resources: a.resources, actual_resources: a.actualResources,
          actual_spend: cents(a.actualSpend), average_per_resource: a.averagePerResource === null ? null : Math.round(a.averagePerResource * 1e4) / 1e4,
          unallocated: cents(a.unallocated),
        })),
        spend_by_tag: loaded.tagSpend.map((t) => ({
          key: t.key, tagged_spend: cents(t.taggedSpend), untagged_spend: cents(t.untaggedSpend), activated: t.activated,
          top_values: t.topValues.map((v) => ({ value: v.value, amount: cents(v.amount) })),
        })),
        resource_level: {
          status: loaded.resourceLevel.status,
          window: { Start: loaded.resourceLevel.window.start, End: loaded.resourceLevel.window.end },
          ...(loaded.resourceLevel.note ? { note: loaded.resourceLevel.note } : {}),
        },
        explanations,
        cost_explorer_account: loaded.ceAccount,
        cost_explorer_calls: loaded.calls,
        data_quality: dataQuality,
      },
      text,
    };
  },
});
