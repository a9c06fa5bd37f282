// planScan: a dry run of complianceScan. Lists each cloud's targets and asks one target per cloud
// for its regions and shards (discovery only: no shard is paged, nothing is stored), then judges
// the plan as the approval gate would, so its hash equals the hash the real scan's gate computes.
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ScanFailure } from '../core/scan.js';
import type { ApprovalThresholds, ScanPlanVerdict } from '../core/scan-plan.js';
import type { ScanScope } from '../core/scope.js';
import { discoverCloudPlans } from './approval-gate.js';
import { NON_RETRYABLE, failureOf } from './failures.js';
import type { ScanTarget } from './types.js';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

export interface PlanScanInput {
  scope: ScanScope;
  thresholds: ApprovalThresholds;
  /** Targets the scan would run at once (the starter's maxParallelAccounts). */
  parallel: number;
  /** Billed Cost Explorer requests the caller would send after the scan (get_cost_attribution_gap). */
  costExplorerRequests?: number;
}

export interface PlanScanResult {
  verdict: ScanPlanVerdict;
  /** Clouds whose targets could not be listed (the scan would report them missing). */
  unplanned: ScanFailure[];
}

export async function planScan(input: PlanScanInput): Promise<PlanScanResult> {
  const targets: ScanTarget[] = [];
  const unplanned: ScanFailure[] = [];
  for (const cloud of input.scope.clouds) {
    const requested = cloud === 'aws' ? input.scope.accounts : cloud === 'azure' ? input.scope.subscriptions : input.scope.gcpScopes;
    try {
      const planned = await acts.planTargets({ cloud, targets: requested });
      targets.push(...planned.targets.map((id) => ({ cloud, id })));
    } catch (err) {
      if (isCancellation(err)) throw err;
      unplanned.push(failureOf(err, { account: requested?.join(',').slice(0, 200) ?? `${cloud}:*` }));
    }
  }
  const { clouds } = await discoverCloudPlans(input.scope, targets);
  const verdict = await acts.judgeScanPlan({ scope: input.scope, clouds, parallel: input.parallel, thresholds: input.thresholds,
    ...(input.costExplorerRequests ? { costExplorerRequests: input.costExplorerRequests } : {}) });
  return { verdict, unplanned };
}
