// Inputs, results and progress of workflows: small, serialisable, safe to keep in history.
import type { ScanScope } from '../core/scope.js';

export type ScanTrigger = 'adhoc' | 'scheduled';

export interface EvaluateInventoryInput {
  /** Path of an inventory JSON file readable by the worker. */
  inventoryPath: string;
  trigger?: ScanTrigger;
  /** Keep this run in history and trends. */
  storeSnapshot?: boolean;
}

export interface Breakdown {
  total: number;
  compliant: number;
}

export interface ScanTotals {
  total: number;
  compliant: number;
  nonCompliant: number;
  score: number;
  byResourceType: Record<string, Breakdown>;
  byAccount?: Record<string, Breakdown>;
  byRegion?: Record<string, Breakdown>;
}

export interface EvaluateInventoryResult {
  scanId: string;
  policyVersionId: number;
  totals: ScanTotals;
}

/** A target the scan could not read, and why; `data_quality.missing` lists these. */
export interface ShardFailure {
  account: string;
  region?: string;
  resourceType?: string;
  errorType: string;
  reason: string;
}

export interface ComplianceScanInput {
  scope: ScanScope;
  /** Hash of the normalised scope, stored with the scan so later identical questions hit the cache. */
  scopeHash?: string;
  trigger: ScanTrigger;
  storeSnapshot: boolean;
  /** Overrides of the worker's defaults (config aws.maxParallelAccounts / maxConcurrentRegions). */
  maxParallelAccounts?: number;
  maxConcurrentRegions?: number;
  /** Accounts handled per workflow run before continue-as-new keeps history small. */
  accountsPerRun?: number;
  /** Set by the starter when the namespace has our search attributes registered. */
  searchAttributes?: boolean;
  shardHeartbeatSeconds?: number;
  /** Carried across continue-as-new; callers leave it unset. */
  carry?: ScanCarry;
}

export interface ScanCarry {
  scanId: string;
  policyVersionId: number;
  accounts: string[];
  nextAccountIndex: number;
  progress: ScanProgress;
}

export interface ScanProgress {
  /** Set once planned: the scan's id in the store (the workflow id plus its first run). */
  scanId?: string;
  phase: 'planning' | 'scanning' | 'finalising' | 'completed' | 'cancelled' | 'failed';
  accountsTotal: number;
  accountsDone: number;
  /** Shards of finished accounts plus those reported by running accounts. */
  shardsTotal: number;
  shardsDone: number;
  shardsFailed: number;
  resourcesSeen: number;
  /** Capped list; failuresTotal counts all of them. */
  failures: ShardFailure[];
  failuresTotal: number;
  runningAccounts: string[];
}

export interface ComplianceScanResult {
  scanId: string;
  status: 'completed' | 'cancelled';
  policyVersionId: number;
  totals: ScanTotals;
  dataQuality: { status: 'complete' | 'partial'; missing: ShardFailure[]; missingTotal: number };
  progress: ScanProgress;
}

export interface AccountScanInput {
  scanId: string;
  policyVersionId: number;
  accountId: string;
  regions?: string[];
  resourceTypes: string[];
  maxConcurrentRegions: number;
  /** A shard whose worker died is retried after this; resumes from its last heartbeated page. */
  shardHeartbeatSeconds?: number;
}

export interface AccountProgress {
  accountId: string;
  shardsTotal: number;
  shardsDone: number;
  shardsFailed: number;
  resourcesSeen: number;
  compliant: number;
}

export interface AccountScanResult extends AccountProgress {
  regions: string[];
  regionSource: string;
  failures: ShardFailure[];
}
