// How a plan and its approval look in tool replies: a dry run's answer, and the approval block of
// a scan held at its gate (status awaiting_approval), with the next step that approves it.
import { z } from 'zod';
import type { PendingApproval } from '../../core/scan.js';
import type { ScanEstimates, ScanPlanSummary, ScanPlanVerdict } from '../../core/scan-plan.js';

export const planSchema = z.object({
  clouds: z.array(z.object({
    cloud: z.string(), target_count: z.number().int(), targets_shown: z.array(z.string()),
    regions: z.array(z.string()), region_source: z.string().describe('scope, config, discovered, or unknown'),
    type_sources: z.number().int().describe('Resource-type sources one target is read by, per region'),
  })),
  resource_types: z.array(z.string()),
  regions_requested: z.array(z.string()).nullable(),
}).describe('What the scan would cover: per cloud the targets (count and the first few), regions and resource-type sources');

export const estimatesSchema = z.object({
  target_region_types: z.number().int().describe('targets × regions × resource types'),
  api_calls: z.number().int().describe('Estimated cloud API calls, from recent scans\' calls per resource'),
  calls_per_resource: z.number().nullable(),
  resources: z.number().nullable(),
  cost_explorer_requests: z.number().int(),
  spend_usd: z.number().describe('Cost Explorer charge: $0.01 per request'),
  duration_seconds: z.number().int(),
  basis: z.string().describe('recent_scans (N), or defaults when no scan recorded its calls yet'),
});

export const thresholdsSchema = z.object({
  max_target_region_types: z.number(), max_estimated_calls: z.number(), max_estimated_spend_usd: z.number(),
});

export const approvalSchema = z.object({
  plan_hash: z.string(),
  plan: planSchema,
  estimates: estimatesSchema,
  reasons: z.array(z.string()).describe('The thresholds the plan is over'),
  expires_at: z.string().describe('Unless approved by then, the scan is cancelled, not run'),
}).describe('The plan waiting for approval (status awaiting_approval)');

export function planView(plan: ScanPlanSummary): z.infer<typeof planSchema> {
  return {
    ...plan,
    clouds: plan.clouds.map((c) => ({
      cloud: c.cloud, target_count: c.target_count, targets_shown: c.targets_shown, regions: c.regions,
      region_source: c.regionSource, type_sources: c.resourceTypes,
    })),
  };
}

export function estimatesView(e: ScanEstimates): z.infer<typeof estimatesSchema> {
  return {
    target_region_types: e.targetRegionTypes, api_calls: e.calls, calls_per_resource: e.callsPerResource, resources: e.resources,
    cost_explorer_requests: e.costExplorerRequests, spend_usd: e.spendUsd, duration_seconds: e.durationSeconds, basis: e.basis,
  };
}

export function thresholdsView(t: ScanPlanVerdict['thresholds']): z.infer<typeof thresholdsSchema> {
  return { max_target_region_types: t.maxTargetRegionTypes, max_estimated_calls: t.maxEstimatedCalls, max_estimated_spend_usd: t.maxEstimatedSpendUsd };
}

export function approvalView(a: PendingApproval): z.infer<typeof approvalSchema> {
  return { plan_hash: a.planHash, plan: planView(a.plan), estimates: estimatesView(a.estimates), reasons: a.reasons, expires_at: a.expiresAt };
}

/** The next step of a scan held at its gate. */
export function approvalNextStep(scanId: string, a: PendingApproval): string {
  return `The scan waits for approval (${a.reasons.join('; ')}) until ${a.expiresAt}. A person allowed to approve calls approve_scan ` +
    `with scan_id "${scanId}" and plan_hash "${a.planHash}" (or reject_scan to cancel it); narrow the scope to scan less.`;
}

/** What every dry run returns: the plan, its hash, the estimates and whether it would wait. */
export const dryRunShape = {
  dry_run: z.literal(true),
  plan: planSchema,
  plan_hash: z.string().describe('Pass it as approved_plan_hash once approved, so the scan does not wait while the plan is unchanged'),
  estimates: estimatesSchema,
  requires_approval: z.boolean(),
  reasons: z.array(z.string()),
  thresholds: thresholdsSchema,
  unplanned: z.array(z.string()).optional().describe('Clouds whose targets could not be listed, and why'),
};

export function dryRunView(v: ScanPlanVerdict) {
  return {
    dry_run: true as const, plan: planView(v.plan), plan_hash: v.planHash, estimates: estimatesView(v.estimates),
    requires_approval: v.requiresApproval, reasons: v.reasons, thresholds: thresholdsView(v.thresholds),
  };
}

export function dryRunText(v: ScanPlanVerdict): string {
  const targets = v.plan.clouds.map((c) => `${c.target_count} ${c.cloud} target(s) × ${c.regions.length || '?'} region(s) × ${c.resourceTypes} type source(s)`).join(', ');
  return `Dry run (nothing scanned): ${targets || 'no targets'}; about ${v.estimates.calls} API calls, ` +
    `$${v.estimates.spendUsd.toFixed(2)} Cost Explorer charge, ~${v.estimates.durationSeconds}s. ` +
    (v.requiresApproval ? `It would wait for approval (${v.reasons.join('; ')}). ` : 'It would run without approval. ') +
    `plan_hash ${v.planHash}.`;
}
