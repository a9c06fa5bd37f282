// find_untagged_resources: resources with no tags, or missing required tags, from the scan of a
// scope, as keyset pages bound to that scan.
import { z } from 'zod';
import { scopeHash } from '../../core/scan-id.js';
import { encodeCursor, missingRequiredTags, money, resourceAge } from '../../core/report/index.js';
import type { ScanRecord, Store } from '../../store/index.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { dataQualityOf, dataQualitySchema, runningScan, scanStateShape, dataQualityWarning } from '../scans/state-views.js';
import { resolveScan } from '../scans/resolve.js';
import { toolCursor } from '../scans/tool-cursors.js';
import { scanCosts } from '../cost/untagged-costs.js';
import { scopeOf, scopeParams, waitParams } from '../scans/params.js';

const resourceSchema = z.object({
  arn: z.string().describe('ARN (the resource id)'),
  resource_type: z.string().describe('service:kind'),
  account: z.string(),
  region: z.string(),
  name: z.string().nullable(),
  missing_tags: z.array(z.string()).describe('Required tags the resource lacks (policy spelling); may be empty when it only has no tags at all'),
  tags: z.record(z.string(), z.string()).describe('Tags currently on the resource'),
  state: z.string().nullable(),
  age_days: z.number().int().nullable().describe('Whole days since the resource was created; null when unknown (see age_note)'),
  age_note: z.string().optional()
    .describe('Why age_days is null, e.g. "Lambda does not report a creation date"; absent when age_days is known'),
  monthly_cost: z.number().nullable().optional().describe('Estimated USD per month (with include_costs); null when unknown'),
  cost_basis: z.enum(['actual', 'service_average', 'estimated']).nullable().optional()
    .describe('Where monthly_cost comes from (see get_cost_attribution_gap); absent without Cost Explorer'),
});

