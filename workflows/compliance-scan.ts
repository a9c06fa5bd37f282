// complianceScan: an org-wide scan over every cloud of its scope. Resolves the policy version,
// plans the targets of each cloud, runs one targetScan child per target with bounded parallelism,
// and closes the snapshot with totals computed from the stored rows. Only counts and capped
// failure lists live in history; continue-as-new every `accountsPerRun` targets keeps that
// history small for huge orgs.
//
// Replay rule: runs recorded before the cloud seam (no CLOUD_SEAM_PATCH marker) take the old,
// AWS-only path (planAwsAccounts, accountScan children) command for command; new runs take the
// cloud-neutral one. Remove the old path only once no such run can still be open.
import {
  CancellationScope, ParentClosePolicy, continueAsNew, executeChild,
  isCancellation, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { accountWorkflowId, targetKey } from '../core/account-workflow-id.js';
import { addCalls } from '../core/cloud-calls.js';
import { emptyScanProgress, type ScanFailure, type ScanProgress } from '../core/scan.js';
import type { ScanScope } from '../core/scope.js';
import { accountScan } from './account-scan.js';
import { approvalGate, approvalInbox } from './approval-gate.js';
import { ACCOUNT_COUNT_ATTRIBUTE, APPROVAL_GATE_PATCH, CLOUD_SEAM_PATCH, cancelSignal, progressQuery } from './definitions.js';
import { NON_RETRYABLE, callsOf, failureOf } from './failures.js';
import { forEachBounded } from './limits.js';
import { targetScan } from './target-scan.js';
import type { ComplianceScanInput, ComplianceScanResult, ScanCarry, ScanTarget } from './types.js';

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
  const inbox = approvalInbox();

  const seam = patched(CLOUD_SEAM_PATCH);
  const carry: ScanCarry = input.carry ?? (await plan(input, seam, (p) => { progress = p; }));
  progress = carry.progress;
  // A carry from a run before the seam lists AWS account ids only.
  const targets: ScanTarget[] = carry.targets ?? carry.accounts.map((id) => ({ cloud: 'aws', id }));
  const parallel = input.maxParallelAccounts ?? DEFAULT_PARALLEL_ACCOUNTS;
  const perRun = input.accountsPerRun ?? 200;

  const recordFailures = async (failures: ScanFailure[]) => {
    if (failures.length === 0) return;
    await acts.recordScanFailures({ scanId: carry.scanId, failures });
    progress.failuresTotal += failures.length;
    for (const failure of failures) if (progress.failures.length < MAX_FAILURES_IN_STATE) progress.failures.push(failure);
  };

  try {
    // The gate: new first runs with approval settings only (earlier histories have no such marker).
    if (!input.carry && input.approval && patched(APPROVAL_GATE_PATCH)) {
      const gate = await approvalGate({
        scanId: carry.scanId, scope: input.scope, targets, approval: input.approval, parallel, progress, inbox,
        cancelled: () => cancelReason !== undefined,
      });
      if (!gate.run) {
        cancelReason ??= gate.reason;
        return await finish(carry, progress, 'cancelled', cancelReason);
      }
      if (cancelReason) return await finish(carry, progress, 'cancelled', cancelReason);
    }
    const batch = targets.slice(carry.nextAccountIndex, carry.nextAccountIndex + perRun);
    progress.phase = 'scanning';
    await fanOut.run(() => forEachBounded(batch, parallel, async (target) => {
      const key = targetKey(target.cloud, target.id);
      progress.runningAccounts.push(key);
      try {
        const common = { workflowId: accountWorkflowId(carry.scanId, key), parentClosePolicy: ParentClosePolicy.TERMINATE };
        const scanOf = { scanId: carry.scanId, policyVersionId: carry.policyVersionId, regions: input.scope.regions,
          resourceTypes: input.scope.resourceTypes, shardHeartbeatSeconds: input.shardHeartbeatSeconds };
        const result = seam
          ? await executeChild(targetScan, { ...common, args: [{ ...scanOf, cloud: target.cloud, target: target.id }], staticSummary: `${target.cloud} ${target.id}` })
          : await executeChild(accountScan, { ...common, args: [{ ...scanOf, accountId: target.id }], staticSummary: `account ${target.id}` });
        progress.shardsTotal += result.shardsTotal;
        progress.shardsDone += result.shardsDone;
        progress.shardsFailed += result.shardsFailed;
        progress.resourcesSeen += result.resourcesSeen;
        progress.calls = addCalls(progress.calls ?? {}, result.calls);
        await recordFailures(result.failures);
      } catch (err) {
        if (isCancellation(err)) throw err;
        await recordFailures([failureOf(err, { account: key })]);
      } finally {
        progress.accountsDone++;
        progress.runningAccounts = progress.runningAccounts.filter((id) => id !== key);
      }
    }, () => cancelReason !== undefined));

    if (!cancelReason && carry.nextAccountIndex + perRun < targets.length) {
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

async function plan(input: ComplianceScanInput, seam: boolean, publish: (p: ScanProgress) => void): Promise<ScanCarry> {
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
  const targets: ScanTarget[] = [];
  const unplanned: { failure: ScanFailure; err: unknown }[] = [];
  for (const cloud of seam ? input.scope.clouds : ['aws']) {
    const requested = targetsOf(input.scope, cloud);
    try {
      const planned = seam
        ? await acts.planTargets({ cloud, targets: requested })
        : await acts.planAwsAccounts({ accounts: requested }).then((p) => ({ ...p, targets: p.accounts }));
      targets.push(...planned.targets.map((id) => ({ cloud, id })));
      progress.calls = addCalls(progress.calls ?? {}, planned.calls);
    } catch (err) {
      if (isCancellation(err)) throw err;
      progress.calls = addCalls(progress.calls ?? {}, callsOf(err));
      unplanned.push({ err, failure: failureOf(err, { account: requested?.join(',').slice(0, 200) ?? (cloud === 'aws' ? '*' : `${cloud}:*`) }) });
    }
  }
  if (targets.length === 0 && unplanned.length > 0) {
    // Nothing to scan (e.g. accounts outside the allowed set): the scan row opened above must not
    // stay 'running'. Only this failure path adds a command, so earlier histories replay as before.
    await acts.completeScan({ scanId, status: 'failed', dataQuality: { status: 'partial', missing: unplanned.map((u) => u.failure) } });
    throw unplanned[0]!.err;
  }
  progress.accountsTotal = targets.length;
  if (input.searchAttributes) upsertSearchAttributes([{ key: ACCOUNT_COUNT_ATTRIBUTE, value: targets.length }]);
  const carry: ScanCarry = {
    scanId, policyVersionId: policy.id, accounts: targets.map((t) => targetKey(t.cloud, t.id)), nextAccountIndex: 0, progress,
    ...(seam ? { targets } : {}),
  };
  // A cloud that could not be planned while others were is missing data, not a failed scan.
  for (const { failure } of unplanned) {
    await acts.recordScanFailures({ scanId, failures: [failure] });
    progress.failuresTotal++;
    progress.failures.push(failure);
  }
  return carry;
}

/** The targets a scope names in one cloud; unset (as in every scope stored before Azure and GCP targets existed): every target the worker may scan there. */
function targetsOf(scope: ScanScope, cloud: string): string[] | undefined {
  if (cloud === 'aws') return scope.accounts;
  if (cloud === 'azure') return scope.subscriptions;
  if (cloud === 'gcp') return scope.gcpScopes;
  return undefined;
}

async function finish(carry: ScanCarry, progress: ScanProgress, status: 'completed' | 'cancelled', reason?: string): Promise<ComplianceScanResult> {
  progress.phase = 'finalising';
  const partial = progress.failuresTotal > 0 || status === 'cancelled';
  const dataQuality = { status: partial ? 'partial' as const : 'complete' as const, missing: progress.failures, missingTotal: progress.failuresTotal };
  const totals = await acts.completeScan({ scanId: carry.scanId, status, dataQuality, cloudCalls: progress.calls });
  progress.phase = status;
  return { scanId: carry.scanId, status, policyVersionId: carry.policyVersionId, totals, dataQuality, progress, ...(reason ? { reason } : {}) };
}
