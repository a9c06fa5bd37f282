// The approval gate of complianceScan, between planning and fan-out: a plan above the thresholds
// waits, durably, for an `approve` signal (from approve_scan, the Temporal UI or the CLI). A
// `reject` or the timeout closes the scan as cancelled without scanning. A plan hash approved
// earlier (a dry run's) or an approval the input carries (a schedule's) lets it run at once.
// Discovery is the plan's only cloud work: the targets already listed, and (unless the scope names
// its regions and types) one target per cloud asked for its regions and shards (no shard is paged).
import { condition, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { addCalls, type CloudCalls } from '../core/cloud-calls.js';
import type { ScanProgress } from '../core/scan.js';
import type { CloudPlan, ScanPlanVerdict } from '../core/scan-plan.js';
import type { ScanScope } from '../core/scope.js';
import { approveSignal, rejectSignal, type ApproveSignalArgs, type RejectSignalArgs } from './definitions.js';
import { NON_RETRYABLE, callsOf } from './failures.js';
import type { ScanApprovalInput, ScanTarget } from './types.js';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Decisions signalled so far; handlers are set at workflow start so an early signal is not lost. */
export interface ApprovalInbox {
  approved?: ApproveSignalArgs;
  rejected?: RejectSignalArgs;
  /** The hash of the plan waiting; an approval naming another hash is ignored. */
  planHash?: string;
}

export function approvalInbox(): ApprovalInbox {
  const inbox: ApprovalInbox = {};
  setHandler(approveSignal, (args) => {
    if (inbox.approved || inbox.rejected) return;
    // Before the plan is known any hash is kept; the gate checks it once it is.
    if (args.planHash && inbox.planHash && args.planHash !== inbox.planHash) return;
    inbox.approved = args;
  });
  setHandler(rejectSignal, (args) => {
    if (inbox.approved || inbox.rejected) return;
    inbox.rejected = args;
  });
  return inbox;
}

/** Every cloud's plan: its targets, and the regions and resource-type sources of its first target. */
export async function discoverCloudPlans(scope: ScanScope, targets: readonly ScanTarget[]): Promise<{ clouds: CloudPlan[]; calls: CloudCalls }> {
  const byCloud = new Map<string, string[]>();
  for (const t of targets) byCloud.set(t.cloud, [...(byCloud.get(t.cloud) ?? []), t.id]);
  const clouds: CloudPlan[] = [];
  const calls: CloudCalls = {};
  const namedTypes = scope.resourceTypes.includes('all') ? 1 : scope.resourceTypes.length;
  // Named regions and named types leave nothing to discover: no request, no activity.
  const named = !!scope.regions?.length && !scope.resourceTypes.some((t) => t === 'all' || t.includes('*'));
  for (const [cloud, ids] of byCloud) {
    if (named) {
      clouds.push({ cloud, targets: [...ids].sort(), regions: [...scope.regions!].sort(), regionSource: 'scope', resourceTypes: namedTypes });
      continue;
    }
    try {
      const sample = await acts.planTargetShards({ cloud, target: ids[0]!, regions: scope.regions, resourceTypes: scope.resourceTypes });
      addCalls(calls, sample.calls);
      const labels = new Set(sample.shards.map((s) => s.label));
      clouds.push({ cloud, targets: [...ids].sort(), regions: [...sample.regions].sort(), regionSource: sample.regionSource,
        resourceTypes: Math.max(labels.size, 1) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The sample target could not be planned (the scan will report it): estimate from the scope.
      addCalls(calls, callsOf(err));
      clouds.push({ cloud, targets: [...ids].sort(), regions: [...(scope.regions ?? [])].sort(), regionSource: 'unknown', resourceTypes: namedTypes });
    }
  }
  return { clouds, calls };
}

export type GateOutcome = { run: true } | { run: false; reason: string };

export interface GateRequest {
  scanId: string;
  scope: ScanScope;
  targets: readonly ScanTarget[];
  approval: ScanApprovalInput;
  parallel: number;
  progress: ScanProgress;
  inbox: ApprovalInbox;
  /** A cancel signal ends the wait too (the scan then closes as cancelled by it). */
  cancelled: () => boolean;
}

/** Plans, judges, and waits when the plan needs it; records the plan and every decision. */
export async function approvalGate(req: GateRequest): Promise<GateOutcome> {
  const { approval, inbox, progress } = req;
  const discovered = await discoverCloudPlans(req.scope, req.targets);
  progress.calls = addCalls(progress.calls ?? {}, discovered.calls);
  const thresholds = { maxTargetRegionTypes: approval.maxTargetRegionTypes, maxEstimatedCalls: approval.maxEstimatedCalls,
    maxEstimatedSpendUsd: approval.maxEstimatedSpendUsd };
  const { verdict, held, heldAt } = await acts.gateScanPlan({
    scanId: req.scanId, scope: req.scope, clouds: discovered.clouds, parallel: req.parallel, thresholds,
    preApproved: approval.preApproved !== undefined,
    ...(approval.preApprovedPlanHash ? { preApprovedPlanHash: approval.preApprovedPlanHash } : {}),
  });
  inbox.planHash = verdict.planHash;
  if (inbox.approved?.planHash && inbox.approved.planHash !== verdict.planHash) inbox.approved = undefined;
  if (!verdict.requiresApproval) return { run: true };
  const decide = (kind: 'approved' | 'rejected' | 'expired', actor: string, via: string, extra: { note?: string; reason?: string } = {}) =>
    acts.recordApprovalDecision({ scanId: req.scanId, kind, actor, via, planHash: verdict.planHash, ...extra });
  if (approval.preApproved) {
    await decide('approved', approval.preApproved.approver, 'schedule', { note: approval.preApproved.note ?? `approved at ${approval.preApproved.at}` });
    return { run: true };
  }
  if (!held) {
    // Not held: the start carried this plan's hash, approved earlier.
    await decide('approved', approval.preApprovedBy ?? 'pre-approved plan hash', 'pre-approved plan hash');
    return { run: true };
  }

  // Shown to people; the timer below is what enforces it.
  const expiresAt = new Date(Date.parse(heldAt) + approval.timeoutSeconds * 1000).toISOString();
  const { thresholds: _omitted, ...shown } = verdict satisfies ScanPlanVerdict;
  progress.phase = 'awaiting_approval';
  progress.approval = { ...shown, expiresAt };
  const decided = await condition(() => inbox.approved !== undefined || inbox.rejected !== undefined || req.cancelled(),
    approval.timeoutSeconds * 1000);
  delete progress.approval;
  progress.phase = 'planning';
  if (inbox.rejected) {
    await decide('rejected', inbox.rejected.approver, 'signal', { reason: inbox.rejected.reason });
    return { run: false, reason: `rejected by ${inbox.rejected.approver}: ${inbox.rejected.reason}` };
  }
  if (inbox.approved) {
    await decide('approved', inbox.approved.approver, 'signal', inbox.approved.note ? { note: inbox.approved.note } : {});
    return { run: true };
  }
  if (!decided) {
    await decide('expired', 'system', 'timeout', { reason: 'approval expired' });
    return { run: false, reason: 'approval expired' };
  }
  return { run: false, reason: 'cancelled while awaiting approval' };
}