export const findUntaggedResources = defineTool({
  name: 'find_untagged_resources',
  title: 'Find untagged resources',
  description:
    'Lists resources that have no tags at all or lack at least one required tag, from the compliance scan of the ' +
    'given scope. A scan of the same scope that finished within the cache TTL answers at once; otherwise a scan ' +
    'starts and the call waits up to wait_seconds. If it is still running the reply has status "running" and a ' +
    'scan_id: call get_scan_status with it until it completes, then call this tool again. Call get_tagging_policy ' +
    'first to see which tags are required. Per resource: arn, missing_tags (required tags it lacks), tags (current), ' +
    'age_days (null when unknown, with age_note saying why) and, with include_costs, monthly_cost (USD for the last full month, null when ' +
    'unknown) with its cost_basis, from the cost model of get_cost_attribution_gap when Cost Explorer is available. ' +
    'total_untagged counts every page; to page, pass next_cursor back as cursor with the same other parameters. ' +
    'min_cost_threshold keeps resources costing at least that much a month (resources of unknown cost are kept, ' +
    'with monthly_cost null) and implies include_costs. If data_quality.status is "partial", some accounts or ' +
    'regions could not be read: say so when presenting the result.',
  inputSchema: z.object({
    ...scopeParams,
    ...waitParams,
    include_costs: z.boolean().default(false).describe('Add each resource\'s estimated monthly cost and the total'),
    min_cost_threshold: z.number().min(0).optional()
      .describe('Only resources costing at least this many USD a month (resources of unknown cost are kept)'),
    force_refresh: z.boolean().default(false).describe('Run a new scan even when a recent result of this scope is stored'),
    limit: z.number().int().min(1).max(1000).default(100).describe('Resources per page (max 1000)'),
    cursor: z.string().max(4096).optional()
      .describe('next_cursor of the previous page (it pins the scan, so force_refresh and wait_seconds are ignored); omit for the first page'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    cached: z.boolean().optional().describe('True when a stored scan answered without a new scan'),
    scan_finished_at: z.string().nullable().optional(),
    resources: z.array(resourceSchema).optional().describe('This page, ordered by arn'),
    total_untagged: z.number().int().optional().describe('Untagged resources matching the query, over every page'),
    never_tagged: z.number().int().optional().describe('Of those, resources with no tags at all'),
    resources_scanned: z.number().int().optional().describe('Resources in the scan, tagged or not'),
    below_cost_threshold: z.number().int().optional().describe('Untagged resources left out by min_cost_threshold'),
    costs: z.object({
      total_monthly_cost: z.number().nullable().describe('Sum of the known monthly costs of every matching resource (USD)'),
      resources_with_cost: z.number().int(),
      resources_cost_unknown: z.number().int(),
      source: z.enum(['cost_explorer', 'stored']).optional().describe('cost_explorer: last full month, the cost model of get_cost_attribution_gap'),
      period: z.object({ Start: z.string(), End: z.string() }).optional(),
      note: z.string().optional(),
      cost_explorer_calls: z.object({ made: z.number().int(), saved_by_cache: z.number().int() }).optional(),
    }).optional().describe('With include_costs or min_cost_threshold'),
    next_cursor: z.string().nullable().optional().describe('Pass as cursor for the next page; null on the last page'),
    data_quality: dataQualitySchema.optional(),
  }),
  annotations: { title: 'Find untagged resources', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const scope = scopeOf(input);
    const minMonthlyCost = input.min_cost_threshold ?? null;
    const includeCosts = input.include_costs || minMonthlyCost !== null;
    const filter = JSON.stringify({ min: minMonthlyCost });

    let scan: ScanRecord;
    let cached: boolean;
    let after: string | undefined;
    if (input.cursor !== undefined) {
      ({ scan, after } = await scanOfCursor(ctx.store, input.cursor, filter, scopeHash(scope)));
      cached = true;
    } else {
      const outcome = await resolveScan(ctx, { scope, forceRefresh: input.force_refresh, waitSeconds: input.wait_seconds });
      if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
      ({ scan, cached } = outcome);
    }

    const now = new Date();
    // With costs, the cost model (Cost Explorer) prices rows, filters and totals where it can.
    const model = includeCosts ? await scanCosts(ctx, scan, scope) : undefined;
    const tables = model?.costs?.tables;
    const rows = tables
      ? await ctx.store.listUntaggedByModelCost(scan.id, tables, { minMonthlyCost, after, limit: input.limit + 1 })
      : await ctx.store.listUntaggedResources(scan.id, { minMonthlyCost, after, limit: input.limit + 1 });
    const totals = tables
      ? await ctx.store.untaggedTotalsByModelCost(scan.id, tables, { minMonthlyCost })
      : await ctx.store.untaggedTotals(scan.id, { minMonthlyCost });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > input.limit && last ? encodeCursor({ scanId: scan.id, after: last.resourceId, filter }) : null;
    const dataQuality = dataQualityOf(scan);

    const resources = page.map((r) => ({
      arn: r.resourceId,
      resource_type: r.resourceType,
      account: r.account,
      region: r.region,
      name: r.name,
      missing_tags: missingRequiredTags(r.violations),
      tags: r.tags,
      state: r.state,
      ...resourceAge(r.resourceType, r.createdAt, now),
      ...(includeCosts ? { monthly_cost: r.monthlyCost === null ? null : Math.round(r.monthlyCost * 100) / 100 } : {}),
      ...(model?.costs ? { cost_basis: model.costs.basisOf(r) } : {}),
    }));
    const costs = includeCosts ? {
      total_monthly_cost: totals.monthlyCost === null ? null : Math.round(totals.monthlyCost * 100) / 100,
      resources_with_cost: totals.withCost,
      resources_cost_unknown: totals.matching - totals.withCost,
      ...(model && (model.view.source === 'cost_explorer' || model.view.note) ? model.view : {}),
    } : undefined;

    const text = [
      `${totals.matching} untagged resource(s) (${totals.neverTagged} with no tags at all) out of ${totals.scanned} in scan ${scan.workflowId}` +
        `${cached ? ' (stored result)' : ''}.`,
      minMonthlyCost !== null ? `${totals.belowThreshold} left out below ${money(minMonthlyCost)}/month.` : '',
      costs ? `Known monthly cost: ${money(costs.total_monthly_cost)}` +
        `${costs.resources_cost_unknown ? ` (${costs.resources_cost_unknown} of unknown cost)` : ''}.` : '',
      nextCursor ? `This page has ${page.length}; pass next_cursor as cursor for more.` : `This page has ${page.length} (last page).`,
      dataQualityWarning(dataQuality, 'the list may be incomplete'),
    ].filter(Boolean).join(' ');
    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        cached,
        scan_finished_at: scan.finishedAt,
        resources,
        total_untagged: totals.matching,
        never_tagged: totals.neverTagged,
        resources_scanned: totals.scanned,
        below_cost_threshold: totals.belowThreshold,
        ...(costs ? { costs } : {}),
        next_cursor: nextCursor,
        data_quality: dataQuality,
      },
      text,
    };
  },
});

/** The scan and position a cursor points at, checked against this call's scope and filters. */
async function scanOfCursor(store: Pick<Store, 'getScan'>, cursor: string, filter: string, hash: string): Promise<{ scan: ScanRecord; after: string }> {
  const decoded = toolCursor(cursor, filter, 'a different min_cost_threshold');
  const scan = await store.getScan(decoded.scanId);
  if (!scan || scan.status !== 'completed') {
    throw new ToolError('the scan this cursor pages through is no longer available; call again without cursor');
  }
  if (scan.scopeHash !== hash) {
    throw new ToolError('the cursor belongs to a different scope; pass the same scope parameters as for the first page, or omit cursor');
  }
  return { scan, after: decoded.after };
}
