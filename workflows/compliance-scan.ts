// complianceScan: an org-wide scan. Resolves the policy version, plans accounts, runs one
// accountScan child per account with bounded parallelism, and closes the snapshot with totals
// computed from the stored rows. Only counts and capped failure lists live in history;
// continue-as-new every `accountsPerRun` accounts keeps that history small for huge orgs.
import {
  CancellationScope, ParentClosePolicy, continueAsNew, executeChild,
  isCancellation, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { accountWorkflowId } from '../core/account-workflow-id.js';
import { addCalls } from '../core/cloud-calls.js';
import { emptyScanProgress, type ScanFailure, type ScanProgress } from '../core/scan.js';
import { accountScan } from './account-scan.js';
import { ACCOUNT_COUNT_ATTRIBUTE, cancelSignal, progressQuery } from './definitions.js';
import { NON_RETRYABLE, failureOf } from './failures.js';
import { forEachBounded } from './limits.js';
import type { ComplianceScanInput, ComplianceScanResult, ScanCarry } from './types.js';

export const DEFAULT_PARALLEL_ACCOUNTS = 5;
/** Failures kept in workflow state; the store keeps every one of them. */
export const MAX_FAILURES_IN_STATE = 100;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

export async function complianceScan(input: ComplianceScanInput): Promise<ComplianceScanResult> {
  let progress = input.carry?.progress ?? emptyScanProgress();
  let cancelReason: string | undefined;
  setHandler(progressQuery, () => progress);
  const fanOut = new CancellationScope();
  setHandler(cancelSignal, (reason) => {
    cancelReason = reason ?? 'cancelled by request';
    fanOut.cancel();
  });

  const carry: ScanCarry = input.carry ?? (await plan(input, (p) => { progress = p; }));
  progress = carry.progress;
  const parallel = input.maxParallelAccounts ?? DEFAULT_PARALLEL_ACCOUNTS;
  const perRun = input.accountsPerRun ?? 200;

  const recordFailures = async (failures: ScanFailure[]) => {
    if (failures.length === 0) return;
    await acts.recordScanFailures({ scanId: carry.scanId, failures });
    progress.failuresTotal += failures.length;
    for (const failure of failures) if (progress.failures.length < MAX_FAILURES_IN_STATE) progress.failures.push(failure);
  };

  try {
    const batch = carry.accounts.slice(carry.nextAccountIndex, carry.nextAccountIndex + perRun);
    progress.phase = 'scanning';
    await fanOut.run(() => forEachBounded(batch, parallel, async (accountId) => {
      progress.runningAccounts.push(accountId);
      try {
        const result = await executeChild(accountScan, {
          workflowId: accountWorkflowId(carry.scanId, accountId),
          args: [{
            scanId: carry.scanId, policyVersionId: carry.policyVersionId, accountId,
            regions: input.scope.regions, resourceTypes: input.scope.resourceTypes,
            shardHeartbeatSeconds: input.shardHeartbeatSeconds,
          }],
          parentClosePolicy: ParentClosePolicy.TERMINATE,
          staticSummary: `account ${accountId}`,
        });
        progress.shardsTotal += result.shardsTotal;
        progress.shardsDone += result.shardsDone;
        progress.shardsFailed += result.shardsFailed;
        progress.resourcesSeen += result.resourcesSeen;
        progress.calls = addCalls(progress.calls ?? {}, result.calls);
        await recordFailures(result.failures);
      } catch (err) {
        if (isCancellation(err)) throw err;
        await recordFailures([failureOf(err, { account: accountId })]);
      } finally {
        progress.accountsDone++;
        progress.runningAccounts = progress.runningAccounts.filter((id) => id !== accountId);
      }
    }, () => cancelReason !== undefined));

    if (!cancelReason && carry.nextAccountIndex + perRun < carry.accounts.length) {
      await continueAsNew<typeof complianceScan>({ ...input, carry: { ...carry, nextAccountIndex: carry.nextAccountIndex + perRun, progress } });
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelReason ??= 'workflow cancelled';
    if (CancellationScope.current().consideredCancelled) {
      // Temporal's own cancel: close the snapshot, then let the workflow end as cancelled.
      await CancellationScope.nonCancellable(() => finish(carry, progress, 'cancelled'));
      throw err;
    }
  }
  return finish(carry, progress, cancelReason ? 'cancelled' : 'completed');
}

async function plan(input: ComplianceScanInput, publish: (p: ScanProgress) => void): Promise<ScanCarry> {
  // Unique per run chain: a later run under the same workflow id (a retried or refreshed scan)
  // gets a scan row of its own; continue-as-new keeps the first run's id.
  const info = workflowInfo();
  const scanId = `${info.workflowId}.${info.firstExecutionRunId.slice(0, 8)}`;
  const progress: ScanProgress = { ...emptyScanProgress(), scanId };
  publish(progress);
  const policy = await acts.resolvePolicyVersion();
  await acts.openScan({
    scanId, workflowId: info.workflowId, trigger: input.trigger, scope: { ...input.scope }, scopeHash: input.scopeHash,
    policyVersionId: policy.id, storeSnapshot: input.storeSnapshot,
  });
  let accounts: string[];
  try {
    const planned = await acts.planAwsAccounts({ accounts: input.scope.accounts });
    accounts = planned.accounts;
    progress.calls = addCalls(progress.calls ?? {}, planned.calls);
  } catch (err) {
    // No account to scan (e.g. accounts outside the allowed set): the scan row opened above must
    // not stay 'running'. Only this failure path adds a command, so earlier histories replay as before.
    if (isCancellation(err)) throw err;
    const failure = failureOf(err, { account: input.scope.accounts?.join(',').slice(0, 200) ?? '*' });
    await acts.completeScan({ scanId, status: 'failed', dataQuality: { status: 'partial', missing: [failure] } });
    throw err;
  }
  progress.accountsTotal = accounts.length;
  if (input.searchAttributes) upsertSearchAttributes([{ key: ACCOUNT_COUNT_ATTRIBUTE, value: accounts.length }]);
  return { scanId, policyVersionId: policy.id, accounts, nextAccountIndex: 0, progress };
}

async function finish(carry: ScanCarry, progress: ScanProgress, status: 'completed' | 'cancelled'): Promise<ComplianceScanResult> {
  progress.phase = 'finalising';
  const partial = progress.failuresTotal > 0 || status === 'cancelled';
  const dataQuality = { status: partial ? 'partial' as const : 'complete' as const, missing: progress.failures, missingTotal: progress.failuresTotal };
  const totals = await acts.completeScan({ scanId: carry.scanId, status, dataQuality, cloudCalls: progress.calls });
  progress.phase = status;
  return { scanId: carry.scanId, status, policyVersionId: carry.policyVersionId, totals, dataQuality, progress };
}
