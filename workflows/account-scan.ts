// accountScan: one AWS account of a compliance scan started before the cloud seam (new scans run
// targetScan, which knows no cloud). Kept, unchanged, so those scans and their recorded histories
// finish on this worker. Plans region x resource-type shards and runs them with bounded
// concurrency; a shard that fails for good is recorded, not fatal.
import { CancellationScope, isCancellation, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { shardLabel } from '../core/aws/shards.js';
import { addCalls } from '../core/cloud-calls.js';
import { DEFAULT_CONCURRENT_SHARDS } from '../core/limits.js';
import type { AccountProgress, ScanFailure } from '../core/scan.js';
import { accountProgressQuery } from './definitions.js';
import { NON_RETRYABLE, failureOf } from './failures.js';
import { forEachBounded } from './limits.js';
import type { AccountScanInput, AccountScanResult } from './types.js';

const { planAccountShards } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * A shard on a worker that died is retried elsewhere once this much passes without a heartbeat,
 * so it bounds what a crash costs (config clouds.aws.shardHeartbeatSeconds; the shard heartbeats at least
 * every third of it). Activity options are not part of replay, so changing it is replay-safe.
 */
export const DEFAULT_SHARD_HEARTBEAT_SECONDS = 20;

/** Options of a shard activity, whichever workflow runs it. */
export function shardOptions(heartbeatSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    // Throttling backs off exponentially; permission and region errors stop at once.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 12, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

export async function accountScan(input: AccountScanInput): Promise<AccountScanResult> {
  const progress: AccountProgress = { accountId: input.accountId, shardsTotal: 0, shardsDone: 0, shardsFailed: 0, resourcesSeen: 0, compliant: 0, calls: {} };
  setHandler(accountProgressQuery, () => progress);
  const failures: ScanFailure[] = [];

  let plan: Awaited<ReturnType<Activities['planAccountShards']>>;
  try {
    plan = await planAccountShards({ accountId: input.accountId, regions: input.regions, resourceTypes: input.resourceTypes });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // No access to the account at all (e.g. AssumeRole denied): the whole account is missing.
    failures.push(failureOf(err, { account: input.accountId }));
    return { ...progress, shardsFailed: 1, shardsDone: 1, shardsTotal: 1, regions: [], regionSource: 'none', failures };
  }
  progress.shardsTotal = plan.shards.length;
  addCalls(progress.calls!, plan.calls);

  const options = shardOptions(input.shardHeartbeatSeconds ?? DEFAULT_SHARD_HEARTBEAT_SECONDS);
  const { scanAwsShard } = proxyActivities<Activities>(options);
  // The planning worker's setting; histories recorded before the plan carried it use the input's.
  const concurrency = plan.maxConcurrentShards ?? input.maxConcurrentRegions ?? DEFAULT_CONCURRENT_SHARDS;
  await forEachBounded(plan.shards, concurrency, async (shard) => {
    const label = shardLabel(shard.source);
    try {
      const summary = await scanAwsShard.executeWithOptions(
        { ...options, summary: `${input.accountId}/${shard.region}/${label}` },
        [{ scanId: input.scanId, policyVersionId: input.policyVersionId, accountId: input.accountId, region: shard.region, source: shard.source }],
      );
      progress.resourcesSeen += summary.resources;
      progress.compliant += summary.compliant;
      addCalls(progress.calls!, summary.calls);
    } catch (err) {
      if (isCancellation(err) || CancellationScope.current().consideredCancelled) throw err;
      progress.shardsFailed++;
      failures.push(failureOf(err, { account: input.accountId, region: shard.region, resourceType: label }));
    } finally {
      progress.shardsDone++;
    }
  });

  return { ...progress, regions: plan.regions, regionSource: plan.regionSource, failures };
}
