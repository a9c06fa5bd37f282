// Inputs and results of workflows: small, serialisable, safe to keep in history. The scan's
// concepts they carry (trigger, totals, failure, data quality, progress) are core/scan.ts'.
import type { AccountProgress, DataQuality, ScanFailure, ScanProgress, ScanTotals, ScanTrigger } from '../core/scan.js';
import type { ApprovalThresholds } from '../core/scan-plan.js';
import type { ScanScope } from '../core/scope.js';

export interface EvaluateInventoryInput {
  /** Path of an inventory JSON file readable by the worker. */
  inventoryPath: string;
  trigger?: ScanTrigger;
  /** Keep this run in history and trends. */
  storeSnapshot?: boolean;
}

export interface EvaluateInventoryResult {
  scanId: string;
  policyVersionId: number;
  totals: ScanTotals;
}

export interface ComplianceScanInput {
  scope: ScanScope;
  /** Hash of the normalised scope, stored with the scan so later identical questions hit the cache. */
  scopeHash?: string;
  trigger: ScanTrigger;
  storeSnapshot: boolean;
  /** Override of the default (config clouds.aws.maxParallelAccounts): targets scanned at once. */
  maxParallelAccounts?: number;
  /**
   * Ignored: starters sent it before the worker owned shard concurrency (config
   * clouds.aws.maxConcurrentShards, carried by the plan of each target). Kept for recorded inputs.
   */
  maxConcurrentRegions?: number;
  /** Accounts handled per workflow run before continue-as-new keeps history small. */
  accountsPerRun?: number;
  /** Set by the starter when the namespace has our search attributes registered. */
  searchAttributes?: boolean;
  shardHeartbeatSeconds?: number;
  /** The approval gate's settings; absent (inputs from before the gate, or gate disabled): the scan never waits. */
  approval?: ScanApprovalInput;
  /** Carried across continue-as-new; callers leave it unset. */
  carry?: ScanCarry;
}

/** How a scan's plan is gated: thresholds, the wait, and an approval the starter already holds. */
export interface ScanApprovalInput extends ApprovalThresholds {
  /** How long to wait for `approve` before the scan is cancelled as "approval expired". */
  timeoutSeconds: number;
  /** A plan hash approved earlier (a dry run's): equal to this plan's, the scan does not wait. */
  preApprovedPlanHash?: string;
  /** Who holds that approved hash (the starter's principal); recorded as the approver. */
  preApprovedBy?: string;
  /** Approved before it started, whatever its plan (a schedule approved by its creator). */
  preApproved?: { approver: string; at: string; note?: string };
}

export interface ScanCarry {
  scanId: string;
  policyVersionId: number;
  /** Target keys (core/account-workflow-id.ts targetKey): AWS account ids as they are. */
  accounts: string[];
  /** The planned targets by cloud; absent in carries of runs from before the cloud seam (then all AWS). */
  targets?: ScanTarget[];
  nextAccountIndex: number;
  progress: ScanProgress;
}

export interface ComplianceScanResult {
  scanId: string;
  status: 'completed' | 'cancelled';
  /** Why a cancelled scan was cancelled, when the approval gate says (rejected, approval expired). */
  reason?: string;
  policyVersionId: number;
  totals: ScanTotals;
  dataQuality: DataQuality & { missingTotal: number };
  progress: ScanProgress;
}

export interface AccountScanInput {
  scanId: string;
  policyVersionId: number;
  accountId: string;
  regions?: string[];
  resourceTypes: string[];
  /** Only in histories recorded before the plan carried the worker's maxConcurrentShards. */
  maxConcurrentRegions?: number;
  /** A shard whose worker died is retried after this; resumes from its last heartbeated page. */
  shardHeartbeatSeconds?: number;
}

/** One target of one cloud, as complianceScan's plan lists it. */
export interface ScanTarget {
  cloud: string;
  id: string;
}

export interface TargetScanInput {
  scanId: string;
  policyVersionId: number;
  cloud: string;
  /** An AWS account id, an Azure subscription id, a GCP project id, an inventory file's path. */
  target: string;
  regions?: string[];
  resourceTypes: string[];
  /** A shard whose worker died is retried after this; resumes from its last heartbeated page. */
  shardHeartbeatSeconds?: number;
}

export type TargetScanResult = AccountScanResult;

export interface AccountScanResult extends AccountProgress {
  regions: string[];
  regionSource: string;
  failures: ScanFailure[];
}
