// The approval gate's activities: judge a discovered plan against the thresholds with estimates
// from recent scans, keep the plan on the scan row (holding it while it waits), and record each
// decision on the row and in the audit log. All idempotent: retries and replays change nothing twice.
import { judgePlan, type ApprovalThresholds, type CloudPlan, type ScanPlanVerdict, type ScanStatistics } from '../core/scan-plan.js';
import type { ScanScope } from '../core/scope.js';
import type { ApprovalDecision, Store } from '../store/index.js';
import type { ScanStatisticsRow } from '../store/scan-approval.js';

/** Recent scans the estimates learn from. */
export const STATISTICS_SCANS = 20;

export interface JudgePlanInput {
  scope: ScanScope;
  clouds: CloudPlan[];
  /** Targets scanned at once. */
  parallel: number;
  thresholds: ApprovalThresholds;
  costExplorerRequests?: number;
}

/** A finished scan's figures: its plan's units when it recorded one, else what its totals show. */
export function statisticsOf(row: ScanStatisticsRow): ScanStatistics {
  const keys = (o: object | undefined) => Math.max(1, Object.keys(o ?? {}).length);
  const types = row.scope?.resourceTypes?.includes('all') || !row.scope?.resourceTypes?.length
    ? keys(row.totals?.byResourceType) : row.scope.resourceTypes.length;
  const units = row.plan?.estimates?.targetRegionTypes ?? keys(row.totals?.byAccount) * keys(row.totals?.byRegion) * types;
  return {
    units, resources: row.totals?.total ?? 0, calls: row.cloudCalls,
    durationSeconds: Math.max(0, (row.finishedAt.getTime() - row.startedAt.getTime()) / 1000), parallel: row.plan?.parallel ?? 1,
  };
}

export function createScanPlanActivities(store: Store) {
  return {
    async judgeScanPlan(input: JudgePlanInput): Promise<ScanPlanVerdict> {
      const recent = (await store.recentScanStatistics(STATISTICS_SCANS)).map(statisticsOf);
      return judgePlan({ ...input, recent });
    },

    /**
     * The gate's one activity: judges the plan and keeps it with the scan, holding the scan as
     * awaiting_approval when it needs approval the start does not already carry.
     */
    async gateScanPlan(input: JudgePlanInput & { scanId: string; preApprovedPlanHash?: string; preApproved: boolean })
      : Promise<{ verdict: ScanPlanVerdict; held: boolean; heldAt: string }> {
      const recent = (await store.recentScanStatistics(STATISTICS_SCANS)).map(statisticsOf);
      const verdict = judgePlan({ ...input, recent });
      const held = verdict.requiresApproval && !input.preApproved && input.preApprovedPlanHash !== verdict.planHash;
      await store.recordScanPlan(input.scanId, verdict.planHash, {
        plan: verdict.plan, estimates: verdict.estimates, reasons: verdict.reasons, requiresApproval: verdict.requiresApproval,
        thresholds: verdict.thresholds, parallel: input.parallel,
      }, held);
      // When the wait begins, for the expiry the scan shows (the workflow's timer is what enforces it).
      return { verdict, held, heldAt: new Date().toISOString() };
    },

    async recordApprovalDecision(decision: ApprovalDecision): Promise<void> {
      await store.recordApprovalDecision(decision);
    },
  };
}
