// A scan's plan before it runs (what discovery found: clouds, targets, regions, resource types),
// its estimates (cloud API calls, Cost Explorer charge, duration, from recent scans' figures) and
// whether it is big enough to need a person's approval. The plan hash names the plan a person
// approved: the same scope over the same targets, regions and types hashes the same.
import { createHash } from 'node:crypto';
import { totalCalls, type CloudCalls } from './cloud-calls.js';
import type { ScanScope } from './scope.js';

/** One cloud's share of the plan, as discovery found it. */
export interface CloudPlan {
  cloud: string;
  /** Every planned target id, sorted: part of the hash, so a new account changes the plan. */
  targets: string[];
  /** Regions of the sampled target (the scope's, the config's, or discovered); empty when unknown. */
  regions: string[];
  regionSource: string;
  /** Distinct resource-type sources one target is read by (shard labels per region). */
  resourceTypes: number;
}

/** The approval thresholds (config `approval`) a plan is checked against. */
export interface ApprovalThresholds {
  /** targets × regions × types above this needs approval. */
  maxTargetRegionTypes: number;
  maxEstimatedCalls: number;
  maxEstimatedSpendUsd: number;
}

/** Figures of one finished scan the estimator learns from. */
export interface ScanStatistics {
  /** targets × regions × types the scan covered. */
  units: number;
  resources: number;
  calls: CloudCalls | null | undefined;
  durationSeconds: number;
  /** Targets scanned at once (its parallelism), at least 1. */
  parallel: number;
}

export interface ScanEstimates {
  targetRegionTypes: number;
  calls: number;
  /** Calls per resource of recent scans (what the estimate is built from); null without history. */
  callsPerResource: number | null;
  resources: number | null;
  costExplorerRequests: number;
  spendUsd: number;
  durationSeconds: number;
  /** 'recent_scans' (N of them) or 'defaults' when none recorded calls yet. */
  basis: string;
}

export interface ScanPlanSummary {
  clouds: Array<Omit<CloudPlan, 'targets'> & { target_count: number; targets_shown: string[] }>;
  resource_types: string[];
  regions_requested: string[] | null;
}

export interface ScanPlanVerdict {
  plan: ScanPlanSummary;
  planHash: string;
  estimates: ScanEstimates;
  requiresApproval: boolean;
  /** Which thresholds the plan is over, in words. */
  reasons: string[];
  thresholds: ApprovalThresholds;
}

/** Cost Explorer's price per API request (GetCostAndUsage & co). */
export const COST_EXPLORER_USD_PER_REQUEST = 0.01;
/** Without history: API calls per target × region × type (a list call and a page or two). */
export const DEFAULT_CALLS_PER_UNIT = 3;
export const DEFAULT_SECONDS_PER_UNIT = 2;
const TARGETS_SHOWN = 10;

/** sha256 over the normalised plan (scope and every cloud's sorted targets, regions and type count); 16 hex. */
export function planHash(scope: ScanScope, clouds: readonly CloudPlan[]): string {
  const normal = {
    scope: { clouds: [...scope.clouds].sort(), resourceTypes: [...scope.resourceTypes].sort(), regions: scope.regions ? [...scope.regions].sort() : null },
    clouds: [...clouds].sort((a, b) => a.cloud.localeCompare(b.cloud)).map((c) => ({
      cloud: c.cloud, targets: [...c.targets].sort(), regions: [...c.regions].sort(), resourceTypes: c.resourceTypes,
    })),
  };
  return createHash('sha256').update(JSON.stringify(normal)).digest('hex').slice(0, 16);
}

