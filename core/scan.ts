// The scan's concepts, defined once: trigger, totals, failure, data quality, progress and the
// resource row. Workflows, activities, the store's jsonb columns and the clients all use these.
import type { CloudCalls } from './cloud-calls.js';
import type { Cloud, ResourceContext } from './resource.js';
import type { ScanPlanVerdict } from './scan-plan.js';
import type { ScanScope } from './scope.js';

export type ScanTrigger = 'adhoc' | 'scheduled';

/** An inventory file's evaluation, as its scan row records what it covered. */
export interface InventoryScanScope {
  source: 'inventory';
  inventoryPath: string;
}

/** What a scan covered, as stored in `scans.scope`: a scope of clouds, or an inventory file. */
export type StoredScanScope = ScanScope | InventoryScanScope;

export interface Breakdown {
  total: number;
  compliant: number;
}

/** A scan's aggregates, computed by SQL from the rows written; stored in `scans.totals`. */
export interface ScanTotals {
  total: number;
  compliant: number;
  nonCompliant: number;
  score: number;
  byResourceType: Record<string, Breakdown>;
  /** Absent only on rows stored before scans broke totals down by account and region. */
  byAccount?: Record<string, Breakdown>;
  byRegion?: Record<string, Breakdown>;
  /** By cloud (`aws`, `azure`, `gcp`); absent on rows stored before scans covered several clouds. */
  byCloud?: Record<string, Breakdown>;
}

/** The totals as counted from the rows, before the score is derived from them. */
export type ScanCounts = Omit<ScanTotals, 'score'> & Required<Pick<ScanTotals, 'byAccount' | 'byRegion' | 'byCloud'>>;

/** A target the scan could not read (an account, a shard, an inventory file), and why. */
export interface ScanFailure {
  account: string;
  region?: string;
  resourceType?: string;
  /** What was not read when it is not an account, region or type (e.g. an inventory file's path). */
  target?: string;
  errorType: string;
  reason: string;
}

/** Whether the scan saw everything it planned to; `missing` is capped, `missingTotal` counts all. */
export interface DataQuality {
  status: 'complete' | 'partial';
  missing: ScanFailure[];
  /** Absent on rows stored before it was kept: then missing.length. */
  missingTotal?: number;
}

export type ScanPhase = 'planning' | 'awaiting_approval' | 'scanning' | 'finalising' | 'completed' | 'cancelled' | 'failed';

/** A plan waiting for (or past) its approval gate, as progress shows it: the verdict plus when the wait ends. */
export interface PendingApproval extends Omit<ScanPlanVerdict, 'thresholds'> {
  /** ISO time the wait expires and the scan is cancelled, not run. */
  expiresAt: string;
}

/** What the scan workflow's progress query answers. */
export interface ScanProgress {
  /** Set once planned: the scan's id in the store (the workflow id plus its first run). */
  scanId?: string;
  phase: ScanPhase;
  accountsTotal: number;
  accountsDone: number;
  /** Shards of finished accounts plus those reported by running accounts. */
  shardsTotal: number;
  shardsDone: number;
  shardsFailed: number;
  resourcesSeen: number;
  /** Capped list; failuresTotal counts all of them. */
  failures: ScanFailure[];
  failuresTotal: number;
  runningAccounts: string[];
  /** Cloud API requests of finished accounts, per API (`s3:ListBuckets` …); absent in runs from before it was counted. */
  calls?: CloudCalls;
  /** Set while phase is awaiting_approval: the plan waiting for the `approve` signal. */
  approval?: PendingApproval;
}

/** What one account's workflow reports while it runs. */
export interface AccountProgress {
  accountId: string;
  shardsTotal: number;
  shardsDone: number;
  shardsFailed: number;
  resourcesSeen: number;
  compliant: number;
  /** Cloud API requests of finished shards and the account's planning, per API; absent in runs from before it was counted. */
  calls?: CloudCalls;
}

/** The progress of a scan no worker has reported on yet: the workflow's own starting state. */
export function emptyScanProgress(): ScanProgress {
  return {
    phase: 'planning', accountsTotal: 0, accountsDone: 0, shardsTotal: 0, shardsDone: 0, shardsFailed: 0,
    resourcesSeen: 0, failures: [], failuresTotal: 0, runningAccounts: [],
  };
}

/** What a shard (or an inventory file) returns: counts only; its rows went to the store. */
export interface ShardCounts {
  resources: number;
  compliant: number;
}

/** One evaluated resource of a scan, as a shard writes it to `scan_resources`. */
export interface ScanResourceRow {
  resourceId: string;
  cloud: Cloud;
  account: string;
  region: string;
  /** service:kind */
  resourceType: string;
  name?: string | null;
  tags: Record<string, string>;
  state?: string | null;
  /** ISO-8601 creation time of the cloud resource, when known. */
  createdAt?: string | null;
  compliant: boolean;
  violations: unknown[];
  monthlyCost?: number | null;
  /** VPC, subnet and security groups where the lister saw them; absent on rows from before 0008. */
  context?: ResourceContext | null;
}
