// The approval side of the scan client: what a start carries into the gate (config thresholds, an
// approved plan hash, a schedule's approval), dry runs (the planScan workflow: discovery only),
// and the approve / reject signals, by reference to the workflow contract.
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { ApprovalThresholds } from '../core/scan-plan.js';
import { scopeHash } from '../core/scan-id.js';
import type { ScanScope } from '../core/scope.js';
import type { Config } from '../config/index.js';
import {
  approveSignal, planScan, rejectSignal, type ApproveSignalArgs, type PlanScanResult, type RejectSignalArgs, type ScanApprovalInput,
} from '../workflows/contract.js';

/** What a starter knows about approval beyond the config. */
export interface StartApproval {
  /** A plan hash approved earlier (a dry run's `plan_hash`); the scan runs at once while its plan is unchanged. */
  planHash?: string;
  /** Who holds that hash (the caller's principal). */
  by?: string;
  /** Approved before the start whatever the plan (a schedule approved by its creator). */
  preApproved?: ScanApprovalInput['preApproved'];
}

export function approvalThresholds(config: Config): ApprovalThresholds {
  const a = config.approval;
  return { maxTargetRegionTypes: a.maxTargetRegionTypes, maxEstimatedCalls: a.maxEstimatedCalls, maxEstimatedSpendUsd: a.maxEstimatedSpendUsd };
}

/** The gate settings of a scan input; undefined when approval is disabled (the scan never waits). */
export function approvalInputFor(config: Config, start: StartApproval = {}): ScanApprovalInput | undefined {
  // A config built before the gate existed (hand-made in tests) has no approval block: no gate.
  if (!config.approval?.enabled) return undefined;
  return {
    ...approvalThresholds(config), timeoutSeconds: config.approval.timeoutSeconds,
    ...(start.planHash ? { preApprovedPlanHash: start.planHash } : {}),
    ...(start.planHash && start.by ? { preApprovedBy: start.by } : {}),
    ...(start.preApproved ? { preApproved: start.preApproved } : {}),
  };
}

/** A dry run: the plan of a scan of this scope, its hash, estimates and verdict. Makes discovery calls only. */
export async function planComplianceScan(client: Client, config: Config, scope: ScanScope, costExplorerRequests = 0): Promise<PlanScanResult> {
  return client.workflow.execute(planScan, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `plan-${scopeHash(scope)}-${randomUUID().slice(0, 8)}`,
    args: [{ scope, thresholds: approvalThresholds(config), parallel: config.clouds.aws.maxParallelAccounts,
      ...(costExplorerRequests ? { costExplorerRequests } : {}) }],
    workflowExecutionTimeout: '10 minutes',
    staticSummary: `dry run: ${scope.clouds.join(',')} ${scope.resourceTypes.join(',')}`,
  });
}

export async function approveComplianceScan(client: Client, workflowId: string, args: ApproveSignalArgs): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(approveSignal, args);
}

export async function rejectComplianceScan(client: Client, workflowId: string, args: RejectSignalArgs): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(rejectSignal, args);
}
