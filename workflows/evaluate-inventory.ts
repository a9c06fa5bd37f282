// evaluateInventory: evaluates an inventory file against the current policy version and
// records a snapshot. The resources never pass through history: the activity reads the
// file, writes rows to the store and returns counts.
//
// Since the cloud seam the file is a target of the inventory scanner, read by the same
// cloud-neutral activities as any cloud (planTargetShards, scanShard); runs recorded before it
// (no CLOUD_SEAM_PATCH marker) replay the old evaluateInventoryFile path.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { CLOUD_SEAM_PATCH } from './definitions.js';
import { NON_RETRYABLE, failureOf } from './failures.js';
import type { EvaluateInventoryInput, EvaluateInventoryResult } from './types.js';

const { resolvePolicyVersion, openScan, completeScan, planTargetShards } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

const { evaluateInventoryFile, scanShard } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

export async function evaluateInventory(input: EvaluateInventoryInput): Promise<EvaluateInventoryResult> {
  const seam = patched(CLOUD_SEAM_PATCH);
  const scanId = workflowInfo().workflowId;
  const policy = await resolvePolicyVersion();
  await openScan({
    scanId,
    workflowId: scanId,
    trigger: input.trigger ?? 'adhoc',
    scope: { source: 'inventory', inventoryPath: input.inventoryPath },
    policyVersionId: policy.id,
    storeSnapshot: input.storeSnapshot ?? false,
  });
  try {
    if (seam) {
      const target = { cloud: 'inventory', target: input.inventoryPath };
      const plan = await planTargetShards({ ...target, resourceTypes: ['all'] });
      for (const shard of plan.shards) await scanShard({ ...target, scanId, policyVersionId: policy.id, shard });
    } else {
      await evaluateInventoryFile({ scanId, inventoryPath: input.inventoryPath, policyVersionId: policy.id });
    }
  } catch (err) {
    await completeScan({ scanId, status: 'failed', dataQuality: { status: 'partial', missing: [failureOf(err, { account: '*', target: input.inventoryPath })], missingTotal: 1 } });
    throw err;
  }
  const totals = await completeScan({ scanId, status: 'completed', dataQuality: { status: 'complete', missing: [], missingTotal: 0 } });
  return { scanId, policyVersionId: policy.id, totals };
}
