// targetScan: one target of a compliance scan (an AWS account, an Azure subscription, a GCP
// project, an inventory file), for any cloud. Plans the target's shards and runs them as
// activities with bounded concurrency; a shard that fails for good is recorded, not fatal, so
// the scan reports partial data instead of nothing. It knows no cloud: the worker's scanner does.
import { CancellationScope, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { targetKey } from '../core/account-workflow-id.js';
import { addCalls } from '../core/cloud-calls.js';
import type { AccountProgress, ScanFailure } from '../core/scan.js';
import { DEFAULT_SHARD_HEARTBEAT_SECONDS, shardOptions } from './account-scan.js';
import { accountProgressQuery } from './definitions.js';
import { NON_RETRYABLE, callsOf, failureOf } from './failures.js';
import { forEachBounded } from './limits.js';
import type { TargetScanInput, TargetScanResult } from './types.js';

const { planTargetShards } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

export async function targetScan(input: TargetScanInput): Promise<TargetScanResult> {
  const key = targetKey(input.cloud, input.target);
  const progress: AccountProgress = { accountId: key, shardsTotal: 0, shardsDone: 0, shardsFailed: 0, resourcesSeen: 0, compliant: 0, calls: {} };
  setHandler(accountProgressQuery, () => progress);
  const failures: ScanFailure[] = [];

  let plan: Awaited<ReturnType<Activities['planTargetShards']>>;
  try {
    plan = await planTargetShards({ cloud: input.cloud, target: input.target, regions: input.regions, resourceTypes: input.resourceTypes });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // No access to the target at all (e.g. AssumeRole denied): the whole target is missing.
    failures.push(failureOf(err, { account: key }));
    addCalls(progress.calls!, callsOf(err));
    return { ...progress, shardsFailed: 1, shardsDone: 1, shardsTotal: 1, regions: [], regionSource: 'none', failures };
  }
  progress.shardsTotal = plan.shards.length;
  addCalls(progress.calls!, plan.calls);

  const options = shardOptions(input.shardHeartbeatSeconds ?? DEFAULT_SHARD_HEARTBEAT_SECONDS);
  const { scanShard } = proxyActivities<Activities>(options);
  await forEachBounded(plan.shards, plan.maxConcurrentShards, async (shard) => {
    try {
      const summary = await scanShard.executeWithOptions(
        { ...options, summary: `${key}/${shard.region}/${shard.label}` },
        [{ scanId: input.scanId, policyVersionId: input.policyVersionId, cloud: input.cloud, target: input.target, shard }],
      );
      progress.resourcesSeen += summary.resources;
      progress.compliant += summary.compliant;
      addCalls(progress.calls!, summary.calls);
    } catch (err) {
      if (isCancellation(err) || CancellationScope.current().consideredCancelled) throw err;
      progress.shardsFailed++;
      failures.push(failureOf(err, { account: key, region: shard.region, resourceType: shard.label }));
      addCalls(progress.calls!, callsOf(err));
    } finally {
      progress.shardsDone++;
    }
  });

  return { ...progress, regions: plan.regions, regionSource: plan.regionSource, failures };
}