/** targets × regions × types over every cloud; a cloud whose regions are unknown counts one. */
export function targetRegionTypes(clouds: readonly CloudPlan[]): number {
  return clouds.reduce((sum, c) => sum + c.targets.length * Math.max(1, c.regions.length) * Math.max(1, c.resourceTypes), 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Calls and duration from the median of recent scans' calls and seconds per unit (the calls per
 * resource they recorded times their resources per unit); defaults when none recorded calls.
 */
export function estimateScan(units: number, parallel: number, recent: readonly ScanStatistics[], costExplorerRequests = 0): ScanEstimates {
  const usable = recent.filter((s) => s.units > 0 && totalCalls(s.calls) > 0);
  const lanes = Math.max(1, parallel);
  const spendUsd = Math.round(costExplorerRequests * COST_EXPLORER_USD_PER_REQUEST * 100) / 100;
  if (usable.length === 0) {
    return {
      targetRegionTypes: units, calls: Math.ceil(units * DEFAULT_CALLS_PER_UNIT), callsPerResource: null, resources: null,
      costExplorerRequests, spendUsd, durationSeconds: Math.ceil((units * DEFAULT_SECONDS_PER_UNIT) / lanes), basis: 'defaults',
    };
  }
  const withResources = usable.filter((s) => s.resources > 0);
  const callsPerResource = withResources.length ? median(withResources.map((s) => totalCalls(s.calls) / s.resources)) : null;
  const resourcesPerUnit = withResources.length ? median(withResources.map((s) => s.resources / s.units)) : 0;
  const callsPerUnit = median(usable.map((s) => totalCalls(s.calls) / s.units));
  // Busy seconds per unit: a scan's wall time times the lanes it ran in, over its units.
  const secondsPerUnit = median(usable.map((s) => (s.durationSeconds * Math.max(1, s.parallel)) / s.units));
  return {
    targetRegionTypes: units,
    calls: Math.ceil(units * callsPerUnit),
    callsPerResource: callsPerResource === null ? null : Math.round(callsPerResource * 1000) / 1000,
    resources: withResources.length ? Math.round(units * resourcesPerUnit) : null,
    costExplorerRequests, spendUsd,
    durationSeconds: Math.ceil((units * secondsPerUnit) / lanes),
    basis: `recent_scans (${usable.length})`,
  };
}

/** The thresholds the estimates are over, in words; empty: no approval needed. */
export function approvalReasons(estimates: ScanEstimates, thresholds: ApprovalThresholds): string[] {
  const reasons: string[] = [];
  if (estimates.targetRegionTypes > thresholds.maxTargetRegionTypes) {
    reasons.push(`targets × regions × types ${estimates.targetRegionTypes} > ${thresholds.maxTargetRegionTypes}`);
  }
  if (estimates.calls > thresholds.maxEstimatedCalls) reasons.push(`estimated API calls ${estimates.calls} > ${thresholds.maxEstimatedCalls}`);
  if (estimates.spendUsd > thresholds.maxEstimatedSpendUsd) {
    reasons.push(`estimated spend $${estimates.spendUsd.toFixed(2)} > $${thresholds.maxEstimatedSpendUsd.toFixed(2)}`);
  }
  return reasons;
}

/** The small view of a plan kept in progress, on the scan row and in replies: target lists capped. */
export function planSummary(scope: ScanScope, clouds: readonly CloudPlan[]): ScanPlanSummary {
  return {
    clouds: clouds.map(({ targets, ...rest }) => ({ ...rest, target_count: targets.length, targets_shown: [...targets].sort().slice(0, TARGETS_SHOWN) })),
    resource_types: [...scope.resourceTypes],
    regions_requested: scope.regions ? [...scope.regions] : null,
  };
}

/** The whole verdict on a discovered plan. */
export function judgePlan(input: {
  scope: ScanScope; clouds: readonly CloudPlan[]; parallel: number; recent: readonly ScanStatistics[];
  thresholds: ApprovalThresholds; costExplorerRequests?: number;
}): ScanPlanVerdict {
  const estimates = estimateScan(targetRegionTypes(input.clouds), input.parallel, input.recent, input.costExplorerRequests ?? 0);
  const reasons = approvalReasons(estimates, input.thresholds);
  return {
    plan: planSummary(input.scope, input.clouds), planHash: planHash(input.scope, input.clouds), estimates,
    requiresApproval: reasons.length > 0, reasons, thresholds: input.thresholds,
  };
}
